/** A record to publish. `value: null` is a tombstone on a compacted topic. */
export interface OutgoingRecord {
  key: string;
  value: Buffer | null;
}

export interface ConsumedRecord {
  key: string | null;
  value: Buffer | null;
  /** Position in its partition, as a decimal string (Kafka offsets are 64-bit). */
  offset: string;
  /** When the broker appended it (epoch ms), on topics that stamp append time; else when it was produced. */
  timestamp: number;
}

export interface Batch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
  /** 1 the first time these records are handed over, 2 after one failure, and so on. */
  attempt: number;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Keep only the latest record per key (log compaction). */
  compacted?: boolean;
  /** Records are stamped with the broker's clock when appended (Kafka: LogAppendTime). */
  appendTime?: boolean;
  /**
   * How long consumed records stay readable (the memory bus keeps nothing consumed by every
   * subscriber unless told to). Kafka topics keep the broker's retention.
   */
  retentionMs?: number;
}

export interface PublishOptions {
  /**
   * Reject with CmfError('bus-unavailable') when not acknowledged within this long. A record still
   * waiting to be sent is then never sent; one already in flight may still land.
   */
  timeoutMs?: number;
}

export interface PublishAck {
  /** The broker's append time of these records (the latest, across partitions) on topics that stamp it; else null. */
  appendedAt: number | null;
}

export interface SubscribeOptions {
  topic: string;
  /**
   * Subscribers sharing a group split the topic's partitions between them: each record goes to
   * one member. Without a group the subscription is private and sees every record.
   */
  group?: string;
  /** Start from the oldest record when the group (or private subscription) has no position yet. */
  fromBeginning?: boolean;
  /**
   * A private subscription starts at these offsets (per partition; the others as `fromBeginning`
   * says), so its owner knows exactly where it stands before the first record arrives.
   */
  startAt?: Map<number, string>;
  /** How a private subscription shows in the broker's tools (Kafka: its consumer group id); unique. */
  label?: string;
  /**
   * Called with the records of one partition, in order. When it resolves the batch counts as
   * consumed (its offsets are committed). When it throws the same records are handed again after
   * a back-off, with `attempt` one higher, so the handler sees each record at least once and can
   * tell a record that keeps failing.
   */
  onBatch(batch: Batch): Promise<void>;
}

/** How far one consumer group is behind on one partition of a topic. */
export interface PartitionLag {
  partition: number;
  /** The group's committed position (the next offset it will read), or null when it has none yet. */
  committed: string | null;
  /** The offset the next published record will get. */
  end: string;
  /**
   * Records published but not yet consumed by the group. A group with no committed position is
   * counted from the oldest record still kept, since CMF's groups start from the beginning.
   */
  lag: number;
}

export interface Subscription {
  close(): Promise<void>;
}

/**
 * Reads ranges of one topic on demand, without joining or disturbing any subscription: what a
 * gateway replays a resuming client's gap with. Opening one may cost a consumer of its own (Kafka:
 * one group join); each read costs only the records it reads.
 */
export interface RangeReader {
  /**
   * Hands the records of `partition` with `from <= offset < to`, in order, in batches, and
   * resolves once the last one was handled. Records no longer kept are skipped: the first one
   * handed is then past `from`. Reads may overlap (those of one partition may wait for each other). Rejects when
   * `signal` aborts, when the reader closes, or with a CmfError when the broker cannot be read.
   */
  read(partition: number, from: string, to: string, onRecords: (records: ConsumedRecord[]) => void | Promise<void>, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/**
 * The seam between CMF and its message broker.
 *
 * Delivery: at least once. Ordering: records published by one publisher reach every subscriber in
 * the order of the publish calls, within a key, even across broker outages: a publisher has one
 * ordered pipeline, and a publish that fails is never re-sent behind a later one. A subscription
 * sees every record published after `subscribe` resolved (and, with `fromBeginning`, every record
 * still kept). Errors: publish rejects with a CmfError: `bus-unavailable` (retriable) when the
 * records were not acknowledged by the broker's in-sync replicas in time, `record-too-large`
 * (permanent) when one can never be accepted; the caller decides what to do.
 */
export interface Bus {
  /** Create the topics that do not exist yet. */
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  /** Resolves once every record is acknowledged. */
  publish(topic: string, records: OutgoingRecord[], options?: PublishOptions): Promise<PublishAck>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Per partition, the offset the next published record will get. */
  endOffsets(topic: string): Promise<Map<number, string>>;
  /** Per partition, the offset of the oldest record still kept (the end offset when none is). */
  startOffsets(topic: string): Promise<Map<number, string>>;
  /** A reader of `topic`'s ranges (see RangeReader); close it when done. */
  openReader(topic: string): Promise<RangeReader>;
  /**
   * Per partition of `topic`, in partition order, how far `group` is behind: what autoscaling
   * on lag sees. Rejects when the broker cannot be reached.
   */
  groupLag(group: string, topic: string): Promise<PartitionLag[]>;
  /** Asks the broker now; false when it cannot be reached. */
  isConnected(): Promise<boolean>;
  /** Stops every subscription and flushes pending publishes. */
  close(): Promise<void>;
}
