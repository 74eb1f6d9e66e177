/**
 * Generated client frames for the fuzz test, each with the answer the gateway owes it: an error
 * frame (with its code when it is certain), the sender's own broadcast coming back, or the close
 * code it ends the connection with. Deterministic for a seed, so a failure can be replayed.
 */

export type Expectation = { error: string | undefined } | { echo: string } | { close: number };

export interface FuzzCase {
  category: string;
  data: Buffer;
  binary?: boolean;
  /** Sent as a message of this many fragments. */
  fragments?: number;
  expect: Expectation;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const isUtf8 = (b: Buffer): boolean => {
  try {
    utf8.decode(b);
    return true;
  } catch {
    return false;
  }
};

/** What the server answers a text frame that is valid UTF-8, by the protocol's rules. */
function answerTo(text: string): Expectation {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'invalid-format' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { error: 'invalid-format' };
  const frame = json as Record<string, unknown>;
  if (typeof frame.type !== 'string') return { error: 'invalid-field' };
  switch (frame.type) {
    case 'broadcast':
    case 'broadcast-all':
      return typeof frame.message === 'string' ? { echo: frame.message } : { error: 'invalid-field' };
    case 'broadcast-one':
      if (typeof frame.targetId !== 'string' || frame.targetId === '') return { error: 'invalid-field' };
      if (typeof frame.message !== 'string') return { error: 'invalid-field' };
      return { error: 'unknown-target' };
    case 'kick-one':
      // Kicks are refused before the target is looked up (the fuzz server disables them).
      return typeof frame.targetId === 'string' && frame.targetId !== '' ? { error: 'forbidden' } : { error: 'invalid-field' };
    case 'kick-all':
      return { error: 'forbidden' };
    default:
      return { error: 'unknown-command' };
  }
}

const TYPES = ['broadcast', 'broadcast-all', 'broadcast-one', 'kick-one', 'kick-all'];
const FIELDS: Record<string, string[]> = {
  broadcast: ['type', 'message'],
  'broadcast-all': ['type', 'message'],
  'broadcast-one': ['type', 'targetId', 'message'],
  'kick-one': ['type', 'targetId'],
  'kick-all': ['type'],
};
const WRONG: unknown[] = [0, -0, 1.5, 1e308, -1, true, false, null, [], [1, 'a'], {}, { a: 1 }, '', ' ', 'x'];
const WEIRD_TEXT = ['', ' ', '\u0000', '\ud800', '\udfff\ud800', '😀', 'é', '\u202e', '<script>alert(1)</script>', '"\\', 'ﬀ'.repeat(50)];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

export interface Generator {
  next(): FuzzCase;
}

/** Cases over every category, in proportions that keep closes (and so reconnects) a minority. */
export function generator(seed: number, maxPayload: number): Generator {
  const r = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
  const int = (n: number): number => Math.floor(r() * n);
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
  const word = (): string => Math.floor(r() * 1e9).toString(36);
  const text = (t: string): FuzzCase['data'] => Buffer.from(t);
  const valid = (type: string): Record<string, unknown> => {
    const frame: Record<string, unknown> = { type };
    if (FIELDS[type]!.includes('targetId')) frame.targetId = `client-nobody-${word()}`;
    if (FIELDS[type]!.includes('message')) frame.message = `${word()} ${pick(WEIRD_TEXT)}`;
    return frame;
  };
  const judged = (category: string, t: string): FuzzCase => ({ category, data: text(t), expect: answerTo(t) });
  /** A valid broadcast of exactly `size` bytes (ASCII padding). */
  const sized = (size: number): string => {
    const head = `{"type":"broadcast","message":"${word()}`;
    return `${head}${'x'.repeat(size - head.length - 2)}"}`;
  };

  const categories: [number, string, () => FuzzCase][] = [
    [4, 'random bytes, binary frame', () => ({ category: 'random bytes, binary frame', data: bytes(1 + int(200)), binary: true, expect: { close: 1003 } })],
    [4, 'random bytes, text frame', () => {
      const data = bytes(1 + int(200));
      return { category: 'random bytes, text frame', data, expect: isUtf8(data) ? answerTo(data.toString()) : { close: 1007 } };
    }],
    [3, 'invalid UTF-8 in a text frame', () => {
      const good = Buffer.from(JSON.stringify(valid(pick(TYPES))));
      const at = int(good.length);
      const bad = pick([[0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]]);
      return { category: 'invalid UTF-8 in a text frame', data: Buffer.concat([good.subarray(0, at), Buffer.from(bad), good.subarray(at)]), expect: { close: 1007 } };
    }],
    [12, 'truncated JSON', () => {
      const full = JSON.stringify(valid(pick(TYPES)));
      return judged('truncated JSON', full.slice(0, int(full.length)));
    }],
    [2, '10,000-deep JSON', () => {
      const depth = 10_000;
      const deep = pick([
        () => '['.repeat(depth) + ']'.repeat(depth),
        () => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
        () => `{"type":"broadcast","message":${'['.repeat(depth)}${']'.repeat(depth)}}`,
        () => `{"type":${'{"t":'.repeat(depth)}0${'}'.repeat(depth)}}`,
        () => '['.repeat(depth),
      ])();
      return judged('10,000-deep JSON', deep);
    }],
    [3, 'huge strings', () => {
      const size = maxPayload - 100 - int(2000);
      const filler = pick(['x', 'é', '\\u0000', '\\"', '😀', '\\ud800']);
      const unit = Buffer.byteLength(filler);
      const message = filler.repeat(Math.floor((size - 40) / unit));
      return judged('huge strings', pick([`{"type":"broadcast","message":"${message}"}`, `{"type":"${message}"}`, `{"type":"broadcast-one","targetId":"${message}","message":"m"}`]));
    }],
    [20, 'wrong types', () => {
      const frame = valid(pick(TYPES));
      const field = pick(FIELDS[frame.type as string]!);
      frame[field] = pick(WRONG);
      return judged('wrong types', JSON.stringify(frame));
    }],
    [10, '__proto__ and constructor keys', () => {
      const key = pick(PROTO_KEYS);
      const inner = JSON.stringify(valid(pick(TYPES)));
      return judged(
        '__proto__ and constructor keys',
        pick([
          `{"${key}":${inner}}`,
          `{"type":"broadcast","message":"m","${key}":{"type":"kick-all","message":1}}`,
          `{"${key}":{"message":"polluted"},"type":"broadcast"}`,
          `{"type":"${key}"}`,
          `{"type":"broadcast-one","targetId":"${key}","message":"m"}`,
          `{"type":"kick-one","targetId":"${key}"}`,
          `{"type":"broadcast","message":"m","constructor":{"prototype":{"isAdmin":true}}}`,
        ]),
      );
    }],
    [15, 'every field missing in turn', () => {
      const frame = valid(pick(TYPES));
      delete frame[pick(Object.keys(frame))];
      return judged('every field missing in turn', JSON.stringify(frame));
    }],
    [15, 'valid frames of every type', () => judged('valid frames of every type', JSON.stringify(valid(pick(TYPES))))],
    [6, 'not an object', () => judged('not an object', pick(['', ' ', 'null', 'true', '0', '-1e999', '"text"', '[]', '[{"type":"broadcast","message":"m"}]', '{}', '{"type":null}', 'NaN', 'undefined', '\u0000']))],
    [2, 'at the size limit', () => judged('at the size limit', sized(maxPayload))],
    [2, 'one byte over the size limit', () => ({ category: 'one byte over the size limit', data: text(sized(maxPayload + 1)), expect: { close: 1009 } })],
    [1, 'fragmented', () => {
      const t = JSON.stringify(valid('broadcast'));
      return { category: 'fragmented', data: text(t), fragments: 2 + int(20), expect: answerTo(t) };
    }],
    [1, 'too many fragments', () => ({ category: 'too many fragments', data: text(sized(2000)), fragments: 1025, expect: { close: 1008 } })],
  ];
  const total = categories.reduce((sum, [weight]) => sum + weight, 0);
  return {
    next() {
      let x = r() * total;
      for (const [weight, , make] of categories) {
        x -= weight;
        if (x < 0) return make();
      }
      return categories[0]![2]();
    },
  };
}
