import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const scripts = fileURLToPath(new URL('../../scripts/kafka/', import.meta.url));

/**
 * Deletes a partition's records before `offset` with Kafka's own `kafka-delete-records` tool (the
 * broker's jars, fetched by scripts/kafka/fetch.sh): what retention does to old records, on demand.
 */
export async function deleteRecordsBefore(brokers: string, topic: string, partition: number, offset: number): Promise<void> {
  const { stdout: libs } = await run('bash', [`${scripts}fetch.sh`], { timeout: 300_000 });
  const dir = mkdtempSync(join(tmpdir(), 'cmf-delete-records-'));
  try {
    const file = join(dir, 'offsets.json');
    writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic, partition, offset }] }));
    const log4j = join(dir, 'log4j2.properties');
    writeFileSync(log4j, 'rootLogger.level = error\n');
    await run(
      'java',
      ['-cp', `${libs.trim()}/*`, `-Dlog4j2.configurationFile=${log4j}`, 'org.apache.kafka.tools.DeleteRecordsCommand', '--bootstrap-server', brokers, '--offset-json-file', file],
      { timeout: 120_000 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
