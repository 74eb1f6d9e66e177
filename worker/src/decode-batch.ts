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
import { deadLetterOf } from './poison.js';

/**
 * One ws-in record, decoded, a client frame parsed too; `source` is its position
 * (`<partition>-<offset>`). Frames appended after their deadline are left out: their sender was
 * told `bus-unavailable`.
 */
export type Decoded =
  | { kind: 'frame'; source: string; record: FrameRecord; parsed: ParsedClientFrame }
  | { kind: 'other'; source: string; record: Exclude<WsInRecord, FrameRecord> };

export interface DecodedBatch {
  decoded: Decoded[];
  /** Frames dropped because they were appended after their deadline. */
  expired: number;
}

/**
 * Decodes a batch at the edge. A record that is not a valid ws-in record can never succeed on a
 * retry: it goes to the dead-letter topic with the reason (cut to fit in one produce request of
 * `maxRequestBytes`), and the batch carries on without it.
 */
export function decodeBatch(batch: Batch, outputs: Outputs, log: Logger, maxRequestBytes: number): DecodedBatch {
  const decoded: Decoded[] = [];
  let expired = 0;
  for (const r of batch.records) {
    const source = `${batch.partition}-${r.offset}`;
    let record: WsInRecord;
    try {
      record = decodeRecord(WsInRecordSchema, r.value ?? '');
    } catch (err) {
      log.warn('dead-lettering a record that is not a ws-in record', { partition: batch.partition, offset: r.offset, err });
      const letter = deadLetterOf(batch, r, err, maxRequestBytes);
      outputs.deadLetter(letter.key, letter.value);
      continue;
    }
    if (record.kind !== 'frame') decoded.push({ kind: 'other', source, record });
    else if (record.deadline !== undefined && r.timestamp > record.deadline) expired += 1;
    else decoded.push({ kind: 'frame', source, record, parsed: parseClientFrame(record.data) });
  }
  return { decoded, expired };
}
