import { ServerFrameSchema, type ServerFrame } from '@cmf/shared/protocol';

export type ParsedServerFrame = { ok: true; frame: ServerFrame } | { ok: false; problem: string };

/** Validates one text frame with the shared protocol schema; a bad frame is a value, not a throw. */
export function parseServerFrame(text: string): ParsedServerFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  const result = ServerFrameSchema.safeParse(json);
  if (result.success) return { ok: true, frame: result.data };
  const issue = result.error.issues[0];
  const path = issue?.path.join('.') || 'frame';
  return { ok: false, problem: `${path}: ${issue?.message ?? 'invalid'}` };
}
