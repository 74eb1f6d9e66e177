import type { EntryKind } from './log-entry.js';

/** The log's "Show" choices, each a set of entry kinds. */
export const LOG_VIEWS = {
  all: { label: 'All', kinds: undefined },
  messages: { label: 'Messages', kinds: ['broadcast', 'direct', 'sent'] },
  broadcast: { label: 'Broadcasts', kinds: ['broadcast'] },
  direct: { label: 'Direct messages', kinds: ['direct'] },
  sent: { label: 'Sent by me', kinds: ['sent'] },
  problems: { label: 'Errors and kicks', kinds: ['error', 'invalid', 'kicked'] },
  presence: { label: 'Presence', kinds: ['presence'] },
  connection: { label: 'Connection', kinds: ['welcome', 'system'] },
} as const satisfies Record<string, { label: string; kinds: readonly EntryKind[] | undefined }>;

export type LogView = keyof typeof LOG_VIEWS;

export interface LogFilter {
  view: LogView;
  /** Case-insensitive text to find in who or text; blank finds everything. */
  search: string;
}

export interface Searchable {
  kind: EntryKind;
  who?: string;
  text: string;
}

/** Whether an entry is shown under a filter. */
export function matchesFilter(entry: Searchable, filter: LogFilter): boolean {
  const kinds: readonly EntryKind[] | undefined = LOG_VIEWS[filter.view].kinds;
  if (kinds && !kinds.includes(entry.kind)) return false;
  const needle = filter.search.trim().toLowerCase();
  if (!needle) return true;
  return entry.text.toLowerCase().includes(needle) || (entry.who?.toLowerCase().includes(needle) ?? false);
}

export const isLogView = (value: string): value is LogView => Object.hasOwn(LOG_VIEWS, value);
