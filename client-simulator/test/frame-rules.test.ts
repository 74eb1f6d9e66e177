import { z } from 'zod';
import { ServerFrameSchema } from '@cmf/shared/protocol';
import { checkFrame, parseServerFrame, rulesFromJsonSchema, type FieldRule } from '../page/frame-rules.js';

const rules = rulesFromJsonSchema(z.toJSONSchema(ServerFrameSchema));

/** A valid value for a rule, and values of every other JSON shape. */
const valid = (rule: FieldRule): unknown => rule.oneOf?.[0] ?? { string: 'x', number: 1.5, boolean: true, 'string[]': ['a', 'b'] }[rule.kind];
const shapes: unknown[] = [null, 0, -1, 1e999, 'text', '', true, false, [], ['x'], [1], ['x', null], {}, { a: 1 }];

function frameOf(type: string): Record<string, unknown> {
  return { type, ...Object.fromEntries(Object.entries(rules[type]!).map(([field, rule]) => [field, valid(rule)])) };
}

/** Every frame the schema accepts, the page accepts; every frame it rejects, the page rejects. */
function expectSameVerdict(value: unknown): void {
  const zod = ServerFrameSchema.safeParse(value).success;
  const page = checkFrame(value, rules);
  if (page.ok !== zod) throw new Error(`${JSON.stringify(value)}: zod says ${zod}, the page says ${page.ok} (${page.ok ? '' : page.problem})`);
}

test('the rules cover every frame type of the shared schema', () => {
  expect(Object.keys(rules).sort()).toEqual(ServerFrameSchema.options.map((o) => o.shape.type.value).sort());
  expect(rules.kafka).toEqual({
    from: { kind: 'string', required: true },
    message: { kind: 'string', required: true },
    timestamp: { kind: 'number', required: true },
    id: { kind: 'string', required: true },
  });
  expect(rules.error!.field).toEqual({ kind: 'string', required: false });
  expect(rules['client-list']!.clients).toEqual({ kind: 'string[]', required: true });
});

test('the page accepts and rejects exactly what the shared zod schema does', () => {
  let checked = 0;
  for (const value of [...shapes, { type: 'mystery' }, { type: 1 }, { clientId: 'x' }, { type: 'constructor' }, { type: '__proto__' }]) {
    expectSameVerdict(value);
    checked++;
  }
  for (const type of Object.keys(rules)) {
    const frame = frameOf(type);
    expectSameVerdict(frame);
    expectSameVerdict({ ...frame, extra: { nested: true } });
    for (const field of Object.keys(rules[type]!)) {
      const { [field]: _removed, ...without } = frame;
      expectSameVerdict(without);
      for (const shape of shapes) expectSameVerdict({ ...frame, [field]: shape });
      checked += 2 + shapes.length;
    }
  }
  expect(checked).toBeGreaterThan(250);
});

test('extra fields are kept for the page to read (zod would strip them); problems name the field', () => {
  const welcome = { type: 'welcome', clientId: 'client-a-1', resumeToken: 't', resumed: true, complete: false };
  expect(checkFrame(welcome, rules)).toEqual({ ok: true, frame: welcome });
  expect(parseServerFrame('not json', rules)).toEqual({ ok: false, problem: 'not JSON' });
  expect(parseServerFrame('{"type":"mystery"}', rules)).toEqual({ ok: false, problem: 'type: unknown frame type "mystery"' });
  expect(parseServerFrame('[1]', rules)).toEqual({ ok: false, problem: 'frame: expected an object, got array' });
  expect(parseServerFrame('{"type":"kafka","from":"x","message":1,"timestamp":1,"id":"1"}', rules)).toEqual({
    ok: false,
    problem: 'message: expected a string, got number',
  });
  expect(parseServerFrame('{"type":"client-list","clients":["a",2]}', rules)).toEqual({ ok: false, problem: 'clients: item 1 is number, expected a string' });
  expect(parseServerFrame('{"type":"welcome"}', rules)).toEqual({ ok: false, problem: 'clientId: required' });
});

test('literals, enums and booleans are checked too; anything the page could not check as strictly stops the build', () => {
  const schema = z.discriminatedUnion('type', [
    z.object({ type: z.literal('a'), mode: z.enum(['x', 'y']), flag: z.boolean().optional(), exact: z.literal(true) }),
  ]);
  const extended = rulesFromJsonSchema(z.toJSONSchema(schema));
  for (const value of [
    { type: 'a', mode: 'x', exact: true },
    { type: 'a', mode: 'z', exact: true },
    { type: 'a', mode: 'y', exact: false },
    { type: 'a', mode: 'y', exact: true, flag: 'yes' },
    { type: 'a', mode: 'y', exact: true, flag: false },
  ]) {
    expect(checkFrame(value, extended).ok).toBe(schema.safeParse(value).success);
  }
  const refuse = (s: z.ZodType): (() => unknown) => () => rulesFromJsonSchema(z.toJSONSchema(z.discriminatedUnion('type', [s as never])));
  expect(refuse(z.object({ type: z.literal('a'), name: z.string().min(1) }))).toThrow(/a\.name uses JSON Schema the page cannot check/);
  expect(refuse(z.object({ type: z.literal('a'), n: z.number().int() }))).toThrow(/a\.n/);
  expect(refuse(z.object({ type: z.literal('a'), list: z.array(z.number()) }))).toThrow(/a\.list/);
  expect(refuse(z.object({ type: z.literal('a'), nested: z.object({ b: z.string() }) }))).toThrow(/a\.nested/);
  expect(() => rulesFromJsonSchema(z.toJSONSchema(z.object({ type: z.literal('a') })))).toThrow(/oneOf/);
});
