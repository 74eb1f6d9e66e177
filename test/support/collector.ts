import type { Batch } from '@cmf/shared';

export interface Received {
  key: string | null;
  value: string | null;
  partition: number;
  offset: string;
}

/** Gathers what a subscription receives; `until` waits on arrivals, not on time. */
export class Collector {
  readonly received: Received[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  readonly onBatch = async (batch: Batch): Promise<void> => {
    for (const r of batch.records) {
      this.received.push({ key: r.key, value: r.value?.toString('utf8') ?? null, partition: batch.partition, offset: r.offset });
    }
    this.notify();
  };

  values(): (string | null)[] {
    return this.received.map((r) => r.value);
  }

  until(check: (received: Received[]) => boolean, timeoutMs = 20_000): Promise<void> {
    if (check(this.received)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms with ${this.received.length} records received`));
      }, timeoutMs);
      const waiter = {
        check: () => check(this.received),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  count(n: number, timeoutMs?: number): Promise<void> {
    return this.until((r) => r.length >= n, timeoutMs);
  }

  notify(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
}
