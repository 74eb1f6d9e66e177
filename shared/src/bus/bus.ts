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
}

export interface Batch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Keep only the latest record per key (log compaction). */
  compacted?: boolean;
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
  /** How a private subscription shows in the broker's tools (Kafka: its consumer group id); unique. */
  label?: string;
  /**
   * Called with the records of one partition, in order. When it resolves the batch counts as
   * consumed (its offsets are committed). When it throws the same records are handed again after
   * a back-off, so the handler sees each record at least once.
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
 * The seam between CMF and its message broker.
 *
 * Delivery: at least once. Ordering: records published with the same key, by one publisher,
 * reach every subscriber in the order published. A subscription sees every record published
 * after `subscribe` resolved (and, with `fromBeginning`, every record still kept).
 * Errors: publish rejects when the records were not acknowledged by the broker's in-sync
 * replicas; the caller decides whether to retry.
 */
export interface Bus {
  /** Create the topics that do not exist yet. */
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  /** Resolves once every record is acknowledged; records keep their order within a key. */
  publish(topic: string, records: OutgoingRecord[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Per partition, the offset the next published record will get. */
  endOffsets(topic: string): Promise<Map<number, string>>;
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
