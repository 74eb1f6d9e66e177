/**
 * A token bucket: holds at most `burst` tokens and refills at `ratePerS`; taking more than it
 * holds is refused. Time is passed in (milliseconds), so callers read the clock once per event.
 */
export class TokenBucket {
  private tokens: number;

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    private last: number,
  ) {
    this.tokens = burst;
  }

  /** Takes `cost` tokens if the bucket holds them. */
  take(cost: number, now: number): boolean {
    this.refill(now);
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Refilled to the brim: it remembers nothing a fresh bucket would not. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    if (now > this.last) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerS) / 1000);
    this.last = now;
  }
}
