import type { ServerFrame } from '@cmf/shared/protocol';

/**
 * Server frames checked without zod in the page. The rules are derived at build time from the
 * shared ServerFrameSchema (through its JSON Schema, `z.toJSONSchema`), so the schema stays the
 * one source of truth and zod (about 170 KiB of the old bundle) stays out of the page. A unit
 * test checks that every frame the schema accepts passes here and every frame it rejects fails.
 */
export type FieldKind = 'string' | 'number' | 'boolean' | 'string[]';

export interface FieldRule {
  kind: FieldKind;
  required: boolean;
  /** The only values allowed (`z.literal`, `z.enum`). */
  oneOf?: readonly (string | number | boolean)[];
}

/** Per frame type, the rules of its other fields. */
export type FrameRules = Record<string, Record<string, FieldRule>>;

export type FrameCheck = { ok: true; frame: ServerFrame } | { ok: false; problem: string };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keywords that change nothing a frame from JSON.parse could carry. */
const harmless = new Set(['description', 'title', '$schema']);

function unsupported(where: string, node: Json): never {
  throw new Error(`frame rules: ${where} uses JSON Schema the page cannot check: ${JSON.stringify(node)}`);
}

function fieldRule(where: string, node: unknown, required: boolean): FieldRule {
  if (!isObject(node)) throw new Error(`frame rules: ${where} is not a schema`);
  const keys = Object.keys(node).filter((k) => !harmless.has(k));
  const only = (...allowed: string[]): void => {
    if (keys.some((k) => !allowed.includes(k))) unsupported(where, node);
  };
  const choices = 'const' in node ? [node.const] : Array.isArray(node.enum) ? node.enum : undefined;
  if (choices?.some((c) => typeof c !== 'string' && typeof c !== 'number' && typeof c !== 'boolean')) unsupported(where, node);
  const rule = (kind: FieldKind): FieldRule => ({ kind, required, ...(choices ? { oneOf: choices as FieldRule['oneOf'] } : {}) });
  switch (node.type) {
    case 'string':
    case 'number':
    case 'boolean':
      only('type', 'const', 'enum');
      return rule(node.type);
    case 'array':
      only('type', 'items');
      if (!isObject(node.items) || node.items.type !== 'string' || Object.keys(node.items).some((k) => k !== 'type' && !harmless.has(k))) {
        unsupported(where, node);
      }
      return rule('string[]');
    default:
      return unsupported(where, node);
  }
}

/** Rules from the JSON Schema of a union of objects told apart by a constant `type`; throws on anything it could not check as strictly. */
export function rulesFromJsonSchema(schema: unknown): FrameRules {
  const variants = isObject(schema) ? (schema.oneOf ?? schema.anyOf) : undefined;
  if (!Array.isArray(variants)) throw new Error('frame rules: expected a oneOf of frame schemas');
  const rules: FrameRules = {};
  for (const variant of variants) {
    if (!isObject(variant) || variant.type !== 'object' || !isObject(variant.properties)) unsupported('a frame', isObject(variant) ? variant : {});
    const required = Array.isArray(variant.required) ? variant.required : [];
    const { type, ...fields } = variant.properties;
    const name = isObject(type) ? type.const : undefined;
    if (typeof name !== 'string' || !required.includes('type')) unsupported('a frame without a constant type', variant);
    rules[name] = Object.fromEntries(
      Object.entries(fields).map(([field, node]) => [field, fieldRule(`${name}.${field}`, node, required.includes(field))]),
    );
  }
  return rules;
}

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

function fieldProblem(value: unknown, rule: FieldRule): string | undefined {
  if (rule.kind === 'string[]') {
    if (!Array.isArray(value)) return `expected an array of strings, got ${describe(value)}`;
    const bad = value.findIndex((item) => typeof item !== 'string');
    return bad < 0 ? undefined : `item ${bad} is ${describe(value[bad])}, expected a string`;
  }
  // JSON.parse turns 1e999 into Infinity, which the schema's z.number() refuses.
  if (typeof value !== rule.kind || (rule.kind === 'number' && !Number.isFinite(value))) return `expected a ${rule.kind}, got ${describe(value)}`;
  if (rule.oneOf && !rule.oneOf.includes(value as string | number | boolean)) return `expected ${rule.oneOf.map((v) => JSON.stringify(v)).join(' or ')}`;
  return undefined;
}

/**
 * Checks a parsed frame against the rules. Fields the rules list are checked exactly as the
 * schema says; others are kept (zod would drop them), so the page can read the resume fields a
 * server sends before the shared schema lists them.
 */
export function checkFrame(value: unknown, rules: FrameRules): FrameCheck {
  if (!isObject(value)) return { ok: false, problem: `frame: expected an object, got ${describe(value)}` };
  const { type } = value;
  if (typeof type !== 'string') return { ok: false, problem: `type: expected a string, got ${describe(type)}` };
  const fields = Object.hasOwn(rules, type) ? rules[type] : undefined;
  if (!fields) return { ok: false, problem: `type: unknown frame type ${JSON.stringify(type)}` };
  for (const [field, rule] of Object.entries(fields)) {
    const present = Object.hasOwn(value, field);
    if (!present) {
      if (rule.required) return { ok: false, problem: `${field}: required` };
      continue;
    }
    const problem = fieldProblem(value[field], rule);
    if (problem) return { ok: false, problem: `${field}: ${problem}` };
  }
  return { ok: true, frame: value as ServerFrame };
}

/** Parses and checks one text frame; a bad frame is a value, not a throw. */
export function parseServerFrame(text: string, rules: FrameRules): FrameCheck {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  return checkFrame(json, rules);
}
