import type { TopicSpec } from './bus/bus.js';
import type { Config } from './config.js';

/** The topics CMF creates at start-up when they are missing. */
export function topicSpecs(config: Config): TopicSpec[] {
  return [
    { name: config.topics.in, partitions: config.KAFKA_IN_PARTITIONS },
    { name: config.topics.out, partitions: config.KAFKA_OUT_PARTITIONS },
    // One partition: a single writer (the worker owning the presence key) keeps it ordered.
    { name: config.topics.presence, partitions: 1, compacted: true },
    { name: config.topics.deadLetter, partitions: 1 },
  ];
}
