import { CLIENT_FRAME_TYPES, parseClientFrame, type FrameProblem } from '@cmf/shared';

const problemOf = (text: string): FrameProblem => {
  const parsed = parseClientFrame(text);
  if (parsed.ok) throw new Error(`expected ${text} to be rejected, got ${JSON.stringify(parsed.frame)}`);
  return parsed.problem;
};

const json = (value: unknown): string => JSON.stringify(value);

describe('parseClientFrame', () => {
  describe('accepts every client frame type of the original protocol', () => {
    test.each([
      [{ type: 'broadcast-all', message: 'hi' }],
      [{ type: 'broadcast', message: 'hi' }],
      [{ type: 'broadcast-one', targetId: 'client-a-1', message: 'psst' }],
      [{ type: 'kick-one', targetId: 'client-a-2' }],
      [{ type: 'kick-all' }],
    ])('%j', (frame) => {
      expect(parseClientFrame(json(frame))).toEqual({ ok: true, frame });
    });

    test('keeps "broadcast" as its own type: it is an alias the worker handles like broadcast-all', () => {
      const parsed = parseClientFrame(json({ type: 'broadcast', message: 'm' }));
      expect(parsed.ok && parsed.frame.type).toBe('broadcast');
    });

    test('an empty message is a valid message', () => {
      expect(parseClientFrame(json({ type: 'broadcast-all', message: '' }))).toEqual({
        ok: true,
        frame: { type: 'broadcast-all', message: '' },
      });
    });

    test('extra fields are allowed (and do not reach the frame)', () => {
      const parsed = parseClientFrame(json({ type: 'broadcast-one', targetId: 't', message: 'm', extra: 1, nested: { a: [] } }));
      expect(parsed).toEqual({ ok: true, frame: { type: 'broadcast-one', targetId: 't', message: 'm' } });
    });
  });

  describe('text that is not a JSON object → "Invalid message format"', () => {
    test.each(['not json', '{"type":', '', '   ', 'undefined', "{'type':'kick-all'}"])('non-JSON %j', (text) => {
      expect(problemOf(text)).toEqual({ code: 'invalid-format', message: 'Invalid message format' });
    });

    test.each(['null', '42', '"kick-all"', 'true', '[]', '[{"type":"kick-all"}]'])('JSON that is not an object: %s', (text) => {
      expect(problemOf(text)).toEqual({ code: 'invalid-format', message: 'Invalid message format' });
    });
  });

  describe('an unknown type → "Unknown command"', () => {
    test.each(['hello', 'BROADCAST', 'kick', 'broadcast_all', '', 'toString', '__proto__', 'welcome', 'kicked'])('%j', (type) => {
      expect(problemOf(json({ type, message: 'x', targetId: 'y' }))).toEqual({
        code: 'unknown-command',
        message: 'Unknown command',
      });
    });
  });

  describe('missing or wrongly typed fields → invalid-field naming the field', () => {
    test.each([
      ['missing type', {}, 'type'],
      ['type is a number', { type: 7 }, 'type'],
      ['type is null', { type: null }, 'type'],
      ['type is an array', { type: ['kick-all'] }, 'type'],
      ['broadcast-all without message', { type: 'broadcast-all' }, 'message'],
      ['broadcast without message', { type: 'broadcast' }, 'message'],
      ['broadcast with a numeric message', { type: 'broadcast', message: 12 }, 'message'],
      ['broadcast-all with a null message', { type: 'broadcast-all', message: null }, 'message'],
      ['broadcast-all with an object message', { type: 'broadcast-all', message: { text: 'x' } }, 'message'],
      ['broadcast-one without targetId', { type: 'broadcast-one', message: 'm' }, 'targetId'],
      ['broadcast-one with a numeric targetId', { type: 'broadcast-one', targetId: 3, message: 'm' }, 'targetId'],
      ['broadcast-one with an empty targetId', { type: 'broadcast-one', targetId: '', message: 'm' }, 'targetId'],
      ['broadcast-one without message', { type: 'broadcast-one', targetId: 't' }, 'message'],
      ['kick-one without targetId', { type: 'kick-one' }, 'targetId'],
      ['kick-one with a boolean targetId', { type: 'kick-one', targetId: true }, 'targetId'],
      ['kick-one with an empty targetId', { type: 'kick-one', targetId: '' }, 'targetId'],
    ])('%s', (_name, frame, field) => {
      const problem = problemOf(json(frame));
      expect(problem.code).toBe('invalid-field');
      expect(problem.field).toBe(field);
      expect(problem.message).toContain(`"${field}"`);
    });

    test('the message says what was wrong', () => {
      expect(problemOf(json({ type: 'kick-one' })).message).toBe('Invalid field "targetId": required, expected a string');
      expect(problemOf(json({ type: 'kick-one', targetId: '' })).message).toBe(
        'Invalid field "targetId": expected a non-empty string',
      );
      expect(problemOf(json({ type: 'broadcast', message: 5 })).message).toBe('Invalid field "message": expected a string, got number');
      expect(problemOf(json({ type: 'broadcast', message: null })).message).toBe('Invalid field "message": expected a string, got null');
      expect(problemOf(json({ type: 1 })).message).toBe('Invalid field "type": expected a string');
    });
  });
});

test('the known frame types are read off the union', () => {
  expect([...CLIENT_FRAME_TYPES].sort()).toEqual(['broadcast', 'broadcast-all', 'broadcast-one', 'kick-all', 'kick-one']);
});
