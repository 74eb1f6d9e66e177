import { setTimeout as delay } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { CmfError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ConsumedRecord } from './bus.js';

export interface KafkaRangeReaderSettings {
  kafka: Kafka;
  topic: string;
  /** A group of its own: it never commits, it only gets every partition assigned. */
  groupId: string;
  sessionTimeoutMs: number;
  heartbeatMs: number;
  logger: Logger;
}

interface ActiveRead {
  partition: number;
  next: bigint;
  to: bigint;
  onRecords(records: ConsumedRecord[]): void | Promise<void>;
  settle(err?: unknown): void;
}

/**
 * Range reads on Kafka without a group join per read: one consumer, joined once, keeps every
 * partition of the topic paused; a read seeks its partition to `from`, resumes it, hands records
 * until `to` and pauses it again. kafkajs has no group-less (assign) consumer, so this is the
 * cheapest way to read an arbitrary range with it. Reads of one partition are queued.
 */
export class KafkaRangeReader {
  private consumer: Consumer | undefined;
  private readonly active = new Map<number, ActiveRead>();
  private readonly queues = new Map<number, Promise<unknown>>();
  private closed = false;
  private restarting = false;

  private constructor(private readonly settings: KafkaRangeReaderSettings) {}

  static async open(settings: KafkaRangeReaderSettings): Promise<KafkaRangeReader> {
    const reader = new KafkaRangeReader(settings);
    await reader.start();
    return reader;
  }

  get groupId(): string {
    return this.settings.groupId;
  }

  read(
    partition: number,
    from: string,
    to: string,
    onRecords: (records: ConsumedRecord[]) => void | Promise<void>,
    signal?: AbortSignal,
  ): Promise<void> {
    const before = this.queues.get(partition) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(() => this.readNow(partition, BigInt(from), BigInt(to), onRecords, signal));
    this.queues.set(partition, run);
    void run.finally(() => {
      if (this.queues.get(partition) === run) this.queues.delete(partition);
    }).catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const read of this.active.values()) read.settle(new CmfError('bus-closed', 'the reader is closed'));
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private readNow(
    partition: number,
    from: bigint,
    to: bigint,
    onRecords: ActiveRead['onRecords'],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (this.closed) return Promise.reject(new CmfError('bus-closed', 'the reader is closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (from >= to) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => read.settle(signal!.reason);
      const read: ActiveRead = {
        partition,
        next: from,
        to,
        onRecords,
        settle: (err) => {
          if (this.active.get(partition) !== read) return;
          this.active.delete(partition);
          signal?.removeEventListener('abort', onAbort);
          this.pause(partition);
          if (err === undefined) resolve();
          else reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.active.set(partition, read);
      this.seek(read);
    });
  }

  private seek(read: ActiveRead): void {
    try {
      this.consumer?.seek({ topic: this.settings.topic, partition: read.partition, offset: String(read.next) });
      this.consumer?.resume([{ topic: this.settings.topic, partitions: [read.partition] }]);
    } catch (err) {
      // Not running right now (restarting): the next group join seeks every active read.
      this.settings.logger.debug('range read waits for the reader to rejoin', { err });
    }
  }

  private pause(partition: number): void {
    try {
      this.consumer?.pause([{ topic: this.settings.topic, partitions: [partition] }]);
    } catch {
      // Not running: a join pauses every partition without a read anyway.
    }
  }

  private async start(): Promise<void> {
    const { kafka, topic, groupId, sessionTimeoutMs, heartbeatMs } = this.settings;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: heartbeatMs,
      rebalanceTimeout: Math.max(sessionTimeoutMs, 10_000),
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        // A fresh join resets positions: pause what no read needs, seek what one does.
        consumer.pause([{ topic }]);
        for (const read of this.active.values()) this.seek(read);
        resolve();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
        void this.onCrash(consumer, payload.restart, payload.error);
      });
    });
    joined.catch(() => undefined);
    await consumer.connect();
    // From the beginning: a range whose start was deleted meanwhile resumes at the oldest record kept.
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch: (payload) => this.handle(payload) });
    await joined;
  }

  private async handle({ batch, isStale, heartbeat }: EachBatchPayload): Promise<void> {
    const read = this.active.get(batch.partition);
    if (!read) {
      this.pause(batch.partition);
      return;
    }
    // Fetched before the latest seek: not the range asked for.
    if (isStale()) return;
    const records: ConsumedRecord[] = [];
    let reachedEnd = false;
    for (const m of batch.messages) {
      const offset = BigInt(m.offset);
      if (offset < read.next) continue;
      if (offset >= read.to) {
        reachedEnd = true;
        break;
      }
      records.push({ key: m.key ? m.key.toString('utf8') : null, value: m.value, offset: m.offset, timestamp: Number(m.timestamp) });
    }
    if (records.length > 0) {
      // The reader may take a while over a large batch: heartbeats keep the consumer in its group.
      const beat = setInterval(() => void heartbeat().catch(() => undefined), this.settings.heartbeatMs);
      try {
        await read.onRecords(records);
      } catch (err) {
        read.settle(err);
        return;
      } finally {
        clearInterval(beat);
      }
      read.next = BigInt(records.at(-1)!.offset) + 1n;
    }
    if (reachedEnd || read.next >= read.to) read.settle();
  }

  private async onCrash(consumer: Consumer, restart: boolean, error: Error): Promise<void> {
    this.settings.logger.warn('Kafka range reader crashed', { topic: this.settings.topic, restart, err: error });
    if (restart || this.closed || consumer !== this.consumer || this.restarting) return;
    this.restarting = true;
    await consumer.disconnect().catch(() => undefined);
    for (let attempt = 1; !this.closed; attempt += 1) {
      await delay(Math.min(10_000, 250 * 2 ** attempt));
      if (this.closed) break;
      try {
        await this.start();
        break;
      } catch (err) {
        this.settings.logger.warn('Kafka range reader did not restart; trying again', { topic: this.settings.topic, err });
        await this.consumer?.disconnect().catch(() => undefined);
      }
    }
    this.restarting = false;
  }
}
