import type { Batch } from '@cmf/shared';
import { Waiters } from './waiters.js';

export interface Received {
  key: string | null;
  value: string | null;
  partition: number;
  offset: string;
}

/** Gathers what a subscription receives; `until` waits on arrivals, not on time. */
export class Collector {
  readonly received: Received[] = [];
  private readonly waiters = new Waiters();

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
    return this.waiters.until(() => check(this.received), timeoutMs, () => `${this.received.length} records received`);
  }

  count(n: number, timeoutMs?: number): Promise<void> {
    return this.until((r) => r.length >= n, timeoutMs);
  }

  notify(): void {
    this.waiters.notify();
  }
}
