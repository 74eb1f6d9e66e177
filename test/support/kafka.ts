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

/** A broker of the test's own, for tests that stop and restart it: what start.sh printed. */
export interface OwnBroker {
  brokers: string;
  runDir: string;
}

async function startScript(env: Record<string, string>): Promise<OwnBroker> {
  const { stdout } = await run('bash', [`${scripts}start.sh`], { env: { ...process.env, ...env }, timeout: 180_000 });
  const brokers = /KAFKA_BROKERS=(\S+)/.exec(stdout)?.[1];
  const runDir = /KAFKA_RUN_DIR=(\S+)/.exec(stdout)?.[1];
  if (!brokers || !runDir) throw new Error(`scripts/kafka/start.sh printed no KAFKA_BROKERS and KAFKA_RUN_DIR: ${stdout}`);
  return { brokers, runDir };
}

/** Starts one as a developer would (`npm run kafka:start`): in a run dir start.sh makes itself. */
export function startOwnBroker(): Promise<OwnBroker> {
  return startScript({});
}

/** Starts again the broker stopped with `keep`, on its data and port, as scripts/kafka/README.md says. */
export function restartOwnBroker(runDir: string): Promise<OwnBroker> {
  return startScript({ CMF_KAFKA_RUN: runDir, CMF_KAFKA_RESTART: '1' });
}

/**
 * Stops it cleanly (SIGTERM: a single broker may lose unflushed writes to SIGKILL). `keep` keeps
 * the run dir for a restart; otherwise stop.sh removes it.
 */
export async function stopOwnBroker(runDir: string, { keep = false } = {}): Promise<void> {
  await run('bash', [`${scripts}stop.sh`, ...(keep ? ['--keep'] : []), runDir], { timeout: 60_000 });
}
