import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  Kafka,
  logLevel as KafkaLogLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type LogEntry,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import { CmfError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Bus, OutgoingRecord, PartitionLag, SubscribeOptions, Subscription, TopicSpec } from './bus.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  replicationFactor: number;
  logger: Logger;
  /** TLS to the brokers. */
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** Told how long each produce request took to be acknowledged, in seconds (for metrics). */
  onProduced?: (seconds: number) => void;
}

interface PendingPublish {
  topic: string;
  records: OutgoingRecord[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

const HEALTH_TIMEOUT_MS = 3000;

/**
 * The Kafka implementation of the bus (kafkajs; nothing else in CMF imports it). Publishes made
 * in the same event-loop turn go out as one produce request, acknowledged by all in-sync
 * replicas; the idempotent producer with one request in flight keeps them in order.
 */
export class KafkaBus implements Bus {
  private readonly kafka: Kafka;
  private readonly health: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly healthAdmin: Admin;
  private readonly consumers = new Set<Consumer>();
  private readonly inFlight = new Set<Promise<void>>();
  private pending: PendingPublish[] = [];
  private flushScheduled = false;
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
    this.kafka = new Kafka({ clientId: options.clientId, brokers: options.brokers, logCreator, ...security });
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
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.admin = this.kafka.admin();
    this.healthAdmin = this.health.admin();
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    await this.connect();
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length === 0) return;
    // Two processes may race to create a topic; kafkajs treats "already exists" as success.
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: this.options.replicationFactor,
        configEntries: t.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
      })),
    });
  }

  publish(topic: string, records: OutgoingRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new CmfError('bus-closed', 'bus is closed'));
    if (records.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.push({ topic, records, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    await this.connect();
    const isPrivate = !options.group;
    const groupId = options.group ?? options.label ?? `${this.options.clientId}-private-${randomUUID()}`;
    // A private subscription commits nothing; it keeps its own position per partition and seeks
    // there at every group join, starting exactly at today's end (unless fromBeginning). So
    // nothing published after subscribe() resolves is missed, whatever the timing of the join,
    // and a consumer that crashes and rejoins resumes where it was, not at the latest offset.
    const positions = new Map<number, string>(
      isPrivate && !options.fromBeginning ? await this.endOffsets(options.topic) : [],
    );
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: false,
    });
    this.consumers.add(consumer);
    let joinedResolve!: () => void;
    const joined = new Promise<void>((resolve) => (joinedResolve = resolve));
    consumer.on(consumer.events.GROUP_JOIN, () => {
      try {
        for (const [partition, offset] of positions) consumer.seek({ topic: options.topic, partition, offset });
      } catch (err) {
        this.options.logger.warn('could not seek after joining; the next join seeks again', { err });
      }
      joinedResolve();
    });
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? false });
    // Batches under way, so close() lets the last one commit before the consumer leaves.
    const active = new Set<Promise<void>>();
    const handle = async ({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> => {
      const records = batch.messages.map((m) => ({
        key: m.key ? m.key.toString('utf8') : null,
        value: m.value,
        offset: m.offset,
      }));
      for (let failures = 0; ; failures += 1) {
        if (!isRunning() || isStale()) return;
        try {
          await options.onBatch({ topic: batch.topic, partition: batch.partition, records });
          break;
        } catch (err) {
          this.options.logger.warn('batch handler failed; retrying', {
            topic: batch.topic,
            partition: batch.partition,
            err,
          });
          await delay(Math.min(5000, 100 * 2 ** failures));
          await heartbeat();
        }
      }
      const next = (BigInt(batch.lastOffset()) + 1n).toString();
      if (isPrivate) positions.set(batch.partition, next);
      else await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    };
    await consumer.run({
      autoCommit: false,
      eachBatch: (payload) => {
        const run = handle(payload);
        active.add(run);
        return run.finally(() => active.delete(run));
      },
    });
    await joined;
    return {
      close: async () => {
        if (!this.consumers.delete(consumer)) return;
        await Promise.allSettled([...active]);
        await consumer.disconnect();
        if (isPrivate) await this.admin.deleteGroups([groupId]).catch(() => undefined);
      },
    };
  }

  async endOffsets(topic: string): Promise<Map<number, string>> {
    await this.connect();
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, o.high]));
  }

  async groupLag(group: string, topic: string): Promise<PartitionLag[]> {
    await this.connect();
    const [ends, [committed]] = await Promise.all([
      this.admin.fetchTopicOffsets(topic),
      this.admin.fetchOffsets({ groupId: group, topics: [topic] }),
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
    const timeout = delay(HEALTH_TIMEOUT_MS, undefined, { ref: false }).then(() => {
      throw new CmfError('timeout', 'Kafka health check timed out');
    });
    try {
      await Promise.race([check, timeout]);
      return true;
    } catch {
      return false;
    } finally {
      check.catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.disconnect().catch(() => undefined)));
    this.consumers.clear();
    if (this.pending.length > 0) this.flush();
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect(), this.healthAdmin.disconnect()]);
  }

  private connect(): Promise<void> {
    this.connecting ??= Promise.all([this.producer.connect(), this.admin.connect()]).then(
      () => undefined,
      (err: unknown) => {
        this.connecting = undefined;
        throw new CmfError('bus-unavailable', `cannot reach Kafka at ${this.options.brokers.join(',')}`, {
          cause: err,
        });
      },
    );
    return this.connecting;
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    const byTopic = new Map<string, { key: string; value: Buffer | null }[]>();
    for (const p of batch) {
      const messages = byTopic.get(p.topic) ?? [];
      for (const r of p.records) messages.push({ key: r.key, value: r.value });
      byTopic.set(p.topic, messages);
    }
    const { onProduced } = this.options;
    let started = 0;
    const send = this.connect()
      .then(() => {
        started = performance.now();
        return this.producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        });
      })
      .then(
        () => {
          onProduced?.((performance.now() - started) / 1000);
          batch.forEach((p) => p.resolve());
        },
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      );
    this.inFlight.add(send);
    void send.finally(() => this.inFlight.delete(send));
  }
}
