import { formatPretty } from './log-format.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;
export type LogFormat = 'json' | 'pretty';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

/** Causes followed this deep: enough to reach the broker's own error under ours. */
const MAX_CAUSES = 4;

/** An error as data: what code branches on (`code`, `retriable`), the stack, and its causes. */
export function describeError(err: Error, depth = 0): Record<string, unknown> {
  const described: Record<string, unknown> = { name: err.name, message: err.message };
  const { code, retriable } = err as { code?: unknown; retriable?: unknown };
  if (code !== undefined) described.code = code;
  if (typeof retriable === 'boolean') described.retriable = retriable;
  if (err.stack) described.stack = err.stack;
  if (err.cause !== undefined && depth < MAX_CAUSES) {
    described.cause = err.cause instanceof Error ? describeError(err.cause, depth + 1) : err.cause;
  }
  return described;
}

/** Where a line goes when nothing else is said: logs go to stderr, so stdout stays free for tools. */
const toStderr = (line: string): void => {
  process.stderr.write(line);
};

/**
 * Logs on stderr: one JSON object per line for machines, or, with `pretty`, one readable line per
 * entry (and the stack of any error) for a person at a terminal. LOG_FORMAT=auto picks pretty
 * when stderr is a terminal.
 */
export function createLogger(level: LogLevel = 'info', component = 'cmf', format: LogFormat = 'json', write = toStderr): Logger {
  const threshold = LEVELS[level];
  const log = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields: Record<string, unknown> = {}): void => {
    if (LEVELS[lvl] < threshold) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, component, msg };
    for (const [key, value] of Object.entries(fields)) entry[key] = value instanceof Error ? describeError(value) : value;
    write(format === 'pretty' ? formatPretty(entry, write === toStderr && process.stderr.isTTY) : `${JSON.stringify(entry)}\n`);
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (name) => createLogger(level, name, format, write),
  };
}
