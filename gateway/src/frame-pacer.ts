import { RATE_TOKEN_BYTES } from '@cmf/shared';

/** What a frame costs against a connection's rate: one token per started KiB. */
export const frameCost = (bytes: number): number => Math.max(1, Math.ceil(bytes / RATE_TOKEN_BYTES));

/** How far ahead of its rate a connection may run before its frames wait: a few frames go at once. */
const TOLERANCE_MS = 50;

/**
 * One connection's rate limit, as a shaper: its frames go on to `pass` in order, at most
 * `tokensPerS` tokens of them a second; a frame ahead of that rate waits its turn, and at most
 * `capacity` tokens of frames wait; a frame beyond them goes to `refuse`. Each frame is due when
 * the cost of those before it has elapsed at the rate (GCRA, the token bucket's twin), so a burst
 * is spread out rather than passed on at once: at once, its broadcasts would reach every client
 * in one go, and everyone else's messages would queue behind them. The socket is read as usual,
 * so a close from the client is seen at once.
 */
export class FramePacer {
  private readonly waiting: Buffer[] = [];
  private waitingCost = 0;
  private due = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tokensPerS: number,
    private readonly capacity: number,
    private readonly pass: (data: Buffer) => void,
    private readonly refuse: () => void,
  ) {}

  push(data: Buffer): void {
    const now = performance.now();
    if (this.waiting.length === 0 && this.due - now <= TOLERANCE_MS) {
      this.go(data, now);
      return;
    }
    const cost = frameCost(data.length);
    if (this.waitingCost + cost > this.capacity) {
      this.refuse();
      return;
    }
    this.waiting.push(data);
    this.waitingCost += cost;
    this.timer ??= setTimeout(() => this.drain(), Math.max(0, this.due - TOLERANCE_MS - now));
  }

  /** The socket closed: what waits is dropped. */
  stop(): void {
    clearTimeout(this.timer);
    this.waiting.length = 0;
  }

  private go(data: Buffer, now: number): void {
    this.due = Math.max(this.due, now) + (frameCost(data.length) * 1000) / this.tokensPerS;
    this.pass(data);
  }

  private drain(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.waiting.length > 0 && this.due - now <= TOLERANCE_MS) {
      const next = this.waiting.shift()!;
      this.waitingCost -= frameCost(next.length);
      this.go(next, now);
    }
    if (this.waiting.length > 0) this.timer = setTimeout(() => this.drain(), Math.max(0, this.due - TOLERANCE_MS - now));
  }
}
