import { formatHktDateTime, formatHktTime } from '../page/hkt-time.js';

test('times are shown in Hong Kong time (UTC+8, no daylight saving), labelled HKT', () => {
  expect(formatHktTime(0)).toBe('08:00:00 HKT');
  expect(formatHktDateTime(0)).toBe('1970-01-01 08:00:00 HKT');
  // 16:30:05 UTC is past midnight in Hong Kong: the date moves on too.
  const lateUtc = Date.UTC(2026, 6, 1, 16, 30, 5);
  expect(formatHktTime(lateUtc)).toBe('00:30:05 HKT');
  expect(formatHktDateTime(lateUtc)).toBe('2026-07-02 00:30:05 HKT');
});
