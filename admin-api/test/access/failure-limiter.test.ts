import { FailureLimiter } from '../../src/access/failure-limiter.js';

const clock = () => {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

test('refuses an address from its limit-th failure until the window that began with its first failure ends', () => {
  const t = clock();
  const limiter = new FailureLimiter(3, 60_000, 100, t.now);
  limiter.fail('a');
  t.advance(10_000);
  limiter.fail('a');
  expect(limiter.retryAfterMs('a')).toBe(0);
  limiter.fail('a');
  expect(limiter.retryAfterMs('a')).toBe(50_000);
  expect(limiter.retryAfterMs('b')).toBe(0);
  t.advance(49_999);
  expect(limiter.retryAfterMs('a')).toBe(1);
  t.advance(1);
  expect(limiter.retryAfterMs('a')).toBe(0);
  limiter.fail('a');
  expect(limiter.retryAfterMs('a')).toBe(0);
});

test('keeps at most maxTracked addresses, dropping expired windows first, then the oldest', () => {
  const t = clock();
  const limiter = new FailureLimiter(1, 1_000, 3, t.now);
  for (const key of ['a', 'b', 'c']) limiter.fail(key);
  expect(limiter.tracked).toBe(3);
  limiter.fail('d');
  expect(limiter.tracked).toBe(3);
  expect(limiter.retryAfterMs('a')).toBe(0);
  expect(limiter.retryAfterMs('d')).toBeGreaterThan(0);
  t.advance(1_000);
  limiter.fail('e');
  expect(limiter.tracked).toBe(1);
});

test('100,000 addresses failing once each leave the map at its bound', () => {
  const limiter = new FailureLimiter(10, 60_000, 10_000);
  for (let i = 0; i < 100_000; i++) limiter.fail(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
  expect(limiter.tracked).toBe(10_000);
});
