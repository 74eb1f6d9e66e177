import { CloseCodes } from '@cmf/shared/protocol';
import { BACKOFF, backoffDelay, nextAttempt, RESUMED_ELSEWHERE, shouldReconnect, type CloseFacts } from '../page/reconnect-policy.js';

const closed = (code: number, more: Partial<CloseFacts> = {}): boolean =>
  shouldReconnect({ code, byUser: false, opened: true, retrying: false, ...more });

test('reconnects after network loss, shutdown, restart, server errors, an oversize frame and a slow read', () => {
  for (const code of [1001, 1005, 1006, 1011, 1012, 1013, 1014, CloseCodes.messageTooBig, CloseCodes.slowConsumer]) {
    expect([code, closed(code)]).toEqual([code, true]);
  }
});

test('not after Disconnect, a kick, a policy refusal, a normal close, a resume elsewhere or unknown application codes', () => {
  expect(closed(1006, { byUser: true })).toBe(false);
  for (const code of [1000, 1002, 1003, 1007, 1008, 1010, CloseCodes.kicked, RESUMED_ELSEWHERE, 4999, 3000]) {
    expect([code, closed(code)]).toEqual([code, false]);
  }
});

test("the user's own Connect that never opened is not retried; a retry that never opened is", () => {
  expect(closed(1006, { opened: false })).toBe(false);
  expect(closed(1006, { opened: false, retrying: true })).toBe(true);
});

test('backoff doubles from 500 ms to 30 s, with the random half as jitter', () => {
  expect([1, 2, 3, 4].map((n) => backoffDelay(n, () => 1))).toEqual([500, 1000, 2000, 4000]);
  expect([1, 2, 3, 4].map((n) => backoffDelay(n, () => 0))).toEqual([250, 500, 1000, 2000]);
  expect(backoffDelay(7, () => 1)).toBe(BACKOFF.maxMs);
  expect(backoffDelay(60, () => 0.5)).toBe(22_500);
  // Spread: 1,000 clients reconnecting at attempt 3 land between 1 and 2 s, not at one instant.
  const delays = Array.from({ length: 1000 }, () => backoffDelay(3));
  expect(Math.min(...delays)).toBeGreaterThanOrEqual(1000);
  expect(Math.max(...delays)).toBeLessThanOrEqual(2000);
  expect(new Set(delays).size).toBeGreaterThan(100);
});

test('the attempt count starts over only after a connection that stayed open long enough', () => {
  expect(nextAttempt(0, undefined)).toBe(1);
  expect(nextAttempt(3, undefined)).toBe(4);
  expect(nextAttempt(3, BACKOFF.stableMs - 1)).toBe(4);
  expect(nextAttempt(6, BACKOFF.stableMs)).toBe(1);
});
