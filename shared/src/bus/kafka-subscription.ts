import { setTimeout as delay } from 'node:timers/promises';
import type { Consumer, ConsumerCrashEvent, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from '../logger.js';
import type { SubscribeOptions } from './bus.js';

export interface KafkaSubscriptionSettings {
  kafka: Kafka;
  groupId: string;
  /** A private subscription commits nothing: it keeps its own positions (see `positions`). */
  isPrivate: boolean;
  /**
   * Where a private subscription seeks at every group join: today's end when it started (unless
   * fromBeginning), then after each batch it handled. So nothing published after subscribe()
   * resolved is missed, whatever the timing of the join, and a consumer that crashes and rejoins
   * resumes where it was, not at the latest offset.
   */
  positions: Map<number, string>;
  sessionTimeoutMs: number;
  heartbeatMs: number;
  logger: Logger;
}

/** The session timeout to fall back to when the broker refuses ours (Kafka's default range is 6 s to 30 min). */
const BROKER_SAFE_SESSION_TIMEOUT_MS = 10_000;

/** Batches of different partitions handled at once by one subscriber. */
const PARTITIONS_AT_ONCE = 16;

/**
 * One subscription on Kafka: a consumer that hands batches to `onBatch`, retries a failed batch
 * after a back-off (heartbeating meanwhile, so the group does not evict it), commits after
 * success (without waiting for the commit), and comes back by itself after any crash, including those kafkajs gives up on (a broker
 * restart can leave it without a group coordinator for good otherwise).
 */
export class KafkaSubscription {
  private consumer: Consumer | undefined;
  private readonly active = new Set<Promise<void>>();
  /** Commits in flight, one after another so they land in order. */
  private commits: Promise<void> = Promise.resolve();
  private sessionTimeoutMs: number;
  private closed = false;
  private restarting = false;
  /** Inside start(): a crash there rejects start() instead of restarting. */
  private starting = false;
  private restarts = 0;

  constructor(
    private readonly options: SubscribeOptions,
    private readonly settings: KafkaSubscriptionSettings,
  ) {
    this.sessionTimeoutMs = settings.sessionTimeoutMs;
  }

  get groupId(): string {
    return this.settings.groupId;
  }

  /** Resolves once the consumer has joined its group for the first time. */
  async start(): Promise<void> {
    this.starting = true;
    try {
      await this.startConsumer();
    } catch (err) {
      if ((err as { type?: string }).type !== 'INVALID_SESSION_TIMEOUT' || !this.fallBack()) throw err;
      await this.consumer?.disconnect().catch(() => undefined);
      await this.startConsumer();
    } finally {
      this.starting = false;
    }
  }

  /** Whether a broker that refuses the session timeout can be asked again with a safe one. */
  private fallBack(): boolean {
    if (this.sessionTimeoutMs >= BROKER_SAFE_SESSION_TIMEOUT_MS) return false;
    this.settings.logger.warn('the broker refuses the session timeout; using a safe one (failover slows down): lower its group.min.session.timeout.ms', {
      asked: this.sessionTimeoutMs,
      using: BROKER_SAFE_SESSION_TIMEOUT_MS,
    });
    this.sessionTimeoutMs = BROKER_SAFE_SESSION_TIMEOUT_MS;
    return true;
  }

  private async startConsumer(): Promise<void> {
    const consumer = this.settings.kafka.consumer({
      groupId: this.settings.groupId,
      sessionTimeout: this.sessionTimeoutMs,
      heartbeatInterval: this.settings.heartbeatMs,
      rebalanceTimeout: Math.max(this.sessionTimeoutMs, 10_000),
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        this.seekPositions(consumer);
        this.restarts = 0;
        resolve();
      });
      consumer.on(consumer.events.CRASH, (event) => {
        if (!event.payload.restart) reject(event.payload.error);
        void this.onCrash(consumer, event);
      });
    });
    // Observed here so a crash while connecting is not an unhandled rejection; awaited below.
    joined.catch(() => undefined);
    await consumer.connect();
    await consumer.subscribe({ topic: this.options.topic, fromBeginning: this.options.fromBeginning ?? false });
    await consumer.run({
      autoCommit: false,
      // Partitions side by side, as on the memory bus: one at a time, each batch's round trips
      // (its publishes) add up across the partitions of one fetch. Order within a partition holds.
      partitionsConsumedConcurrently: PARTITIONS_AT_ONCE,
      eachBatch: (payload) => {
        const run = this.handle(payload);
        this.active.add(run);
        return run.finally(() => this.active.delete(run));
      },
    });
    await joined;
  }

  /** Lets the batch under way commit, then leaves the group. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.active]);
    await this.commits;
    await this.consumer?.disconnect();
  }

  private seekPositions(consumer: Consumer): void {
    try {
      for (const [partition, offset] of this.settings.positions) consumer.seek({ topic: this.options.topic, partition, offset });
    } catch (err) {
      this.settings.logger.warn('could not seek after joining; the next join seeks again', { err });
    }
  }

  private async handle({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const records = batch.messages.map((m) => ({
      key: m.key ? m.key.toString('utf8') : null,
      value: m.value,
      offset: m.offset,
      timestamp: Number(m.timestamp),
    }));
    // A handler may wait on the broker for a while (its publishes): heartbeats keep the member in its group.
    const beat = setInterval(() => void heartbeat().catch(() => undefined), this.settings.heartbeatMs);
    try {
      for (let attempt = 1; ; attempt += 1) {
        if (!isRunning() || isStale()) return;
        try {
          await this.options.onBatch({ topic: batch.topic, partition: batch.partition, records, attempt });
          break;
        } catch (err) {
          this.settings.logger.warn('batch handler failed; retrying', { topic: batch.topic, partition: batch.partition, attempt, err });
          await delay(Math.min(5000, 100 * 2 ** attempt));
        }
      }
    } finally {
      clearInterval(beat);
    }
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    if (this.settings.isPrivate) this.settings.positions.set(batch.partition, next);
    else this.commit(batch.topic, batch.partition, next);
  }

  /**
   * Commits without holding up the next batch: a commit is a round trip to the broker, and the
   * next fetch starts from kafkajs's own position anyway. One that fails or lands late (after a
   * rebalance, refused) only means records handled again, which at-least-once allows.
   */
  private commit(topic: string, partition: number, offset: string): void {
    const consumer = this.consumer!;
    this.commits = this.commits
      .then(() => consumer.commitOffsets([{ topic, partition, offset }]))
      .catch((err: unknown) => this.settings.logger.debug('commit failed; those records may be handled again', { topic, partition, offset, err }));
  }

  /** kafkajs restarts after retriable crashes by itself; after any other, this starts a new consumer. */
  private async onCrash(consumer: Consumer, { payload }: ConsumerCrashEvent): Promise<void> {
    const { error, restart } = payload;
    this.settings.logger.warn('Kafka consumer crashed', { topic: this.options.topic, group: this.settings.groupId, restart, err: error });
    if (restart || this.closed || consumer !== this.consumer || this.restarting || this.starting) return;
    if ((error as { type?: string }).type === 'INVALID_SESSION_TIMEOUT') this.fallBack();
    await consumer.disconnect().catch(() => undefined);
    await this.restart();
  }

  private async restart(): Promise<void> {
    this.restarting = true;
    try {
      await this.restartLoop();
    } finally {
      this.restarting = false;
    }
  }

  private async restartLoop(): Promise<void> {
    while (!this.closed) {
      this.restarts += 1;
      await delay(Math.min(10_000, 250 * 2 ** this.restarts));
      if (this.closed) return;
      try {
        await this.start();
        return;
      } catch (err) {
        this.settings.logger.warn('Kafka consumer did not restart; trying again', { topic: this.options.topic, err });
        await this.consumer?.disconnect().catch(() => undefined);
      }
    }
  }
}
