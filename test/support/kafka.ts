import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const scripts = fileURLToPath(new URL('../../scripts/kafka/', import.meta.url));

/** The broker integration tests use: KAFKA_BROKERS, which `npm test` sets after starting one. */
export function requireBrokers(): string[] {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  if (brokers.length === 0) {
    throw new Error(
      'Integration tests need a Kafka broker: KAFKA_BROKERS is not set. Run them with `npm test` ' +
        '(it starts one with scripts/kafka/start.sh) or set KAFKA_BROKERS=host:port.',
    );
  }
  return brokers;
}

/**
 * A broker of the test's own, in `runDir`, for tests that stop and restart it. `restart` brings
 * back the broker that ran there before, with its data and port.
 */
export async function startOwnBroker(runDir: string, restart = false): Promise<string> {
  const env = { ...process.env, CMF_KAFKA_RUN: runDir, ...(restart ? { CMF_KAFKA_RESTART: '1' } : {}) };
  const { stdout } = await run('bash', [`${scripts}start.sh`], { env, timeout: 120_000 });
  const brokers = /KAFKA_BROKERS=(\S+)/.exec(stdout)?.[1];
  if (!brokers) throw new Error(`scripts/kafka/start.sh printed no KAFKA_BROKERS: ${stdout}`);
  return brokers;
}

/** Stops it cleanly (SIGTERM): a single broker may lose unflushed writes to SIGKILL. */
export async function stopOwnBroker(runDir: string): Promise<void> {
  await run('bash', [`${scripts}stop.sh`, runDir], { timeout: 60_000 });
}
