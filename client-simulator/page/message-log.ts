import { el } from './dom.js';
import { formatHktDateTime, formatHktTime } from './hkt-time.js';
import type { LogEntry } from './log-entry.js';

/** Older entries beyond this are dropped, so a busy channel cannot grow the page without bound. */
const MAX_ENTRIES = 500;

/** The message log: newest entry first, so it is always in view. */
export class MessageLog {
  constructor(private readonly list: HTMLOListElement) {}

  add(entry: LogEntry): void {
    const item = el('li', `entry entry--${entry.kind}`);
    item.dataset.kind = entry.kind;
    const time = el('time', 'entry__time', formatHktTime(entry.at));
    time.dateTime = new Date(entry.at).toISOString();
    time.title = formatHktDateTime(entry.at);
    item.append(time, el('span', 'entry__kind', entry.kind));
    if (entry.who) item.append(el('span', 'entry__who', entry.who));
    item.append(el('span', 'entry__text', entry.text));
    this.list.prepend(item);
    while (this.list.childElementCount > MAX_ENTRIES) this.list.lastElementChild?.remove();
  }

  clear(): void {
    this.list.replaceChildren();
  }
}
