import { CLIENT_FRAME_TYPES, ClientFrameSchema, RefSchema, type ClientFrame } from './client-frame.js';
import { Texts } from './server-frame.js';

export interface FrameProblem {
  code: 'invalid-format' | 'unknown-command' | 'invalid-field';
  message: string;
  field?: string;
  /** The frame's `ref`, when it had a valid one: the error frame echoes it. */
  ref?: string;
}

export type ParsedClientFrame = { ok: true; frame: ClientFrame } | { ok: false; problem: FrameProblem };

const invalidFormat: FrameProblem = { code: 'invalid-format', message: Texts.invalidFormat };

/** The frame's JSON object, or undefined when the text is not one. */
function jsonObject(text: string): Record<string, unknown> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
}

/**
 * A frame's valid `ref`, read without validating the rest: for answers about a frame that never
 * reached the protocol (the bus refused it). JSON is parsed only on that path.
 */
export function refOf(text: string): string | undefined {
  const ref = jsonObject(text)?.ref;
  return RefSchema.safeParse(ref).success ? (ref as string) : undefined;
}

/** Parse a client's text frame, keeping the original server's error texts; problems echo a valid `ref`. */
export function parseClientFrame(text: string): ParsedClientFrame {
  const json = jsonObject(text);
  if (!json) return { ok: false, problem: invalidFormat };
  const refParse = RefSchema.optional().safeParse(json.ref);
  if (!refParse.success) {
    return { ok: false, problem: { code: 'invalid-field', field: 'ref', message: 'Invalid field "ref": expected a string of at most 64 characters' } };
  }
  const echo = refParse.data === undefined ? {} : { ref: refParse.data };
  const fail = (problem: FrameProblem): ParsedClientFrame => ({ ok: false, problem: { ...problem, ...echo } });
  const type = json.type;
  if (typeof type !== 'string') return fail({ code: 'invalid-field', field: 'type', message: 'Invalid field "type": expected a string' });
  if (!CLIENT_FRAME_TYPES.has(type)) return fail({ code: 'unknown-command', message: Texts.unknownCommand });
  const result = ClientFrameSchema.safeParse(json);
  if (result.success) return { ok: true, frame: result.data };
  const issue = result.error.issues[0];
  const field = String(issue?.path[0] ?? 'type');
  return fail({ code: 'invalid-field', field, message: `Invalid field "${field}": ${describe(issue?.code, json, field)}` });
}

function describe(code: string | undefined, json: Record<string, unknown>, field: string): string {
  const value = json[field];
  if (value === undefined) return 'required, expected a string';
  if (code === 'too_small') return 'expected a non-empty string';
  return `expected a string, got ${value === null ? 'null' : typeof value}`;
}
