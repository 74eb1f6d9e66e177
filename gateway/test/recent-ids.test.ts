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

  test('keeps the most recent `capacity` ids and forgets the oldest first', () => {
    const ids = new RecentIds(3);
    for (const id of ['a', 'b', 'c', 'd']) expect(ids.add(id)).toBe(true);
    // 'a' was evicted by 'd'; 'b', 'c', 'd' are still remembered.
    expect(ids.add('b')).toBe(false);
    expect(ids.add('c')).toBe(false);
    expect(ids.add('d')).toBe(false);
    expect(ids.add('a')).toBe(true);
    // Re-adding 'a' evicted 'b', the oldest.
    expect(ids.add('b')).toBe(true);
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
