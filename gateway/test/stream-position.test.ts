import { parsePosition, StreamPosition } from '../src/stream-position.js';
import { textFrame } from '../src/text-frame.js';

describe('StreamPosition and frame ids', () => {
  test('with one partition an id is the offset after the frame', () => {
    const position = new StreamPosition(new Map([[0, '41']]));
    expect(position.after(0, 41)).toBe('42');
    position.advance(0, 42);
    expect(position.toString()).toBe('42');
    expect(position.covers([42])).toBe(true);
    expect(position.covers([43])).toBe(false);
  });

  test('with several, every partition: the frame’s own just after it, the others where the gateway stands', () => {
    const position = new StreamPosition(new Map([[0, '5'], [1, '0'], [2, '9']]));
    expect(position.after(1, 3)).toBe('5.4.9');
    position.advance(1, 4);
    position.advance(0, 2);
    expect(position.snapshot()).toEqual([5, 4, 9]);
    expect(position.covers([5, 4, 9])).toBe(true);
    expect(position.covers([5, 5, 0])).toBe(false);
  });

  test.each([
    ['42', 1, [42]],
    ['5.4.9', 3, [5, 4, 9]],
    ['5.4', 3, undefined],
    ['42', 3, undefined],
    ['-1', 1, undefined],
    ['1e3', 1, undefined],
    ['', 1, undefined],
    ['99999999999999999999', 1, undefined],
  ])('parsePosition(%j, %i) is %j', (text, partitions, expected) => {
    expect(parsePosition(text, partitions)).toEqual(expected);
  });

  test.each([
    ['a short frame (7-bit length)', 'hé'],
    ['a frame of 16-bit length', 'x'.repeat(300)],
    ['a frame of 64-bit length', 'é'.repeat(40_000)],
  ])('textFrame frames %s with the id as its last field, lengths in bytes', (_name, message) => {
    const rendered = Buffer.from(JSON.stringify({ type: 'kafka', from: 'a', message: `${message}}`, timestamp: 1 }));
    const framed = textFrame(rendered, '12.0.7');
    const n = framed[1]! & 0x7f;
    const [length, header] = n < 126 ? [n, 2] : n === 126 ? [framed.readUInt16BE(2), 4] : [Number(framed.readBigUInt64BE(2)), 10];
    expect(framed[0]).toBe(0x81);
    expect(length).toBe(framed.length - header);
    expect(JSON.parse(framed.subarray(header).toString('utf8'))).toEqual({ type: 'kafka', from: 'a', message: `${message}}`, timestamp: 1, id: '12.0.7' });
    expect(textFrame(rendered).subarray(textFrame(rendered).length - rendered.length)).toEqual(rendered);
  });
});
