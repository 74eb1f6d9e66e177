import { randomUUID } from 'node:crypto';
import type { Batch, Bus } from '@cmf/shared';
import { Collector } from '../../../test/support/collector.js';
import { eventually } from '../../../test/support/eventually.js';

const records = (prefix: string, n: number, key = (i: number) => `k${i % 5}`) =>
  Array.from({ length: n }, (_, i) => ({ key: key(i), value: Buffer.from(`${prefix}-${i}`) }));


/** The Bus contract: every implementation passes this same suite. */
export function busContract(name: string, makeBus: () => Promise<Bus>): void {
  describe(`${name} satisfies the Bus contract`, () => {
    let bus: Bus;
    let topic: string;

    beforeEach(async () => {
      bus = await makeBus();
      topic = `contract-${randomUUID()}`;
      await bus.ensureTopics([{ name: topic, partitions: 3 }]);
    });

    afterEach(async () => {
      await bus.close();
    });

    test('a subscriber gets every record published after it subscribed, in order per key', async () => {
      const c = new Collector();
      const sub = await bus.subscribe({ topic, onBatch: c.onBatch });
      await bus.publish(topic, records('a', 50));
      await c.count(50);
      for (let k = 0; k < 5; k += 1) {
        const got = c.received.filter((r) => r.key === `k${k}`).map((r) => Number(r.value!.split('-')[1]));
        expect(got).toEqual([...got].sort((x, y) => x - y));
        expect(got).toHaveLength(10);
      }
      await sub.close();
    });

    test('private subscriptions each see every record (fan-out)', async () => {
      const a = new Collector();
      const b = new Collector();
      await bus.subscribe({ topic, onBatch: a.onBatch });
      await bus.subscribe({ topic, onBatch: b.onBatch });
      await bus.publish(topic, records('f', 20));
      await Promise.all([a.count(20), b.count(20)]);
      expect(new Set(a.values())).toEqual(new Set(b.values()));
    });

    test('members of one group split the records: each is handled by exactly one member', async () => {
      const group = `g-${randomUUID()}`;
      const a = new Collector();
      const b = new Collector();
      const all = new Collector();
      const tee = (c: Collector) => async (batch: Batch) => {
        await c.onBatch(batch);
        await all.onBatch(batch);
      };
      await bus.subscribe({ topic, group, fromBeginning: true, onBatch: tee(a) });
      await bus.subscribe({ topic, group, fromBeginning: true, onBatch: tee(b) });
      await bus.publish(topic, records('g', 60, (i) => `key-${i}`));
      await all.count(60);
      const values = all.values();
      expect(values).toHaveLength(60);
      expect(new Set(values).size).toBe(60);
      expect(a.received.length + b.received.length).toBe(60);
    });

    test('fromBeginning sees records published before subscribing; without it they are skipped', async () => {
      await bus.publish(topic, records('old', 10));
      const early = new Collector();
      const late = new Collector();
      await bus.subscribe({ topic, fromBeginning: true, onBatch: early.onBatch });
      await bus.subscribe({ topic, onBatch: late.onBatch });
      await bus.publish(topic, records('new', 5));
      await early.count(15);
      await late.count(5);
      expect(late.values().every((v) => v!.startsWith('new'))).toBe(true);
    });

    test('a failed batch is handed again, and nothing after it is skipped', async () => {
      const c = new Collector();
      let failures = 0;
      await bus.subscribe({
        topic,
        onBatch: async (batch) => {
          if (failures < 2 && batch.records.some((r) => r.value?.toString() === 'r-3')) {
            failures += 1;
            throw new Error('transient');
          }
          await c.onBatch(batch);
        },
      });
      await bus.publish(topic, records('r', 10, () => 'same-key'));
      await c.until((r) => new Set(r.map((x) => x.value)).size === 10);
      expect(failures).toBe(2);
      const firstSeen = [...new Set(c.values())];
      expect(firstSeen).toEqual(Array.from({ length: 10 }, (_, i) => `r-${i}`));
    });

    test('a group resumes after its committed position', async () => {
      const group = `g-${randomUUID()}`;
      const first = new Collector();
      const sub = await bus.subscribe({ topic, group, fromBeginning: true, onBatch: first.onBatch });
      await bus.publish(topic, records('one', 6));
      await first.count(6);
      await sub.close();
      await bus.publish(topic, records('two', 4));
      const second = new Collector();
      await bus.subscribe({ topic, group, fromBeginning: true, onBatch: second.onBatch });
      await second.count(4);
      expect(second.values().every((v) => v!.startsWith('two'))).toBe(true);
    });

    test('endOffsets counts what was published; tombstones arrive as null', async () => {
      const c = new Collector();
      await bus.subscribe({ topic, onBatch: c.onBatch });
      await bus.publish(topic, [...records('e', 7), { key: 'gone', value: null }]);
      const ends = await bus.endOffsets(topic);
      expect([...ends.values()].reduce((sum, o) => sum + Number(o), 0)).toBe(8);
      await c.count(8);
      expect(c.received.find((r) => r.key === 'gone')?.value).toBeNull();
    });

    test('groupLag counts per partition what a group has not consumed yet', async () => {
      const group = `g-${randomUUID()}`;
      await bus.publish(topic, records('lag', 12, (i) => `key-${i}`));
      const before = await bus.groupLag(group, topic);
      expect(before.map((p) => p.partition)).toEqual([0, 1, 2]);
      expect(before.every((p) => p.committed === null && p.lag === Number(p.end))).toBe(true);
      expect(before.reduce((sum, p) => sum + p.lag, 0)).toBe(12);

      const c = new Collector();
      const sub = await bus.subscribe({ topic, group, fromBeginning: true, onBatch: c.onBatch });
      await c.count(12);
      // Offsets are committed after the handler resolves: wait for the commit, not for time.
      await eventually(async () => (await bus.groupLag(group, topic)).every((p) => p.lag === 0), { what: 'lag 0 after the commit' });
      const after = await bus.groupLag(group, topic);
      expect(after.map((p) => p.committed)).toEqual(after.map((p) => p.end));
      await sub.close();

      await bus.publish(topic, records('more', 3, () => 'one-key'));
      const behind = await bus.groupLag(group, topic);
      expect(behind.reduce((sum, p) => sum + p.lag, 0)).toBe(3);
      expect(behind.filter((p) => p.lag > 0)).toHaveLength(1);
    });

    test('a retried batch says which attempt it is; records carry a timestamp', async () => {
      const attempts: number[] = [];
      const c = new Collector();
      const before = Date.now();
      await bus.subscribe({
        topic,
        onBatch: async (batch) => {
          attempts.push(batch.attempt);
          if (attempts.length < 3) throw new Error('not yet');
          for (const r of batch.records) expect(r.timestamp).toBeGreaterThanOrEqual(before - 1000);
          await c.onBatch(batch);
        },
      });
      await bus.publish(topic, records('t', 1));
      await c.count(1);
      expect(attempts).toEqual([1, 2, 3]);
    });

    test('on a topic that stamps append time, the acknowledgement and the consumer see the same broker time', async () => {
      const stamped = `stamped-${randomUUID()}`;
      await bus.ensureTopics([{ name: stamped, partitions: 1, appendTime: true }]);
      const c = new Collector();
      const seen: number[] = [];
      await bus.subscribe({
        topic: stamped,
        onBatch: async (batch) => {
          seen.push(...batch.records.map((r) => r.timestamp));
          await c.onBatch(batch);
        },
      });
      const ack = await bus.publish(stamped, records('s', 1));
      await c.count(1);
      expect(ack.appendedAt).toEqual(expect.any(Number));
      expect(seen).toEqual([ack.appendedAt]);
      expect((await bus.publish(topic, records('plain', 1))).appendedAt).toBeNull();
    });

    test('a private subscription with startAt starts exactly there, per partition', async () => {
      await bus.publish(topic, records('before', 30, (i) => `key-${i}`));
      const ends = await bus.endOffsets(topic);
      // Start one record back on partition 0, at the end elsewhere.
      const startAt = new Map([...ends].map(([p, o]) => [p, p === 0 && o !== '0' ? String(Number(o) - 1) : o]));
      const c = new Collector();
      await bus.subscribe({ topic, startAt, onBatch: c.onBatch });
      await bus.publish(topic, records('after', 6, (i) => `key-${i}`));
      const expected = 6 + (ends.get(0) === '0' ? 0 : 1);
      await c.count(expected);
      const early = c.received.filter((r) => r.value!.startsWith('before'));
      expect(early.map((r) => [r.partition, r.offset])).toEqual(ends.get(0) === '0' ? [] : [[0, String(Number(ends.get(0)) - 1)]]);
      expect(c.received).toHaveLength(expected);
    });

    test('startOffsets and endOffsets bound what is kept', async () => {
      await bus.publish(topic, records('s', 9, (i) => `key-${i}`));
      const [starts, ends] = [await bus.startOffsets(topic), await bus.endOffsets(topic)];
      expect([...starts.keys()].sort()).toEqual([0, 1, 2]);
      for (const [p, start] of starts) expect(Number(start)).toBeLessThanOrEqual(Number(ends.get(p)));
      const kept = [...ends].reduce((sum, [p, end]) => sum + Number(end) - Number(starts.get(p)), 0);
      expect(kept).toBe(9);
    });

    test('a range reader hands exactly [from, to) of a partition, in order, and reads repeat', async () => {
      await bus.publish(topic, records('r', 1200, () => 'one-key'));
      const partition = [...(await bus.endOffsets(topic))].find(([, end]) => end !== '0')![0];
      const reader = await bus.openReader(topic);
      try {
        const read = async (from: number, to: number): Promise<string[]> => {
          const got: string[] = [];
          await reader.read(partition, String(from), String(to), (batch) => {
            for (const r of batch) got.push(`${r.offset}:${r.value!.toString()}`);
          });
          return got;
        };
        const expected = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${from + i}:r-${from + i}`);
        expect(await read(100, 1150)).toEqual(expected(100, 1150));
        expect(await read(3, 7)).toEqual(expected(3, 7));
        expect(await read(5, 5)).toEqual([]);
        // Two reads of one partition at once each get their own range.
        const [a, b] = await Promise.all([read(10, 20), read(1190, 1200)]);
        expect(a).toEqual(expected(10, 20));
        expect(b).toEqual(expected(1190, 1200));
      } finally {
        await reader.close();
      }
    });

    test('a range read stops when its signal aborts', async () => {
      await bus.publish(topic, records('a', 1200, () => 'one-key'));
      const partition = [...(await bus.endOffsets(topic))].find(([, end]) => end !== '0')![0];
      const reader = await bus.openReader(topic);
      try {
        const abort = new AbortController();
        let calls = 0;
        const read = reader.read(partition, '0', '1200', () => {
          calls += 1;
          abort.abort(new Error('enough'));
        }, abort.signal);
        await expect(read).rejects.toThrow('enough');
        expect(calls).toBe(1);
        // The reader still serves the next read.
        let count = 0;
        await reader.read(partition, '0', '3', (batch) => {
          count += batch.length;
        });
        expect(count).toBe(3);
      } finally {
        await reader.close();
      }
    });

    test('it reports itself connected, and refuses to publish once closed', async () => {
      await expect(bus.isConnected()).resolves.toBe(true);
      await bus.close();
      await expect(bus.publish(topic, records('x', 1))).rejects.toThrow(/closed/);
    });
  });
}
