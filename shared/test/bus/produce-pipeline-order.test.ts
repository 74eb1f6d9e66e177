import { jest } from '@jest/globals';
import { CmfError, type OutgoingRecord } from '@cmf/shared';
import { ProducePipeline, type SendRequest, type SendResult } from '../../src/bus/produce-pipeline.js';

const rec = (key: string, value: string): OutgoingRecord => ({ key, value: Buffer.from(value) });

/** A broker stand-in whose requests the test answers one by one. */
class FakeBroker {
  readonly requests: { request: SendRequest; resolve(r: SendResult): void; reject(e: unknown): void }[] = [];
  private waiting: (() => void)[] = [];

  readonly send = (request: SendRequest): Promise<SendResult> =>
    new Promise((resolve, reject) => {
      this.requests.push({ request, resolve, reject });
      this.waiting.splice(0).forEach((w) => w());
    });

  /** Resolves once `n` requests have been sent. */
  async sent(n: number): Promise<void> {
    while (this.requests.length < n) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** The values each request carried, in order. */
  values(): string[][] {
    return this.requests.map((r) => r.request.flatMap((t) => t.messages.map((m) => m.value!.toString())));
  }

  ack(i: number, appendedAt: number | null = 1000): void {
    const { request, resolve } = this.requests[i]!;
    resolve(request.map((t) => t.messages.map(() => appendedAt)));
  }
}

const pipeline = (broker: FakeBroker, options: { maxRequestBytes?: number; maxQueuedBytes?: number } = {}) =>
  new ProducePipeline({
    send: broker.send,
    maxRequestBytes: options.maxRequestBytes ?? 1_000_000,
    maxQueuedBytes: options.maxQueuedBytes ?? 10_000_000,
    classify: (err) => new CmfError('bus-unavailable', String(err)),
  });

describe('ProducePipeline: order, timeouts and limits', () => {
  test('one request in flight; what is published meanwhile goes next, in order; acks carry the append time', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker);
    const first = p.publish('t', [rec('a', '1')]);
    await broker.sent(1);
    const second = p.publish('t', [rec('a', '2')]);
    const third = p.publish('u', [rec('b', '3')]);
    // Nothing overtakes the request in flight.
    await new Promise((r) => setImmediate(r));
    expect(broker.requests).toHaveLength(1);
    broker.ack(0, 111);
    await expect(first).resolves.toEqual({ appendedAt: 111 });
    await broker.sent(2);
    expect(broker.values()).toEqual([['1'], ['2', '3']]);
    broker.ack(1, 222);
    await expect(second).resolves.toEqual({ appendedAt: 222 });
    await expect(third).resolves.toEqual({ appendedAt: 222 });
  });

  test('a failed request rejects its publishes and is never sent again; later ones go out after it, in order', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker);
    const failed = p.publish('t', [rec('a', '1')]);
    await broker.sent(1);
    const later = p.publish('t', [rec('a', '2')]);
    broker.requests[0]!.reject(new Error('broker down'));
    await expect(failed).rejects.toMatchObject({ code: 'bus-unavailable', retriable: true });
    await broker.sent(2);
    broker.ack(1);
    await later;
    expect(broker.values()).toEqual([['1'], ['2']]);
  });

  test('a publish whose timeout passes while queued is withdrawn and never sent; one in flight is answered, and may still land', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const broker = new FakeBroker();
      const p = pipeline(broker);
      const inFlight = p.publish('t', [rec('a', 'in-flight')], 100);
      await broker.sent(1);
      const queued = p.publish('t', [rec('a', 'queued')], 100);
      const patient = p.publish('t', [rec('a', 'patient')]);
      jest.advanceTimersByTime(101);
      await expect(inFlight).rejects.toMatchObject({ code: 'bus-unavailable' });
      await expect(queued).rejects.toMatchObject({ code: 'bus-unavailable' });
      broker.ack(0);
      await broker.sent(2);
      broker.ack(1);
      await patient;
      expect(broker.values()).toEqual([['in-flight'], ['patient']]);
    } finally {
      jest.useRealTimers();
    }
  });

  test('requests stay within maxRequestBytes; a record larger than that is refused as record-too-large', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker, { maxRequestBytes: 300 });
    await expect(p.publish('t', [rec('k', 'x'.repeat(400))])).rejects.toMatchObject({ code: 'record-too-large', retriable: false });
    const publishes = Array.from({ length: 6 }, (_, i) => p.publish('t', [rec('k', `${i}`.repeat(100))]));
    for (let i = 0; i < 6; i += 1) {
      await broker.sent(i + 1);
      broker.ack(i);
      if ((await Promise.race([Promise.all(publishes).then(() => true), new Promise((r) => setImmediate(() => r(false)))])) === true) break;
    }
    await Promise.all(publishes);
    // About 170 bytes each with Kafka's per-record overhead: one per request under a 300-byte cap.
    expect(broker.values().every((v) => v.length === 1)).toBe(true);
    expect(broker.values().flat()).toEqual(Array.from({ length: 6 }, (_, i) => `${i}`.repeat(100)));
  });

  test('beyond maxQueuedBytes a publish is refused at once instead of queueing without bound', async () => {
    const broker = new FakeBroker();
    const p = pipeline(broker, { maxQueuedBytes: 600 });
    const accepted = [p.publish('t', [rec('k', 'x'.repeat(200))]), p.publish('t', [rec('k', 'y'.repeat(200))])];
    await expect(p.publish('t', [rec('k', 'z'.repeat(200))])).rejects.toMatchObject({ code: 'bus-unavailable' });
    await broker.sent(1);
    broker.ack(0);
    await Promise.all(accepted);
  });
});
