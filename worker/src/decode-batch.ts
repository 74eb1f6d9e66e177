import {
  decodeRecord,
  parseClientFrame,
  WsInRecordSchema,
  type Batch,
  type FrameRecord,
  type Logger,
  type ParsedClientFrame,
  type WsInRecord,
} from '@cmf/shared';
import type { Outputs } from './outputs.js';

/** One ws-in record, decoded, a client frame parsed too; `source` is its position, `<partition>-<offset>`. */
export type Decoded =
  | { kind: 'frame'; source: string; record: FrameRecord; parsed: ParsedClientFrame }
  | { kind: 'other'; source: string; record: Exclude<WsInRecord, FrameRecord> };

/**
 * Decodes a batch at the edge. A record that is not a valid ws-in record can never succeed on a
 * retry: it goes to the dead-letter topic with the reason, and the batch carries on without it.
 */
export function decodeBatch(batch: Batch, outputs: Outputs, log: Logger): Decoded[] {
  const decoded: Decoded[] = [];
  for (const r of batch.records) {
    const source = `${batch.partition}-${r.offset}`;
    let record: WsInRecord;
    try {
      record = decodeRecord(WsInRecordSchema, r.value ?? '');
    } catch (err) {
      log.warn('dead-lettering a record that is not a ws-in record', { partition: batch.partition, offset: r.offset, err });
      outputs.deadLetter(r.key ?? '', {
        error: err instanceof Error ? err.message : String(err),
        source: { topic: batch.topic, partition: batch.partition, offset: r.offset, key: r.key },
        value: r.value?.toString('utf8') ?? null,
      });
      continue;
    }
    decoded.push(
      record.kind === 'frame'
        ? { kind: 'frame', source, record, parsed: parseClientFrame(record.data) }
        : { kind: 'other', source, record },
    );
  }
  return decoded;
}
