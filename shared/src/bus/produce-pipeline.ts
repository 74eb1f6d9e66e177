import { CmfError } from '../errors.js';
import type { OutgoingRecord, PublishAck } from './bus.js';

/** One produce request: records per topic, in publish order. */
export type SendRequest = { topic: string; messages: OutgoingRecord[] }[];

/**
 * What the broker answered: for each topic of the request, in the same order, each record's
 * append time (null where the topic does not stamp it).
 */
export type SendResult = (number | null)[][];

export interface ProducePipelineOptions {
  /** Sends one request and resolves once the broker acknowledged it (or rejects). */
  send(request: SendRequest): Promise<SendResult>;
  /** The most one request may carry (the broker's max.message.bytes per partition bounds it). */
  maxRequestBytes: number;
  /** The most waiting publishes may hold; beyond it publish rejects at once. */
  maxQueuedBytes: number;
  /** Turns a failed send's error into the CmfError every caller of that request gets. */
  classify(err: unknown): CmfError;
}

interface Pending {
  topic: string;
  records: OutgoingRecord[];
  bytes: number;
  /** Set while a request carrying it is in flight: it can no longer be withdrawn. */
  sent: boolean;
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
  resolve(ack: PublishAck): void;
  reject(err: unknown): void;
}

/** Bytes a record costs in a request: its key, its value and Kafka's per-record overhead. */
const sizeOf = (r: OutgoingRecord): number => 70 + Buffer.byteLength(r.key) + (r.value?.length ?? 0);

/**
 * One ordered produce pipeline per publisher. Publishes queue in call order; one request is in
 * flight at a time, carrying as many queued publishes as fit in `maxRequestBytes`. So records
 * reach the broker in the order published, through outages and retries: a request is never
 * overtaken by a later one, and one that fails is rejected, never re-sent behind a later one.
 * A publish with a timeout that expires while still queued is withdrawn and never sent.
 */
export class ProducePipeline {
  private queue: Pending[] = [];
  private queuedBytes = 0;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: ProducePipelineOptions) {}

  publish(topic: string, records: OutgoingRecord[], timeoutMs?: number): Promise<PublishAck> {
    const sizes = records.map(sizeOf);
    const bytes = sizes.reduce((a, b) => a + b, 0);
    const largest = Math.max(0, ...sizes);
    if (largest > this.options.maxRequestBytes) {
      return Promise.reject(
        new CmfError('record-too-large', `a record of ${largest} bytes is larger than the ${this.options.maxRequestBytes} bytes a request may carry`),
      );
    }
    if (this.queuedBytes + bytes > this.options.maxQueuedBytes) {
      return Promise.reject(new CmfError('bus-unavailable', `the produce queue is full (${this.options.maxQueuedBytes} bytes waiting for Kafka)`));
    }
    return new Promise<PublishAck>((resolve, reject) => {
      const pending: Pending = { topic, records, bytes, sent: false, settled: false, timer: undefined, resolve, reject };
      if (timeoutMs !== undefined) pending.timer = setTimeout(() => this.expire(pending, timeoutMs), timeoutMs);
      this.queue.push(pending);
      this.queuedBytes += bytes;
      this.pump();
    });
  }

  /** Resolves once everything queued so far has been sent or has failed. */
  async drain(): Promise<void> {
    while (this.inFlight || this.queue.length > 0) {
      this.pump();
      await this.inFlight;
    }
  }

  /** Rejects everything still queued (the bus is closing). */
  abandon(err: CmfError): void {
    for (const p of this.queue) this.settle(p, err);
    this.queue = [];
    this.queuedBytes = 0;
  }

  private expire(p: Pending, timeoutMs: number): void {
    if (!p.sent) this.withdraw(p);
    this.settle(p, new CmfError('bus-unavailable', `not acknowledged by Kafka within ${timeoutMs} ms`));
  }

  private withdraw(p: Pending): void {
    const i = this.queue.indexOf(p);
    if (i < 0) return;
    this.queue.splice(i, 1);
    this.queuedBytes -= p.bytes;
  }

  private settle(p: Pending, outcome: PublishAck | CmfError): void {
    if (p.settled) return;
    p.settled = true;
    clearTimeout(p.timer);
    if (outcome instanceof CmfError) p.reject(outcome);
    else p.resolve(outcome);
  }

  /** Starts the next request when none is in flight. */
  private pump(): void {
    if (this.inFlight || this.queue.length === 0) return;
    // Coalesce what this turn of the event loop publishes into one request.
    this.inFlight = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.sendNext());
    void this.inFlight.finally(() => {
      this.inFlight = undefined;
      this.pump();
    });
  }

  private async sendNext(): Promise<void> {
    const batch: Pending[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && (batch.length === 0 || bytes + this.queue[0]!.bytes <= this.options.maxRequestBytes)) {
      const p = this.queue.shift()!;
      this.queuedBytes -= p.bytes;
      if (p.settled) continue;
      p.sent = true;
      bytes += p.bytes;
      batch.push(p);
    }
    if (batch.length === 0) return;
    // Per topic, the records in publish order, and where each publish's records start.
    const request: SendRequest = [];
    const placed: { topic: number; from: number }[] = [];
    for (const p of batch) {
      let i = request.findIndex((t) => t.topic === p.topic);
      if (i < 0) i = request.push({ topic: p.topic, messages: [] }) - 1;
      placed.push({ topic: i, from: request[i]!.messages.length });
      for (const r of p.records) request[i]!.messages.push(r);
    }
    try {
      const result = await this.options.send(request);
      batch.forEach((p, j) => {
        const { topic, from } = placed[j]!;
        const times = result[topic]!.slice(from, from + p.records.length).filter((t): t is number => t !== null);
        this.settle(p, { appendedAt: times.length > 0 ? Math.max(...times) : null });
      });
    } catch (err) {
      const failure = this.options.classify(err);
      for (const p of batch) this.settle(p, failure);
    }
  }
}
