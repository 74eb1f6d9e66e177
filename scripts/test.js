#!/usr/bin/env node
// `npm test`: every jest test, unit and integration. Integration tests need Kafka: KAFKA_BROKERS
// when set, otherwise a broker started here with scripts/kafka/start.sh and stopped afterwards.
// Ends with one line "tests: N passed, N failed, N skipped"; any skipped test fails the run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const results = `${root}test-results/jest.json`;
mkdirSync(`${root}test-results`, { recursive: true });

let runDir;
const env = { ...process.env };
if (!env.KAFKA_BROKERS) {
  process.stderr.write('npm test: KAFKA_BROKERS is not set; starting a Kafka broker (scripts/kafka/start.sh)\n');
  const started = spawnSync('bash', [`${root}scripts/kafka/start.sh`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = started.stdout ?? '';
  if (started.status !== 0 || !/KAFKA_BROKERS=/.test(line)) {
    process.stderr.write(
      'npm test: FAILED: could not start the Kafka broker the integration tests need (see the messages above).\n' +
        'It needs Java 17+ and Maven with access to Maven Central; or point the tests at a broker with KAFKA_BROKERS=host:port.\n',
    );
    process.exit(1);
  }
  env.KAFKA_BROKERS = /KAFKA_BROKERS=(\S+)/.exec(line)[1];
  runDir = /KAFKA_RUN_DIR=(\S+)/.exec(line)[1];
  process.stderr.write(`npm test: Kafka broker at ${env.KAFKA_BROKERS}\n`);
}

const stopBroker = () => {
  if (runDir) spawnSync('bash', [`${root}scripts/kafka/stop.sh`, runDir], { stdio: 'inherit' });
  runDir = undefined;
};

const jest = spawn(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--disable-warning=ExperimentalWarning',
    `${root}node_modules/jest/bin/jest.js`,
    '--runInBand',
    '--json',
    `--outputFile=${results}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, env, stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => jest.kill(signal));

jest.on('exit', (code) => {
  stopBroker();
  let summary;
  try {
    summary = JSON.parse(readFileSync(results, 'utf8'));
  } catch {
    process.stderr.write('npm test: jest wrote no results\n');
    process.exit(code || 1);
  }
  const skipped = summary.numPendingTests + summary.numTodoTests;
  console.log(`tests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${skipped} skipped`);
  if (skipped > 0) console.log('npm test: skipped tests count as failures here');
  process.exit(code !== 0 || skipped > 0 || summary.numTotalTests === 0 ? code || 1 : 0);
});
