import { inspect } from 'node:util';

const COLOURS: Record<string, string> = { debug: '\x1b[90m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };
const DIM = '\x1b[2m';

const value = (v: unknown): string => (typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : inspect(v, { breakLength: Infinity, depth: 3 }));

/** An error's stack (which starts with its message), then each cause's, indented. */
function errorLines(err: Record<string, unknown>, indent = '    '): string[] {
  const head = typeof err.stack === 'string' ? err.stack : `${String(err.name)}: ${String(err.message)}`;
  const lines = head.split('\n').map((l, i) => `${indent}${i === 0 ? l : `  ${l.trim()}`}`);
  if (err.code !== undefined) lines[0] += ` [${String(err.code)}${err.retriable === true ? ', retriable' : ''}]`;
  const cause = err.cause;
  if (cause && typeof cause === 'object') lines.push(`${indent}caused by:`, ...errorLines(cause as Record<string, unknown>, `${indent}  `));
  return lines;
}

/**
 * `12:04:05.120 INFO  gateway  gateway started gateway=abc` and, under it, any error's stack;
 * coloured by level for a terminal.
 */
export function formatPretty(entry: Record<string, unknown>, colours: boolean): string {
  const { time, level, component, msg, ...fields } = entry;
  const paint = (code: string, text: string): string => (colours ? `${code}${text}\x1b[0m` : text);
  const clock = String(time).slice(11, 23);
  const errors: string[] = [];
  const pairs: string[] = [];
  for (const [key, v] of Object.entries(fields)) {
    if (v && typeof v === 'object' && 'message' in v && 'name' in v) {
      pairs.push(`${key}=${value((v as { message: unknown }).message)}`);
      errors.push(...errorLines(v as Record<string, unknown>));
    } else {
      pairs.push(`${key}=${value(v)}`);
    }
  }
  const head = `${paint(DIM, clock)} ${paint(COLOURS[String(level)] ?? '', String(level).toUpperCase().padEnd(5))} ${paint(DIM, String(component))}  ${String(msg)}`;
  return `${[head, ...pairs].join(' ')}\n${errors.map((l) => `${paint(DIM, l)}\n`).join('')}`;
}
