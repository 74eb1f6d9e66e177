import { CmfError } from '@cmf/shared';
import { ProducePipeline, type SendRequest, type SendResult } from '../../src/bus/produce-pipeline.js';

/** A broker stand-in: records each request; answers when told to, with append time `now`. */
class FakeBroker {
  readonly requests: SendRequest[] = [];
  private pending: { resolve(r: SendResult): void; reject(e: unknown): void; request: SendRequest }[] = [];
  private waiting: (() => void)[] = [];

  readonly send = (request: SendRequest): Promise<SendResult> => {
    this.requests.push(request);
    this.waiting.splice(0).forEach((w) => w());
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject, request }));
  };

  /** Waits until `n` requests have been sent in all. */
  async sent(n: number): Promise<void> {
    while (this.requests.length < n) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  ack(now: number): void {
    const { resolve, request } = this.pending.shift()!;
    resolve(request.map((t) => t.messages.map(() => now)));
  }

  fail(err: unknown): void {
    this.pending.shift()!.reject(err);
  }
}

const record = (key: string, bytes: number) => ({ key, value: Buffer.alloc(bytes, 'x') });
/** Record size as the pipeline counts it: 70 bytes of overhead, the key and the value. */
const sized = (key: string, total: number) => record(key, total - 70 - key.length);
const keys = (request: SendRequest): string[] => request.flatMap((t) => t.messages.map((m) => m.key));

function pipeline(broker: FakeBroker, maxRequestBytes = 1000): ProducePipeline {
  return new ProducePipeline({
    send: broker.send,
    maxRequestBytes,
    maxQueuedBytes: 1_000_000,
    classify: (err) => (err instanceof CmfError ? err : new CmfError('bus-unavailable', String(err))),
  });
}

describe('ProducePipeline', () => {
  test('a publish larger than a request goes in consecutive requests that each fit, in order, answered once all are acknowledged', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker, 1000);
    let done = false;
    const published = p.publish('t', ['a', 'b', 'c', 'd', 'e'].map((k) => sized(k, 400))).then((ack) => {
      done = true;
      return ack;
    });
    await broker.sent(1);
    expect(keys(broker.requests[0]!)).toEqual(['a', 'b']);
    broker.ack(10);
    await broker.sent(2);
    expect(keys(broker.requests[1]!)).toEqual(['c', 'd']);
    expect(done).toBe(false);
    broker.ack(20);
    await broker.sent(3);
    expect(keys(broker.requests[2]!)).toEqual(['e']);
    broker.ack(30);
    expect(await published).toEqual({ appendedAt: 30 });
    expect(broker.requests).toHaveLength(3);
  });

  test('one request in flight at a time: later publishes wait, then share a request while they fit', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker, 1000);
    const first = p.publish('t', [sized('a', 300)]);
    await broker.sent(1);
    const later = [p.publish('t', [sized('b', 400)]), p.publish('u', [sized('c', 400)]), p.publish('t', [sized('d', 400)])];
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(broker.requests).toHaveLength(1);
    broker.ack(1);
    await first;
    await broker.sent(2);
    expect(broker.requests[1]!.map((t) => [t.topic, t.messages.map((m) => m.key)])).toEqual([
      ['t', ['b']],
      ['u', ['c']],
    ]);
    broker.ack(2);
    await broker.sent(3);
    expect(keys(broker.requests[2]!)).toEqual(['d']);
    broker.ack(3);
    expect(await Promise.all(later)).toEqual([{ appendedAt: 2 }, { appendedAt: 2 }, { appendedAt: 3 }]);
  });

  test('when a part fails, the rest of that publish is never sent and the publish rejects; the next publish goes on', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker, 1000);
    const big = p.publish('t', ['a', 'b', 'c'].map((k) => sized(k, 600)));
    const next = p.publish('t', [sized('z', 100)]);
    await broker.sent(1);
    broker.ack(1);
    await broker.sent(2);
    expect(keys(broker.requests[1]!)).toEqual(['b']);
    broker.fail(new CmfError('bus-unavailable', 'down'));
    await expect(big).rejects.toMatchObject({ code: 'bus-unavailable' });
    await broker.sent(3);
    expect(keys(broker.requests[2]!)).toEqual(['z']);
    broker.ack(3);
    await next;
    expect(broker.requests.flatMap(keys)).toEqual(['a', 'b', 'z']);
  });

  test('a publish whose timeout expires while queued is withdrawn, all its parts; a single record larger than a request is refused', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker, 1000);
    const blocking = p.publish('t', [sized('a', 100)]);
    await broker.sent(1);
    const timed = p.publish('t', ['b', 'c'].map((k) => sized(k, 600)), 20);
    await expect(timed).rejects.toMatchObject({ code: 'bus-unavailable' });
    const after = p.publish('t', [sized('d', 100)]);
    broker.ack(1);
    await blocking;
    await broker.sent(2);
    broker.ack(2);
    await after;
    expect(broker.requests.flatMap(keys)).toEqual(['a', 'd']);
    await expect(p.publish('t', [sized('e', 1001)])).rejects.toMatchObject({ code: 'record-too-large' });
  });
});
