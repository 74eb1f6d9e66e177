/** Number formats of the report tables. */

const missing = '—';

const finite = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);

export function fmtCount(x: number | undefined): string {
  if (!finite(x)) return missing;
  const abs = Math.abs(x);
  if (abs >= 1e6) return `${(x / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${Math.round(x / 1e3)}k`;
  return String(Math.round(x));
}

export function fmtMs(x: number | undefined): string {
  if (!finite(x)) return missing;
  if (x >= 100) return String(Math.round(x));
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

export function fmtBytes(x: number | undefined): string {
  if (!finite(x)) return missing;
  if (x >= 1e9) return `${(x / 1e9).toFixed(1)} GB`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(1)} MB`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} kB`;
  return `${x} B`;
}

export function fmtNum(x: number | undefined, digits = 1): string {
  return finite(x) ? x.toFixed(digits) : missing;
}

export function fmtCodes(codes: Record<string, number>): string {
  const entries = Object.entries(codes).filter(([, n]) => n > 0);
  return entries.length === 0 ? '0' : entries.map(([code, n]) => `${n}×${code}`).join(' ');
}

export function median(xs: (number | undefined)[]): number | undefined {
  const v = xs.filter(finite).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1]! + v[mid]!) / 2;
}

export function fmtRatio(x: number | undefined): string {
  if (!finite(x)) return missing;
  return `${x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3)}×`;
}

export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
