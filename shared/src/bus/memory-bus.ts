import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { CmfError } from '../errors.js';
import type { Batch, Bus, OutgoingRecord, PartitionLag, SubscribeOptions, Subscription, TopicSpec } from './bus.js';
import { partitionOf } from './partition-of.js';

const MAX_BATCH = 500;

interface Group {
  topic: string;
  members: SubscribeOptions[];
  /** Next offset to hand out, per partition: the group's committed position. */
  positions: number[];
  running: Set<number>;
  private: boolean;
}

/**
 * The single-process bus: partitioned, ordered, at-least-once, with consumer groups, like Kafka
 * but in memory. Each group runs one delivery loop per partition and asks, before every batch,
 * which member owns that partition now, so a rebalance never hands one partition to two members.
 */
export class MemoryBus implements Bus {
  private readonly logs = new Map<string, { key: string; value: Buffer | null }[][]>();
  private readonly groups = new Map<string, Group>();
  private closed = false;

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    for (const t of topics) {
      if (!this.logs.has(t.name)) this.logs.set(t.name, Array.from({ length: t.partitions }, () => []));
    }
  }

  async publish(topic: string, records: OutgoingRecord[]): Promise<void> {
    if (this.closed) throw new CmfError('bus-closed', 'bus is closed');
    const log = this.partitions(topic);
    for (const r of records) log[partitionOf(r.key, log.length)]!.push({ key: r.key, value: r.value });
    for (const group of this.groups.values()) if (group.topic === topic) this.wake(group);
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (this.closed) throw new CmfError('bus-closed', 'bus is closed');
    const log = this.partitions(options.topic);
    const name = options.group ? `${options.topic}\0${options.group}` : `private\0${randomUUID()}`;
    let group = this.groups.get(name);
    if (!group) {
      group = {
        topic: options.topic,
        members: [],
        positions: log.map((p) => (options.fromBeginning ? 0 : p.length)),
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
    return new Map(this.partitions(topic).map((p, i) => [i, String(p.length)]));
  }

  async groupLag(group: string, topic: string): Promise<PartitionLag[]> {
    if (this.closed) throw new CmfError('bus-closed', 'bus is closed');
    const positions = this.groups.get(`${topic}\0${group}`)?.positions;
    return this.partitions(topic).map((log, partition) => {
      const committed = positions?.[partition];
      return {
        partition,
        committed: committed === undefined ? null : String(committed),
        end: String(log.length),
        lag: log.length - (committed ?? 0),
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

  private partitions(topic: string): { key: string; value: Buffer | null }[][] {
    const log = this.logs.get(topic);
    if (!log) throw new CmfError('bus-unavailable', `topic ${topic} does not exist`);
    return log;
  }

  private wake(group: Group): void {
    group.positions.forEach((_, partition) => {
      if (!group.running.has(partition)) void this.deliver(group, partition);
    });
  }

  private async deliver(group: Group, partition: number): Promise<void> {
    group.running.add(partition);
    const log = this.partitions(group.topic)[partition]!;
    let failures = 0;
    try {
      while (!this.closed && group.members.length > 0) {
        const position = group.positions[partition]!;
        if (position >= log.length) break;
        const member = group.members[partition % group.members.length]!;
        const batch: Batch = {
          topic: group.topic,
          partition,
          records: log
            .slice(position, position + MAX_BATCH)
            .map((r, i) => ({ key: r.key, value: r.value, offset: String(position + i) })),
        };
        try {
          await member.onBatch(batch);
          group.positions[partition] = position + batch.records.length;
          failures = 0;
        } catch {
          failures += 1;
          await delay(Math.min(2000, 25 * 2 ** failures));
        }
      }
    } finally {
      group.running.delete(partition);
    }
  }
}
