import type { Bus } from './bus/bus.js';
import { KafkaBus } from './bus/kafka-bus.js';
import { MemoryBus } from './bus/memory-bus.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

/** The composition root's one choice of bus: Kafka when brokers are configured, else memory. */
export function createBus(config: Config, logger: Logger): Bus {
  if (config.brokers.length === 0) return new MemoryBus();
  return new KafkaBus({
    brokers: config.brokers,
    clientId: config.KAFKA_CLIENT_ID,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    logger: logger.child('kafka'),
  });
}
