import { CmfError } from './errors.js';
import { loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';

export interface Service {
  close(): Promise<void>;
}

/**
 * A component's process: parse the configuration once, start, and on the first SIGTERM or
 * SIGINT close in order and exit 0 (1 when closing fails or outlasts SHUTDOWN_TIMEOUT_MS).
 */
export async function runService(name: string, start: (config: Config, logger: Logger) => Promise<Service>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const format = config.LOG_FORMAT === 'auto' ? (process.stderr.isTTY ? 'pretty' : 'json') : config.LOG_FORMAT;
  const logger = createLogger(config.LOG_LEVEL, name, format);
  let service: Service;
  try {
    service = await start(config, logger);
  } catch (err) {
    logger.error('failed to start', { err });
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    setTimeout(() => {
      logger.error('shutdown timed out', { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** Standalone components talk to each other through Kafka; the memory bus cannot cross processes. */
export function requireKafka(config: Config, component: string): void {
  if (config.brokers.length === 0) {
    throw new CmfError(
      'invalid-config',
      `KAFKA_BROKERS is required to run the ${component} on its own (for one process without Kafka, use npm start)`,
    );
  }
}
