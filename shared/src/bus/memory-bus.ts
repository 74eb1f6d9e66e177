import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop, setTimeout as delay } from 'node:timers/promises';
import { CmfError } from '../errors.js';
import type {
  Batch,
  Bus,
  OutgoingRecord,
  PartitionLag,
  PublishAck,
  RangeReader,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from './bus.js';
import { PartitionLog, recordBytes } from './memory-log.js';
import { MemoryRangeReader } from './memory-range-reader.js';
import { partitionOf } from './partition-of.js';

const MAX_BATCH = 500;

interface Topic {
  spec: TopicSpec;
  partitions: PartitionLog[];
}

interface Group {
  topic: Topic;
  members: SubscribeOptions[];
  /** Next offset to hand out, per partition: the group's committed position. */
  positions: number[];
  running: Set<number>;
  private: boolean;
}

export interface MemoryBusOptions {
  /**
   * The most the bus keeps, in bytes (keys, values and bookkeeping). Records every subscriber has
   * read go first; when unread records alone would pass it, publish rejects (`bus-unavailable`).
   */
  maxBytes?: number;
  /**
   * Of that, the most one topic keeps of records every subscriber has read, for its `retentionMs`
   * (what range readers replay); the oldest go first.
   */
  maxRetainedBytes?: number;
}

/**
 * The single-process bus: partitioned, ordered, at-least-once, with consumer groups, like Kafka
 * but in memory. Each group runs one delivery loop per partition and asks, before every batch,
 * which member owns that partition now, so a rebalance never hands one partition to two members.
 * Once every subscriber of a topic has read a record it is dropped (after the topic's
 * `retentionMs`, within `maxRetainedBytes`); a topic nobody subscribes to keeps its records until `maxBytes` needs the room,
 * as a late subscriber from the beginning would find them on Kafka. Delivery yields to the event
 * loop between batches, so no backlog starves timers or I/O.
 */
export class MemoryBus implements Bus {
  private readonly topics = new Map<string, Topic>();
  private readonly groups = new Map<string, Group>();
  private readonly maxBytes: number;
  private readonly maxRetainedBytes: number;
  private bytes = 0;
  private closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.maxRetainedBytes = options.maxRetainedBytes ?? 64 * 1024 * 1024;
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    for (const spec of topics) {
      if (this.topics.has(spec.name)) continue;
      this.topics.set(spec.name, { spec, partitions: Array.from({ length: spec.partitions }, () => new PartitionLog(spec.compacted ?? false)) });
    }
  }

  async publish(topicName: string, records: OutgoingRecord[]): Promise<PublishAck> {
    if (this.closed) throw new CmfError('bus-closed', 'bus is closed');
    const topic = this.topic(topicName);
    const incoming = records.reduce((sum, r) => sum + recordBytes(r.key, r.value), 0);
    if (this.bytes + incoming > this.maxBytes) this.trimAll(true);
    if (this.bytes + incoming > this.maxBytes) {
      throw new CmfError('bus-unavailable', `the memory bus is full (${this.maxBytes} bytes of unread records)`);
    }
    const now = Date.now();
    for (const r of records) topic.partitions[partitionOf(r.key, topic.partitions.length)]!.append(r.key, r.value, now);
    this.bytes += incoming;
    for (const group of this.groups.values()) if (group.topic === topic) this.wake(group);
    return { appendedAt: topic.spec.appendTime ? now : null };
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (this.closed) throw new CmfError('bus-closed', 'bus is closed');
    const topic = this.topic(options.topic);
    const name = options.group ? `${options.topic}\0${options.group}` : `private\0${randomUUID()}`;
    let group = this.groups.get(name);
    if (!group) {
      group = {
        topic,
        members: [],
        positions: topic.partitions.map((p, i) => {
          const at = options.group ? undefined : options.startAt?.get(i);
          return at !== undefined ? Number(at) : options.fromBeginning ? p.start : p.end;
        }),
        running: new Set(),
        private: !options.group,
      };
      this.groups.set(name, group);
    }
    group.members.push(options);
    this.wake(group);
    const joined = group;
    return {
      close: async () => {
        joined.members = joined.members.filter((m) => m !== options);
        if (joined.private) this.groups.delete(name);
      },
    };
  }

  async endOffsets(topic: string): Promise<Map<number, string>> {
    return new Map(this.topic(topic).partitions.map((p, i) => [i, String(p.end)]));
  }

  async startOffsets(topic: string): Promise<Map<number, string>> {
    return new Map(this.topic(topic).partitions.map((p, i) => [i, String(p.start)]));
  }

  async openReader(topic: string): Promise<RangeReader> {
    const { partitions } = this.topic(topic);
    return new MemoryRangeReader((partition) => {
      if (this.closed) throw new CmfError('bus-closed', 'bus is closed');
      const log = partitions[partition];
      if (!log) throw new CmfError('bus-unavailable', `topic ${topic} has no partition ${partition}`);
      return log;
    });
  }

  async groupLag(group: string, topic: string): Promise<PartitionLag[]> {
    if (this.closed) throw new CmfError('bus-closed', 'bus is closed');
    const positions = this.groups.get(`${topic}\0${group}`)?.positions;
    return this.topic(topic).partitions.map((log, partition) => {
      const committed = positions?.[partition];
      return {
        partition,
        committed: committed === undefined ? null : String(committed),
        end: String(log.end),
        lag: log.end - (committed ?? log.start),
      };
    });
  }

  async isConnected(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.groups.clear();
  }

  /** Bytes kept now, across every topic. */
  get keptBytes(): number {
    return this.bytes;
  }

  private topic(name: string): Topic {
    const topic = this.topics.get(name);
    if (!topic) throw new CmfError('bus-unavailable', `topic ${name} does not exist`);
    return topic;
  }

  private wake(group: Group): void {
    group.positions.forEach((_, partition) => {
      if (!group.running.has(partition)) void this.deliver(group, partition);
    });
  }

  private async deliver(group: Group, partition: number): Promise<void> {
    group.running.add(partition);
    const log = group.topic.partitions[partition]!;
    let attempt = 1;
    try {
      while (!this.closed && group.members.length > 0) {
        const position = Math.max(group.positions[partition]!, log.start);
        const stored = log.read(position, MAX_BATCH);
        if (stored.length === 0) break;
        const member = group.members[partition % group.members.length]!;
        const records = stored.map((r) => ({ key: r.key, value: r.value, offset: String(r.offset), timestamp: r.timestamp }));
        try {
          await member.onBatch({ topic: group.topic.spec.name, partition, records, attempt } satisfies Batch);
          group.positions[partition] = stored.at(-1)!.offset + 1;
          attempt = 1;
          this.trim(group.topic, partition, false);
          // Let timers, sockets and other partitions run between batches, whatever the backlog.
          await yieldToEventLoop();
        } catch {
          attempt += 1;
          await delay(Math.min(2000, 25 * 2 ** attempt));
        }
      }
    } finally {
      group.running.delete(partition);
    }
  }

  /** Drops what every subscriber of the topic has read, keeping its retention unless `urgent`. */
  private trim(topic: Topic, partition: number, urgent: boolean): void {
    const log = topic.partitions[partition]!;
    let consumed = log.end;
    for (const group of this.groups.values()) {
      if (group.topic === topic) consumed = Math.min(consumed, group.positions[partition]!);
    }
    const before = log.bytes;
    const retainedBudget = topic.spec.retentionMs ? this.maxRetainedBytes / topic.partitions.length : 0;
    log.trim(consumed, urgent ? Infinity : Date.now() - (topic.spec.retentionMs ?? 0), urgent ? 0 : retainedBudget);
    this.bytes -= before - log.bytes;
  }

  private trimAll(urgent: boolean): void {
    for (const topic of this.topics.values()) topic.partitions.forEach((_, p) => this.trim(topic, p, urgent));
  }
}
