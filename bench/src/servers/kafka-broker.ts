import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface KafkaBroker {
  brokers: string;
  pid: number;
  stop(): void;
}

/** The project's broker (scripts/kafka/start.sh), stopped with scripts/kafka/stop.sh. */
export function startKafkaBroker(root: string): KafkaBroker {
  process.stderr.write('bench: starting a Kafka broker (scripts/kafka/start.sh)\n');
  const started = spawnSync('bash', [join(root, 'scripts/kafka/start.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = started.stdout ?? '';
  const brokers = /KAFKA_BROKERS=(\S+)/.exec(line)?.[1];
  const pid = Number(/KAFKA_PID=(\d+)/.exec(line)?.[1]);
  const runDir = /KAFKA_RUN_DIR=(\S+)/.exec(line)?.[1];
  if (started.status !== 0 || !brokers || !runDir || !pid) {
    throw new Error('could not start the Kafka broker that cmf-kafka needs (scripts/kafka/start.sh failed; see above)');
  }
  let stopped = false;
  return {
    brokers,
    pid,
    stop() {
      if (stopped) return;
      stopped = true;
      spawnSync('bash', [join(root, 'scripts/kafka/stop.sh'), runDir], { stdio: ['ignore', 'ignore', 'inherit'] });
    },
  };
}
