import { parsePosition, stampId, StreamPosition } from '../src/stream-position.js';

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

  test('stampId adds the id as the last field of a rendered frame', () => {
    const stamped = stampId('{"type":"kafka","from":"a","message":"}","timestamp":1}', '7');
    expect(JSON.parse(stamped)).toEqual({ type: 'kafka', from: 'a', message: '}', timestamp: 1, id: '7' });
  });
});
