import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CmfError } from '../errors.js';
import type { ConsumedRecord, RangeReader } from './bus.js';
import type { PartitionLog } from './memory-log.js';

const CHUNK = 500;

/** Range reads over the memory bus's partition logs: what is still kept, in chunks, yielding between them. */
export class MemoryRangeReader implements RangeReader {
  private closed = false;

  constructor(private readonly logOf: (partition: number) => PartitionLog) {}

  async read(
    partition: number,
    from: string,
    to: string,
    onRecords: (records: ConsumedRecord[]) => void | Promise<void>,
    signal?: AbortSignal,
  ): Promise<void> {
    const end = Number(to);
    let position = Number(from);
    while (position < end) {
      if (this.closed) throw new CmfError('bus-closed', 'the reader is closed');
      signal?.throwIfAborted();
      const stored = this.logOf(partition)
        .read(position, CHUNK)
        .filter((r) => r.offset < end);
      if (stored.length === 0) return;
      await onRecords(stored.map((r) => ({ key: r.key, value: r.value, offset: String(r.offset), timestamp: r.timestamp })));
      position = stored.at(-1)!.offset + 1;
      await yieldToEventLoop();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
