interface Window {
  start: number;
  failures: number;
}

/**
 * Counts wrong tokens per address in fixed windows that start at an address's first failure. An
 * address that reached `limit` is refused until its window ends, even with the right token, so
 * guessing on learns nothing. At most `maxTracked` addresses are kept (oldest window dropped
 * first): the map cannot grow without bound, at the price that an attacker spread over more
 * addresses than that can get one of them forgotten early.
 */
export class FailureLimiter {
  /** In window-start order, so the expired ones are always at the front. */
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxTracked = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfterMs(key: string): number {
    const window = this.current(key);
    return window && window.failures >= this.limit ? window.start + this.windowMs - this.now() : 0;
  }

  fail(key: string): void {
    this.dropExpired();
    let window = this.current(key);
    if (!window) {
      if (this.windows.size >= this.maxTracked) this.windows.delete(this.windows.keys().next().value!);
      window = { start: this.now(), failures: 0 };
      this.windows.set(key, window);
    }
    window.failures += 1;
  }

  get tracked(): number {
    return this.windows.size;
  }

  private current(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && this.now() - window.start >= this.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [key, window] of this.windows) {
      if (now - window.start < this.windowMs) return;
      this.windows.delete(key);
    }
  }
}
