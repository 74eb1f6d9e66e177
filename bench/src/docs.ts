import { readFileSync, writeFileSync } from 'node:fs';

const BEGIN = '<!-- bench:results:begin -->';
const END = '<!-- bench:results:end -->';

/** Replaces what lies between the two markers of docs/benchmarks.md with `text`. */
export function updateDocs(path: string, text: string): void {
  const doc = readFileSync(path, 'utf8');
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`${path} has no ${BEGIN} … ${END} section to replace`);
  writeFileSync(path, `${doc.slice(0, begin + BEGIN.length)}\n\n${text}\n\n${doc.slice(end)}`);
}
