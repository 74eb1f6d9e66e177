import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import kafkajs, { Kafka, logLevel as KafkaLogLevel, Partitioners, type Admin, type LogEntry, type Producer, type SASLOptions } from 'kafkajs';
import { CmfError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Bus, OutgoingRecord, PartitionLag, PublishAck, PublishOptions, RangeReader, SubscribeOptions, Subscription, TopicSpec } from './bus.js';
import { KafkaRangeReader } from './kafka-range-reader.js';
import { KafkaSubscription } from './kafka-subscription.js';
import { partitionOf } from './partition-of.js';
import { ProducePipeline, type SendRequest, type SendResult } from './produce-pipeline.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  replicationFactor: number;
  logger: Logger;
  /** TLS to the brokers. */
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** A consumer silent this long is dropped from its group and its partitions move on (failover time). */
  sessionTimeoutMs?: number;
  /** How often consumers tell their group they are alive. */
  heartbeatMs?: number;
  /** The most one produce request carries; within the broker's max.message.bytes (1 MiB by default). */
  maxRequestBytes?: number;
  /** The most publishes may hold while waiting for Kafka. */
  maxQueuedBytes?: number;
  /** Told how long each produce request took to be acknowledged, in seconds (for metrics). */
  onProduced?: (seconds: number) => void;
}

const HEALTH_TIMEOUT_MS = 3000;

// kafkajs is CommonJS and Node cannot see this enum as a named export.
const { ConfigResourceTypes } = kafkajs;

/** Kafka's errors for a record or request the broker will never take, however often it is sent. */
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** A failed produce, as CMF sees it: `record-too-large` is permanent, anything else may pass. */
function classifyProduceError(err: unknown): CmfError {
  let cause: unknown = err;
  while (cause instanceof Error) {
    if (TOO_LARGE.has((cause as { type?: string }).type ?? '')) return new CmfError('record-too-large', cause.message, { cause: err });
    cause = cause.cause;
  }
  return new CmfError('bus-unavailable', `Kafka did not acknowledge: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/**
 * Whether an admin read may succeed when asked again: Kafka's retriable answers (kafkajs gives up
 * at once on some, such as "not the leader" just after a topic is created or while leadership
 * moves), and a TypeError kafkajs itself throws now and then when admin reads overlap.
 */
const worthAgain = (err: unknown): boolean =>
  (err as { retriable?: unknown }).retriable === true || (err instanceof TypeError && /node_modules\/kafkajs\//.test(err.stack ?? ''));

/** Runs an admin read again while it fails in a way that may pass. */
async function withRetries<T>(read: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (err) {
      if (attempt >= attempts || !worthAgain(err)) throw err;
      await delay(Math.min(1000, 50 * 2 ** attempt));
    }
  }
}

/**
 * The Kafka implementation of the bus (kafkajs; nothing else in CMF imports it). Publishes go
 * through one ordered pipeline (produce-pipeline.ts), acknowledged by all in-sync replicas; the
 * idempotent producer keeps a request's retries from duplicating records. Records are placed
 * with `partitionOf`, as on the memory bus, so both agree on where a key lives.
 */
export class KafkaBus implements Bus {
  private readonly kafka: Kafka;
  private readonly health: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly healthAdmin: Admin;
  private readonly pipeline: ProducePipeline;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly readers = new Set<KafkaRangeReader>();
  private readonly partitionCounts = new Map<string, number>();
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: KafkaBusOptions) {
    const logCreator =
      () =>
      ({ level, log }: LogEntry): void => {
        const { message, ...fields } = log;
        if (level <= KafkaLogLevel.WARN) options.logger.warn(`kafkajs: ${message}`, fields);
        else options.logger.debug(`kafkajs: ${message}`, fields);
      };
    // Each mechanism shares one shape; kafkajs types them as a union it cannot narrow here.
    const security = { ssl: options.ssl ?? false, ...(options.sasl ? { sasl: options.sasl as SASLOptions } : {}) };
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logCreator,
      ...security,
      connectionTimeout: 1000,
      requestTimeout: 10_000,
      // Retries at most a second apart, so everything resumes within about a second of the broker's return.
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    // A separate client with no retries, so /health answers within a bounded time.
    this.health = new Kafka({
      clientId: `${options.clientId}-health`,
      brokers: options.brokers,
      ...security,
      connectionTimeout: 1000,
      requestTimeout: 2000,
      retry: { retries: 0 },
      logCreator: () => () => undefined,
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Records are placed by partitionOf (see send); this only keeps kafkajs from warning about its default.
      createPartitioner: Partitioners.DefaultPartitioner,
      // An idempotent request is retried until the broker takes it: giving up would roll its sequence
      // numbers back and let the broker drop the next request's records as duplicates of one that
      // did land. Callers that cannot wait use publish timeouts instead (produce-pipeline.ts).
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    this.admin = this.kafka.admin();
    this.healthAdmin = this.health.admin();
    this.pipeline = new ProducePipeline({
      send: (request) => this.send(request),
      maxRequestBytes: options.maxRequestBytes ?? 1_000_000,
      maxQueuedBytes: options.maxQueuedBytes ?? 64 * 1024 * 1024,
      classify: classifyProduceError,
    });
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    await this.connect();
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    await this.checkAppendTime(topics.filter((t) => t.appendTime && existing.has(t.name)));
    if (missing.length === 0) return;
    // Two processes may race to create a topic; kafkajs treats "already exists" as success.
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: this.options.replicationFactor,
        configEntries: [
          ...(t.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
          ...(t.appendTime ? [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] : []),
          ...(t.retentionMs !== undefined ? [{ name: 'retention.ms', value: String(t.retentionMs) }] : []),
        ],
      })),
    });
  }

  publish(topic: string, records: OutgoingRecord[], options: PublishOptions = {}): Promise<PublishAck> {
    if (this.closed) return Promise.reject(new CmfError('bus-closed', 'bus is closed'));
    if (records.length === 0) return Promise.resolve({ appendedAt: null });
    return this.pipeline.publish(topic, records, options.timeoutMs);
  }

  /** A topic made elsewhere may keep producer timestamps, which weakens what relies on the broker's clock: say so. */
  private async checkAppendTime(topics: TopicSpec[]): Promise<void> {
    if (topics.length === 0) return;
    const { resources } = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name, configNames: ['message.timestamp.type'] })),
    });
    for (const r of resources) {
      const type = r.configEntries.find((e) => e.configName === 'message.timestamp.type')?.configValue;
      if (type !== 'LogAppendTime') {
        this.options.logger.warn(`topic ${r.resourceName} keeps producer timestamps (${type}): set message.timestamp.type=LogAppendTime, or a frame refused during an outage may still be delivered`);
      }
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    await this.connect();
    const isPrivate = !options.group;
    const subscription = new KafkaSubscription(options, {
      kafka: this.kafka,
      groupId: options.group ?? options.label ?? `${this.options.clientId}-private-${randomUUID()}`,
      isPrivate,
      positions: new Map(isPrivate ? await this.privateStart(options) : []),
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? 2000,
      heartbeatMs: this.options.heartbeatMs ?? 400,
      logger: this.options.logger,
    });
    this.subscriptions.add(subscription);
    await subscription.start();
    return {
      close: async () => {
        if (!this.subscriptions.delete(subscription)) return;
        await subscription.close();
        if (isPrivate) await this.admin.deleteGroups([subscription.groupId]).catch(() => undefined);
      },
    };
  }

  async endOffsets(topic: string): Promise<Map<number, string>> {
    await this.connect();
    const offsets = await withRetries(() => this.admin.fetchTopicOffsets(topic));
    return new Map(offsets.map((o) => [o.partition, o.high]));
  }

  async startOffsets(topic: string): Promise<Map<number, string>> {
    await this.connect();
    const offsets = await withRetries(() => this.admin.fetchTopicOffsets(topic));
    return new Map(offsets.map((o) => [o.partition, o.low]));
  }

  async openReader(topic: string): Promise<RangeReader> {
    if (this.closed) throw new CmfError('bus-closed', 'bus is closed');
    const reader = await KafkaRangeReader.open({
      kafka: this.kafka,
      topic,
      groupId: `${this.options.clientId}-reader-${randomUUID()}`,
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? 2000,
      heartbeatMs: this.options.heartbeatMs ?? 400,
      logger: this.options.logger,
    });
    this.readers.add(reader);
    return {
      read: (...args) => reader.read(...args),
      close: async () => {
        if (!this.readers.delete(reader)) return;
        await reader.close();
        await this.admin.deleteGroups([reader.groupId]).catch(() => undefined);
      },
    };
  }

  async groupLag(group: string, topic: string): Promise<PartitionLag[]> {
    await this.connect();
    const [ends, [committed]] = await Promise.all([
      withRetries(() => this.admin.fetchTopicOffsets(topic), 3),
      withRetries(() => this.admin.fetchOffsets({ groupId: group, topics: [topic] }), 3),
    ]);
    // kafkajs answers "-1" for a partition the group has never committed.
    const positions = new Map(committed?.partitions.filter((p) => p.offset !== '-1').map((p) => [p.partition, p.offset]));
    return ends
      .map(({ partition, high, low }) => {
        const position = positions.get(partition) ?? null;
        return { partition, committed: position, end: high, lag: Math.max(0, Number(BigInt(high) - BigInt(position ?? low))) };
      })
      .sort((a, b) => a.partition - b.partition);
  }

  async isConnected(): Promise<boolean> {
    const check = (async () => {
      await this.healthAdmin.connect();
      await this.healthAdmin.describeCluster();
    })();
    check.catch(() => undefined);
    return Promise.race([check.then(() => true), delay(HEALTH_TIMEOUT_MS, false, { ref: false })]).catch(() => false);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions, ...this.readers].map((s) => s.close().catch(() => undefined)));
    this.subscriptions.clear();
    this.readers.clear();
    await this.pipeline.drain();
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect(), this.healthAdmin.disconnect()]);
  }

  private connect(): Promise<void> {
    this.connecting ??= Promise.all([this.producer.connect(), this.admin.connect()]).then(
      () => undefined,
      (err: unknown) => {
        this.connecting = undefined;
        throw new CmfError('bus-unavailable', `cannot reach Kafka at ${this.options.brokers.join(',')}`, { cause: err });
      },
    );
    return this.connecting;
  }

  /** Where a private subscription starts: `startAt`, else the end (or, with fromBeginning, nothing to seek). */
  private async privateStart(options: SubscribeOptions): Promise<Map<number, string>> {
    const start = new Map(options.fromBeginning ? [] : await this.endOffsets(options.topic));
    for (const [partition, offset] of options.startAt ?? []) start.set(partition, offset);
    return start;
  }

  private async partitionCount(topic: string): Promise<number> {
    let count = this.partitionCounts.get(topic);
    if (count === undefined) {
      const { topics } = await withRetries(() => this.admin.fetchTopicMetadata({ topics: [topic] }));
      count = topics[0]?.partitions.length ?? 0;
      if (count === 0) throw new CmfError('bus-unavailable', `topic ${topic} has no partitions`);
      this.partitionCounts.set(topic, count);
    }
    return count;
  }

  /** One produce request of the pipeline: records placed by `partitionOf`, append times matched back. */
  private async send(request: SendRequest): Promise<SendResult> {
    await this.connect();
    const placed = await Promise.all(
      request.map(async ({ topic, messages }) => {
        const partitions = await this.partitionCount(topic);
        return { topic, messages: messages.map((m) => ({ key: m.key, value: m.value, partition: partitionOf(m.key, partitions) })) };
      }),
    );
    const started = performance.now();
    const acks = await this.producer.sendBatch({ acks: -1, topicMessages: placed });
    this.options.onProduced?.((performance.now() - started) / 1000);
    // Kafka answers "-1" for the append time of topics that keep the producer's timestamp.
    const appended = new Map(acks.map((a) => [`${a.topicName}\0${a.partition}`, a.logAppendTime && a.logAppendTime !== '-1' ? Number(a.logAppendTime) : null]));
    return placed.map(({ topic, messages }) => messages.map((m) => appended.get(`${topic}\0${m.partition}`) ?? null));
  }
}
