import { CmfError, createLogger, encodeRecord, type Batch } from '@cmf/shared';
import { Outputs } from '../src/outputs.js';
import { deadLetterOf, isolatePoison } from '../src/poison.js';

const batchOf = (values: (string | null)[], key: string | null = 'client-g-1'): Batch => ({
  topic: 'ws-in',
  partition: 3,
  attempt: 3,
  records: values.map((v, i) => ({ key, value: v === null ? null : Buffer.from(v), offset: String(40 + i), timestamp: 0 })),
});

/** What the dead letter costs in a produce request, counted as the pipeline counts it. */
const cost = (letter: { key: string; value: object }): number => 70 + Buffer.byteLength(letter.key) + encodeRecord(letter.value).length;

describe('dead letters', () => {
  test('a dead letter names the error, its code and where the record was, and keeps a small record whole', () => {
    const batch = batchOf(['{"kind":"nope"}']);
    const letter = deadLetterOf(batch, batch.records[0]!, new CmfError('invalid-record', 'record field kind: bad'), 1_000_000);
    expect(letter).toEqual({
      key: 'client-g-1',
      value: { error: 'record field kind: bad', code: 'invalid-record', source: { topic: 'ws-in', partition: 3, offset: '40', key: 'client-g-1' }, value: '{"kind":"nope"}' },
    });
  });

  test.each([
    ['plain text', 'p'.repeat(70_000)],
    ['characters JSON escapes to 6 bytes', '\u0001'.repeat(70_000)],
    ['multi-byte characters', '€'.repeat(70_000)],
  ])('a large record (%s) is cut so that its dead letter fits in one request', (_, value) => {
    const batch = batchOf([value], 'k'.repeat(5000));
    for (const maxBytes of [4096, 16_384, 1_000_000]) {
      const letter = deadLetterOf(batch, batch.records[0]!, new Error('x'.repeat(5000)), maxBytes);
      expect(cost(letter)).toBeLessThanOrEqual(maxBytes);
      expect(letter.value).toMatchObject({ truncated: true, source: { offset: '40' } });
      expect(String((letter.value as { value: string }).value).length).toBeGreaterThan(0);
    }
  });

  test('isolatePoison: records that fail for good are dead-lettered one by one, the others processed in order', async () => {
    const batch = batchOf(['ok-1', 'poison', 'ok-2']);
    const processed: string[] = [];
    const dead: Outputs[] = [];
    const run = async (b: Batch): Promise<Outputs> => {
      const value = b.records[0]!.value!.toString();
      if (value === 'poison') throw new CmfError('record-too-large', 'too large');
      processed.push(value);
      return new Outputs();
    };
    const done = await isolatePoison(batch, run, async (o) => void dead.push(o), createLogger('silent'), 16_384);
    expect(processed).toEqual(['ok-1', 'ok-2']);
    expect(done).toHaveLength(3);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!.deadLetters[0]!.value!.toString())).toMatchObject({ code: 'record-too-large', source: { offset: '41' }, value: 'poison' });
  });

  test('isolatePoison stops at a retriable failure: the batch is handed again later', async () => {
    const batch = batchOf(['ok-1', 'later']);
    const run = async (b: Batch): Promise<Outputs> => {
      if (b.records[0]!.value!.toString() === 'later') throw new CmfError('bus-unavailable', 'down');
      return new Outputs();
    };
    await expect(isolatePoison(batch, run, async () => undefined, createLogger('silent'), 16_384)).rejects.toMatchObject({ code: 'bus-unavailable' });
  });
});
