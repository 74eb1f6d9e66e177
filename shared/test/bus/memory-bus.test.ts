import { MemoryBus } from '@cmf/shared';
import { Collector } from '../../../test/support/collector.js';
import { busContract } from './bus-contract.js';

busContract('MemoryBus', async () => new MemoryBus());

const kib = (fill: string) => Buffer.alloc(1024, fill);

describe('MemoryBus keeps what is still needed, and no more', () => {
  test('records every subscriber has read are dropped: after 10 MiB through it, under 100 KiB stay', async () => {
    const bus = new MemoryBus();
    await bus.ensureTopics([{ name: 't', partitions: 4 }]);
    const a = new Collector();
    const b = new Collector();
    await bus.subscribe({ topic: 't', group: 'workers', onBatch: a.onBatch });
    await bus.subscribe({ topic: 't', onBatch: b.onBatch });
    for (let i = 0; i < 10; i += 1) await bus.publish('t', Array.from({ length: 1024 }, (_, j) => ({ key: `k${j}`, value: kib('x') })));
    await Promise.all([a.count(10 * 1024), b.count(10 * 1024)]);
    expect(bus.keptBytes).toBeLessThan(100 * 1024);
    await bus.close();
  });

  test('unread records past maxBytes are refused with bus-unavailable; once read, there is room again', async () => {
    const bus = new MemoryBus({ maxBytes: 256 * 1024 });
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const c = new Collector();
    await bus.subscribe({
      topic: 't',
      onBatch: async (batch) => {
        await gate;
        await c.onBatch(batch);
      },
    });
    let accepted = 0;
    let refusal: unknown;
    while (!refusal) {
      await bus.publish('t', [{ key: 'k', value: kib('y') }]).then(
        () => (accepted += 1),
        (err: unknown) => (refusal = err),
      );
    }
    expect(refusal).toMatchObject({ code: 'bus-unavailable', retriable: true });
    expect(accepted).toBeGreaterThan(150);
    expect(accepted).toBeLessThan(256);
    release();
    await c.count(accepted);
    await expect(bus.publish('t', [{ key: 'k', value: kib('z') }])).resolves.toEqual({ appendedAt: null });
    await bus.close();
  });

  test('a compacted topic keeps the latest record of each key for late readers, without tombstones or superseded values', async () => {
    const bus = new MemoryBus();
    await bus.ensureTopics([{ name: 'p', partitions: 1, compacted: true }]);
    const reader = new Collector();
    await bus.subscribe({ topic: 'p', onBatch: reader.onBatch });
    for (let round = 0; round < 3; round += 1) {
      await bus.publish('p', Array.from({ length: 1500 }, (_, i) => ({ key: `client:${i}`, value: Buffer.from(`v${round}`) })));
    }
    await bus.publish('p', Array.from({ length: 1000 }, (_, i) => ({ key: `client:${i}`, value: null })));
    await reader.count(5500);
    const late = new Collector();
    await bus.subscribe({ topic: 'p', fromBeginning: true, onBatch: late.onBatch });
    await late.until((r) => r.some((x) => x.key === 'client:1499'));
    const live = new Map(late.received.map((r) => [r.key, r.value]));
    // The 500 keys never deleted hold their last value; the deleted ones may linger only as tombstones.
    for (let i = 1000; i < 1500; i += 1) expect(live.get(`client:${i}`)).toBe('v2');
    expect(late.received.filter((r) => r.value === 'v0' || r.value === 'v1')).toHaveLength(0);
    await bus.close();
  });

  test('retentionMs keeps consumed records for a reader that starts from the beginning later', async () => {
    const bus = new MemoryBus();
    await bus.ensureTopics([{ name: 'kept', partitions: 1, retentionMs: 60_000 }]);
    const first = new Collector();
    await bus.subscribe({ topic: 'kept', onBatch: first.onBatch });
    await bus.publish('kept', [{ key: 'k', value: Buffer.from('old') }]);
    await first.count(1);
    const late = new Collector();
    await bus.subscribe({ topic: 'kept', fromBeginning: true, onBatch: late.onBatch });
    await late.count(1);
    expect(late.values()).toEqual(['old']);
    await bus.close();
  });

  test('delivering a backlog of 100,000 records leaves timers running: no gap over 100 ms', async () => {
    const bus = new MemoryBus();
    await bus.ensureTopics([{ name: 'b', partitions: 12 }]);
    const c = new Collector();
    await bus.publish('b', Array.from({ length: 100_000 }, (_, i) => ({ key: `k${i}`, value: Buffer.from('x') })));
    let last = Date.now();
    let worst = 0;
    const timer = setInterval(() => {
      worst = Math.max(worst, Date.now() - last);
      last = Date.now();
    }, 5);
    await bus.subscribe({ topic: 'b', fromBeginning: true, onBatch: c.onBatch });
    await c.count(100_000);
    clearInterval(timer);
    expect(worst).toBeLessThan(100);
  });
});

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
