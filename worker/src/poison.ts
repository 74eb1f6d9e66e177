import { isRetriable, type Batch, type Logger } from '@cmf/shared';
import { Outputs } from './outputs.js';

/** How much of a poison record the dead-letter topic keeps: enough to see it, never too large to produce. */
const MAX_DEAD_VALUE = 64 * 1024;

/** The dead-letter record for an input that cannot be processed: the reason, where it was, what it held. */
export function deadLetterOf(batch: Batch, record: Batch['records'][number], err: unknown): object {
  const value = record.value?.toString('utf8') ?? null;
  const code = (err as { code?: unknown }).code;
  return {
    error: err instanceof Error ? err.message : String(err),
    ...(typeof code === 'string' ? { code } : {}),
    source: { topic: batch.topic, partition: batch.partition, offset: record.offset, key: record.key },
    value: value !== null && value.length > MAX_DEAD_VALUE ? value.slice(0, MAX_DEAD_VALUE) : value,
    ...(value !== null && value.length > MAX_DEAD_VALUE ? { truncated: true } : {}),
  };
}

/**
 * A batch that keeps failing with a permanent error is taken apart: each record is processed on
 * its own, in order, and a record that still fails permanently goes to the dead-letter topic with
 * the error, so the partition moves on. A retriable failure (the broker is away) stops the walk:
 * the batch is handed again later, and records already done repeat with the same command ids,
 * which gateways drop.
 */
export async function isolatePoison(
  batch: Batch,
  run: (batch: Batch) => Promise<Outputs>,
  deadLetter: (outputs: Outputs) => Promise<void>,
  log: Logger,
): Promise<Outputs[]> {
  const done: Outputs[] = [];
  for (const record of batch.records) {
    try {
      done.push(await run({ ...batch, records: [record] }));
    } catch (err) {
      if (isRetriable(err)) throw err;
      log.error('dead-lettering a record that fails every time', { partition: batch.partition, offset: record.offset, err });
      const outputs = new Outputs();
      outputs.deadLetter(record.key ?? '', deadLetterOf(batch, record, err));
      await deadLetter(outputs);
      done.push(outputs);
    }
  }
  return done;
}
