import type { z } from 'zod';
import { CmfError } from '../errors.js';

/** JSON-encode a value that already has its schema's type. */
export function encodeRecord<T>(value: T): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** Decode one record at the edge; throws CmfError('invalid-record') naming the first bad field. */
export function decodeRecord<S extends z.ZodType>(schema: S, value: Buffer | string): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (cause) {
    throw new CmfError('invalid-record', 'record is not JSON', { cause });
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.join('.') || '(root)';
    throw new CmfError('invalid-record', `record field ${path}: ${issue?.message ?? 'invalid'}`, {
      cause: result.error,
    });
  }
  return result.data;
}
