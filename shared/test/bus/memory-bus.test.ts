import { MemoryBus } from '@cmf/shared';
import { Collector } from '../../../test/support/collector.js';
import { busContract } from './bus-contract.js';

busContract('MemoryBus', async () => new MemoryBus());

describe('MemoryBus retention for range readers', () => {
  const record = (i: number) => ({ key: 'k', value: Buffer.alloc(1000, i % 256) });

  test('a topic with retentionMs keeps what every subscriber read, within maxRetainedBytes, oldest dropped first', async () => {
    // Each record costs about 1,066 bytes: room for 10 of them once read.
    const bus = new MemoryBus({ maxRetainedBytes: 10_700 });
    await bus.ensureTopics([{ name: 'kept', partitions: 1, retentionMs: 60_000 }, { name: 'plain', partitions: 1 }]);
    const kept = new Collector();
    const plain = new Collector();
    await bus.subscribe({ topic: 'kept', onBatch: kept.onBatch });
    await bus.subscribe({ topic: 'plain', onBatch: plain.onBatch });
    for (let i = 0; i < 50; i += 1) {
      await bus.publish('kept', [record(i)]);
      await bus.publish('plain', [record(i)]);
    }
    await Promise.all([kept.count(50), plain.count(50)]);
    // Trimming follows delivery: one more record each settles it.
    await bus.publish('kept', [record(50)]);
    await bus.publish('plain', [record(50)]);
    await Promise.all([kept.count(51), plain.count(51)]);
    const kept0 = Number((await bus.startOffsets('kept')).get(0));
    expect(51 - kept0).toBeGreaterThanOrEqual(10);
    expect(51 - kept0).toBeLessThanOrEqual(11);
    expect(Number((await bus.startOffsets('plain')).get(0))).toBeGreaterThanOrEqual(50);
    await bus.close();
  });

  test('records past retentionMs are dropped once read', async () => {
    const bus = new MemoryBus();
    await bus.ensureTopics([{ name: 'short', partitions: 1, retentionMs: 50 }]);
    const c = new Collector();
    await bus.subscribe({ topic: 'short', onBatch: c.onBatch });
    await bus.publish('short', [record(1), record(2)]);
    await c.count(2);
    await new Promise((r) => setTimeout(r, 80));
    await bus.publish('short', [record(3)]);
    await c.count(3);
    expect((await bus.startOffsets('short')).get(0)).toBe('2');
    await bus.close();
  });
});
