import { el } from './dom.js';
import { utf8Bytes } from './frame-size.js';
import { formatHktDateTime, formatHktTime } from './hkt-time.js';
import type { LogEntry } from './log-entry.js';
import { matchesFilter, type LogFilter } from './log-filter.js';
import { prettyRaw } from './pretty-raw.js';
import { formatBytes, previewText } from './text-preview.js';

/** Older entries beyond this are dropped, so a busy channel cannot grow the page without bound. */
export const MAX_ENTRIES = 500;

/**
 * The message log: newest entry first, scrolling inside its own box. Entries arriving together
 * are drawn once per animation frame (a burst of thousands costs one layout, and only the newest
 * MAX_ENTRIES are ever built). Long texts show their start with "Show all"; every frame entry
 * can show its raw JSON with a copy button. Keyboard: the list is one tab stop, arrows move
 * between entries, Enter opens the JSON.
 */
export class MessageLog {
  private queue: LogEntry[] = [];
  private scheduled = false;
  private filter: LogFilter = { view: 'all', search: '' };
  private readonly entries = new WeakMap<Element, LogEntry>();

  constructor(
    private readonly list: HTMLOListElement,
    private readonly counter: HTMLElement,
    private readonly onDrawn: (count: number) => void = () => {},
  ) {
    list.addEventListener('keydown', (event) => this.onKey(event));
    list.addEventListener('click', (event) => this.onClick(event));
  }

  add(entry: LogEntry): void {
    this.queue.push(entry);
    if (this.queue.length > MAX_ENTRIES) this.queue.splice(0, this.queue.length - MAX_ENTRIES);
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => this.flush());
    }
  }

  setFilter(filter: LogFilter): void {
    this.filter = filter;
    for (const item of this.list.children) {
      const entry = this.entries.get(item);
      if (entry) (item as HTMLElement).hidden = !matchesFilter(entry, filter);
    }
    this.count();
  }

  clear(): void {
    this.queue = [];
    this.list.replaceChildren();
    this.count();
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    const fragment = document.createDocumentFragment();
    for (let i = batch.length - 1; i >= 0; i--) fragment.append(this.render(batch[i]!));
    this.list.prepend(fragment);
    while (this.list.childElementCount > MAX_ENTRIES) this.list.lastElementChild!.remove();
    this.count();
    this.onDrawn(batch.length);
  }

  private render(entry: LogEntry): HTMLLIElement {
    const item = el('li', `entry entry--${entry.kind}`);
    item.dataset.kind = entry.kind;
    item.tabIndex = -1;
    this.entries.set(item, entry);
    const time = el('time', 'entry__time', formatHktTime(entry.at));
    time.dateTime = new Date(entry.at).toISOString();
    time.title = formatHktDateTime(entry.at);
    item.append(time, el('span', 'entry__kind', entry.kind));
    if (entry.who) item.append(el('span', 'entry__who', entry.who));
    const badges = el('span', 'entry__badges');
    if (entry.replayed) badges.append(el('span', 'badge badge--replayed', 'replayed'));
    if (entry.latencyMs !== undefined) {
      const latency = el('span', 'badge badge--latency', `${Math.round(entry.latencyMs)} ms`);
      latency.title = 'Sent → echoed';
      badges.append(latency);
    }
    item.append(badges);
    if (entry.raw !== undefined) {
      const json = el('button', 'entry__json', '{ }');
      json.type = 'button';
      json.tabIndex = -1;
      json.title = 'Show the raw JSON';
      json.setAttribute('aria-expanded', 'false');
      item.append(json);
    }
    const preview = previewText(entry.text);
    item.append(el('span', 'entry__text', preview.text));
    if (preview.truncated) {
      const more = el('button', 'entry__more link', `Show all (${formatBytes(utf8Bytes(entry.text))})`);
      more.type = 'button';
      // Keyboard users get the whole frame from the JSON view (Enter): one tab stop for the log.
      more.tabIndex = -1;
      item.append(more);
    }
    item.hidden = !matchesFilter(entry, this.filter);
    return item;
  }

  private count(): void {
    const total = this.list.childElementCount;
    const filtered = this.filter.view !== 'all' || this.filter.search.trim() !== '';
    const shown = filtered ? [...this.list.children].filter((c) => !(c as HTMLElement).hidden).length : total;
    this.counter.textContent = filtered ? `${shown} of ${total}` : String(total);
  }

  private toggleText(item: HTMLElement, button: HTMLButtonElement): void {
    const entry = this.entries.get(item);
    const text = item.querySelector('.entry__text');
    if (!entry || !text) return;
    const full = button.dataset.full !== 'true';
    text.textContent = full ? entry.text : previewText(entry.text).text;
    button.dataset.full = String(full);
    button.textContent = full ? 'Show less' : `Show all (${formatBytes(utf8Bytes(entry.text))})`;
  }

  /** Opens or closes the raw JSON of an entry. */
  toggleRaw(item: HTMLElement): void {
    const entry = this.entries.get(item);
    const button = item.querySelector<HTMLButtonElement>('.entry__json');
    if (entry?.raw === undefined || !button) return;
    const open = item.querySelector('.entry__raw');
    if (open) {
      open.remove();
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    const raw = entry.raw;
    const box = el('div', 'entry__raw');
    const copy = el('button', 'copy', 'Copy');
    copy.type = 'button';
    copy.title = 'Copy the frame exactly as it went over the wire';
    copy.addEventListener('click', () => {
      navigator.clipboard.writeText(raw).then(
        () => (copy.textContent = 'Copied'),
        () => (copy.textContent = 'Copy failed'),
      );
    });
    box.append(el('pre', undefined, prettyRaw(raw)), copy);
    item.append(box);
    button.setAttribute('aria-expanded', 'true');
  }

  private onClick(event: MouseEvent): void {
    const target = event.target as HTMLElement;
    const item = target.closest<HTMLElement>('.entry');
    if (!item) return;
    if (target.closest('.entry__json')) this.toggleRaw(item);
    else if (target.matches('.entry__more')) this.toggleText(item, target as HTMLButtonElement);
  }

  private onKey(event: KeyboardEvent): void {
    const active = document.activeElement;
    const item = active instanceof HTMLElement && active.parentElement === this.list ? active : undefined;
    const visible = (): HTMLElement[] => [...this.list.children].filter((c): c is HTMLElement => c instanceof HTMLElement && !c.hidden);
    let next: HTMLElement | undefined;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        const items = visible();
        const at = item ? items.indexOf(item) : -1;
        next = items[event.key === 'ArrowDown' ? at + 1 : Math.max(0, at - 1)];
        break;
      }
      case 'Home':
        next = visible()[0];
        break;
      case 'End':
        next = visible().at(-1);
        break;
      case 'Enter':
      case ' ':
        if (!item) return;
        this.toggleRaw(item);
        event.preventDefault();
        return;
      default:
        return;
    }
    event.preventDefault();
    next?.focus();
  }
}
