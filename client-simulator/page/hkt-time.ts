/** Every time on the page is Hong Kong time, as in the original simulator. */
const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Hong_Kong',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function fields(epochMs: number): Record<string, string> {
  return Object.fromEntries(parts.formatToParts(epochMs).map((p) => [p.type, p.value]));
}

/** `21:05:09 HKT` */
export function formatHktTime(epochMs: number): string {
  const f = fields(epochMs);
  return `${f.hour}:${f.minute}:${f.second} HKT`;
}

/** `2026-11-25 21:05:09 HKT` */
export function formatHktDateTime(epochMs: number): string {
  const f = fields(epochMs);
  return `${f.year}-${f.month}-${f.day} ${f.hour}:${f.minute}:${f.second} HKT`;
}
