import { RecentIds } from '../src/recent-ids.js';

describe('RecentIds', () => {
  test('add() is true for a new id and false for one already there', () => {
    const ids = new RecentIds(10);
    expect(ids.add('0-1-1')).toBe(true);
    expect(ids.add('0-1-2')).toBe(true);
    expect(ids.add('0-1-1')).toBe(false);
    expect(ids.add('0-1-1')).toBe(false);
    expect(ids.add('0-1-2')).toBe(false);
  });

  test('keeps at least the last `capacity` ids, at most twice as many, and forgets the oldest first', () => {
    const ids = new RecentIds(3);
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) expect(ids.add(id)).toBe(true);
    // Six kept: the older generation (a, b, c) goes whole when the newer (d, e, f) is full.
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) expect(ids.add(id)).toBe(false);
    expect(ids.add('g')).toBe(true);
    for (const id of ['d', 'e', 'f', 'g']) expect(ids.add(id)).toBe(false);
    expect(ids.add('a')).toBe(true);
  });

  test('at any moment the last `capacity` ids are all remembered', () => {
    const ids = new RecentIds(50);
    for (let i = 0; i < 1000; i += 1) {
      ids.add(`id-${i}`);
      for (let back = 0; back < 50 && back <= i; back += 7) expect(ids.firstSeen(`id-${i - back}`)).toBe('');
    }
    // And nothing older than twice the capacity.
    expect(ids.firstSeen('id-899')).toBeUndefined();
  });

  test('a repeat does not count as an addition, so it evicts nothing', () => {
    const ids = new RecentIds(2);
    ids.add('x');
    ids.add('y');
    expect(ids.add('y')).toBe(false);
    expect(ids.add('x')).toBe(false);
  });

  test('holds many ids at its capacity', () => {
    const ids = new RecentIds(1000);
    for (let i = 0; i < 1000; i += 1) ids.add(`id-${i}`);
    let repeats = 0;
    for (let i = 0; i < 1000; i += 1) if (!ids.add(`id-${i}`)) repeats += 1;
    expect(repeats).toBe(1000);
  });

  test('remembers where each id was first seen; a repeat does not move it', () => {
    const ids = new RecentIds(10);
    ids.add('cmd-1', '0:5');
    ids.add('cmd-1', '0:9');
    expect(ids.firstSeen('cmd-1')).toBe('0:5');
    expect(ids.firstSeen('cmd-2')).toBeUndefined();
  });
});
