/** Promises that resolve when a condition over arriving data holds: tests wait on events, not time. */
export class Waiters {
  private waiting: { check: () => boolean; resolve: () => void }[] = [];

  /** Resolves once `check()` is true, re-checked at each notify(); rejects with `describe()` on timeout. */
  until(check: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms: ${describe()}`));
      }, timeoutMs);
      const waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiting.push(waiter);
    });
  }

  /** Call when new data arrived. */
  notify(): void {
    this.waiting = this.waiting.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
}
