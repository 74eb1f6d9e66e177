import { isRetriable, type Batch, type Logger } from '@cmf/shared';
import { Outputs } from './outputs.js';

/** How much of a poison record the dead-letter topic keeps at most: enough to see it. */
const MAX_DEAD_VALUE = 64 * 1024;
/** A dead letter's key and error text, cut: the key only spreads dead letters over partitions. */
const MAX_DEAD_KEY = 256;
const MAX_DEAD_ERROR = 1024;

/** A dead-letter record, not yet encoded. */
export interface DeadLetter {
  key: string;
  value: object;
}

/**
 * The dead-letter record for an input that cannot be processed: the reason, where it was, and
 * as much of what it held as lets the record fit in one produce request of `maxBytes` (a dead
 * letter that cannot be produced would stall the partition it is meant to free).
 */
export function deadLetterOf(batch: Batch, record: Batch['records'][number], err: unknown, maxBytes: number): DeadLetter {
  const key = (record.key ?? '').slice(0, MAX_DEAD_KEY);
  const code = (err as { code?: unknown }).code;
  const error = (err instanceof Error ? err.message : String(err)).slice(0, MAX_DEAD_ERROR);
  const held = record.value?.toString('utf8') ?? null;
  const letter = (kept: number): object => ({
    error,
    ...(typeof code === 'string' ? { code } : {}),
    source: { topic: batch.topic, partition: batch.partition, offset: record.offset, key },
    value: held === null ? null : held.slice(0, kept),
    ...(held !== null && kept < held.length ? { truncated: true } : {}),
  });
  // JSON escapes may take up to 6 bytes a character: halve what is kept until the record fits
  // (70 bytes: what a record costs in a request besides its key and value, as the pipeline counts).
  let kept = Math.min(held?.length ?? 0, MAX_DEAD_VALUE);
  while (kept > 0 && 70 + Buffer.byteLength(key) + Buffer.byteLength(JSON.stringify(letter(kept))) > maxBytes) kept = Math.floor(kept / 2);
  return { key, value: letter(kept) };
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
  /** The most one produce request carries (KAFKA_MAX_REQUEST_BYTES): each dead letter fits in it. */
  maxRequestBytes: number,
): Promise<Outputs[]> {
  const done: Outputs[] = [];
  for (const record of batch.records) {
    try {
      done.push(await run({ ...batch, records: [record] }));
    } catch (err) {
      if (isRetriable(err)) throw err;
      log.error('dead-lettering a record that fails every time', { partition: batch.partition, offset: record.offset, err });
      const outputs = new Outputs();
      const letter = deadLetterOf(batch, record, err, maxRequestBytes);
      outputs.deadLetter(letter.key, letter.value);
      await deadLetter(outputs);
      done.push(outputs);
    }
  }
  return done;
}
