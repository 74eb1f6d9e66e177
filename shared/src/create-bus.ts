import type { Bus } from './bus/bus.js';
import { KafkaBus } from './bus/kafka-bus.js';
import { MemoryBus } from './bus/memory-bus.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics/metrics.js';

/** The composition root's one choice of bus: Kafka when brokers are configured, else memory. */
export function createBus(config: Config, logger: Logger, metrics?: Metrics): Bus {
  if (config.brokers.length === 0) return new MemoryBus({ maxBytes: config.MEMORY_BUS_MAX_BYTES, maxRetainedBytes: config.MEMORY_BUS_REPLAY_BYTES });
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = config;
  return new KafkaBus({
    brokers: config.brokers,
    clientId: config.KAFKA_CLIENT_ID,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    logger: logger.child('kafka'),
    ssl: config.KAFKA_SSL,
    // loadConfig guarantees the username and password when a mechanism is set.
    ...(mechanism && username && password ? { sasl: { mechanism, username, password } } : {}),
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    heartbeatMs: config.KAFKA_HEARTBEAT_MS,
    maxRequestBytes: config.KAFKA_MAX_REQUEST_BYTES,
    ...(metrics ? { onProduced: (seconds: number) => metrics.observeProduce(seconds) } : {}),
  });
}
