import { CLIENT_FRAME_TYPES, ClientFrameSchema, type ClientFrame } from './client-frame.js';
import { Texts } from './server-frame.js';

export interface FrameProblem {
  code: 'invalid-format' | 'unknown-command' | 'invalid-field';
  message: string;
  field?: string;
}

export type ParsedClientFrame = { ok: true; frame: ClientFrame } | { ok: false; problem: FrameProblem };

/** Parse a client's text frame, keeping the original server's error texts. */
export function parseClientFrame(text: string): ParsedClientFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: { code: 'invalid-format', message: Texts.invalidFormat } };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, problem: { code: 'invalid-format', message: Texts.invalidFormat } };
  }
  const type = (json as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return {
      ok: false,
      problem: { code: 'invalid-field', field: 'type', message: 'Invalid field "type": expected a string' },
    };
  }
  if (!CLIENT_FRAME_TYPES.has(type)) {
    return { ok: false, problem: { code: 'unknown-command', message: Texts.unknownCommand } };
  }
  const result = ClientFrameSchema.safeParse(json);
  if (result.success) return { ok: true, frame: result.data };
  const issue = result.error.issues[0];
  const field = String(issue?.path[0] ?? 'type');
  return {
    ok: false,
    problem: { code: 'invalid-field', field, message: `Invalid field "${field}": ${describe(issue?.code, json, field)}` },
  };
}

function describe(code: string | undefined, json: object, field: string): string {
  const value = (json as Record<string, unknown>)[field];
  if (value === undefined) return 'required, expected a string';
  if (code === 'too_small') return 'expected a non-empty string';
  return `expected a string, got ${value === null ? 'null' : typeof value}`;
}
