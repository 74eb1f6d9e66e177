import type { TopicSpec } from './bus/bus.js';
import type { Config } from './config.js';

/** The topics CMF creates at start-up when they are missing. */
export function topicSpecs(config: Config): TopicSpec[] {
  return [
    // Append time from the broker's clock: a frame appended after its deadline is dropped by the
    // worker, the same rule the gateway applies to the acknowledgement (see the README, Delivery guarantees).
    { name: config.topics.in, partitions: config.KAFKA_IN_PARTITIONS, appendTime: true },
    // Kept for the resume window: a resuming client's gap is read back from here (README, Resume).
    { name: config.topics.out, partitions: config.KAFKA_OUT_PARTITIONS, retentionMs: config.RESUME_WINDOW_MS },
    // One partition: a single writer (the worker owning the presence key) keeps it ordered.
    { name: config.topics.presence, partitions: 1, compacted: true },
    { name: config.topics.deadLetter, partitions: 1 },
  ];
}
