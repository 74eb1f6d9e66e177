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

/** One publish() call: answered once all its parts are acknowledged, or at its first failure. */
interface Publish {
  parts: Part[];
  /** Parts not acknowledged yet. */
  waiting: number;
  /** The latest append time of its acknowledged parts' records. */
  appendedAt: number | null;
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
  resolve(ack: PublishAck): void;
  reject(err: unknown): void;
}

/** As many of a publish's records, in order, as one request may carry. */
interface Part {
  publish: Publish;
  topic: string;
  records: OutgoingRecord[];
  bytes: number;
  /** Set while a request carrying it is in flight: it can no longer be withdrawn. */
  sent: boolean;
}

/** Bytes a record costs in a request: its key, its value and Kafka's per-record overhead. */
const sizeOf = (r: OutgoingRecord): number => 70 + Buffer.byteLength(r.key) + (r.value?.length ?? 0);

/** The records in order, cut into runs of at most `max` bytes. */
function cut(records: OutgoingRecord[], sizes: number[], max: number): { records: OutgoingRecord[]; bytes: number }[] {
  const runs: { records: OutgoingRecord[]; bytes: number }[] = [];
  records.forEach((r, i) => {
    const last = runs.at(-1);
    if (last && last.bytes + sizes[i]! <= max) {
      last.records.push(r);
      last.bytes += sizes[i]!;
    } else {
      runs.push({ records: [r], bytes: sizes[i]! });
    }
  });
  return runs;
}

/**
 * One ordered produce pipeline per publisher. Publishes queue in call order; one request is in
 * flight at a time, carrying as many queued publishes as fit in `maxRequestBytes`, and a publish
 * larger than that goes in consecutive requests that each fit (a backlog's outputs never make a
 * request the broker refuses). So records reach the broker in the order published, through
 * outages and retries: a request is never overtaken by a later one, and one that fails is
 * rejected, never re-sent behind a later one; the rest of a publish whose part failed is not sent
 * either, so a caller that publishes it again never finds its tail ahead of its head.
 * A publish with a timeout that expires while still queued is withdrawn and never sent.
 */
export class ProducePipeline {
  private queue: Part[] = [];
  private queuedBytes = 0;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: ProducePipelineOptions) {}

  publish(topic: string, records: OutgoingRecord[], timeoutMs?: number): Promise<PublishAck> {
    if (records.length === 0) return Promise.resolve({ appendedAt: null });
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
      const publish: Publish = { parts: [], waiting: 0, appendedAt: null, settled: false, timer: undefined, resolve, reject };
      for (const run of cut(records, sizes, this.options.maxRequestBytes)) {
        publish.parts.push({ publish, topic, records: run.records, bytes: run.bytes, sent: false });
      }
      publish.waiting = publish.parts.length;
      if (timeoutMs !== undefined) publish.timer = setTimeout(() => this.fail(publish, new CmfError('bus-unavailable', `not acknowledged by Kafka within ${timeoutMs} ms`)), timeoutMs);
      this.queue.push(...publish.parts);
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

  /** Rejects the publish and withdraws its parts not sent yet. */
  private fail(publish: Publish, err: CmfError): void {
    for (const part of publish.parts) if (!part.sent) this.withdraw(part);
    this.settle(publish, err);
  }

  private withdraw(part: Part): void {
    const i = this.queue.indexOf(part);
    if (i < 0) return;
    this.queue.splice(i, 1);
    this.queuedBytes -= part.bytes;
  }

  private settle(publish: Publish, outcome: PublishAck | CmfError): void {
    if (publish.settled) return;
    publish.settled = true;
    clearTimeout(publish.timer);
    if (outcome instanceof CmfError) publish.reject(outcome);
    else publish.resolve(outcome);
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
    const batch: Part[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && (batch.length === 0 || bytes + this.queue[0]!.bytes <= this.options.maxRequestBytes)) {
      const part = this.queue.shift()!;
      this.queuedBytes -= part.bytes;
      if (part.publish.settled) continue;
      part.sent = true;
      bytes += part.bytes;
      batch.push(part);
    }
    if (batch.length === 0) return;
    // Per topic, the records in publish order, and where each part's records start.
    const request: SendRequest = [];
    const placed: { topic: number; from: number }[] = [];
    for (const part of batch) {
      let i = request.findIndex((t) => t.topic === part.topic);
      if (i < 0) i = request.push({ topic: part.topic, messages: [] }) - 1;
      placed.push({ topic: i, from: request[i]!.messages.length });
      for (const r of part.records) request[i]!.messages.push(r);
    }
    try {
      const result = await this.options.send(request);
      batch.forEach((part, j) => {
        const { topic, from } = placed[j]!;
        const { publish } = part;
        for (const t of result[topic]!.slice(from, from + part.records.length)) {
          if (t !== null) publish.appendedAt = Math.max(publish.appendedAt ?? t, t);
        }
        publish.waiting -= 1;
        if (publish.waiting === 0) this.settle(publish, { appendedAt: publish.appendedAt });
      });
    } catch (err) {
      const failure = this.options.classify(err);
      for (const part of batch) this.fail(part.publish, failure);
    }
  }
}
