import { el } from './dom.js';
import type { EntryKind } from './log-entry.js';

const VISIBLE_MS = 5_000;
const MAX_TOASTS = 3;

/**
 * Short-lived notices for incoming broadcasts, direct messages, errors and kicks, at the foot of
 * the log they belong to (over its oldest entries). Each has a close button; Escape closes the
 * newest. On a narrow screen the stylesheet shows only the newest, on one line.
 */
export class Toasts {
  /** Each shown toast's expiry, cleared when it goes earlier: a burst leaves no timers behind. */
  private readonly timers = new Map<Element, number>();

  constructor(private readonly container: HTMLElement) {}

  show(kind: EntryKind, title: string, text: string): void {
    const toast = el('div', `toast toast--${kind}`);
    toast.dataset.kind = kind;
    const body = el('div', 'toast__body');
    body.append(el('strong', 'toast__title', title), el('span', 'toast__text', text.slice(0, 300)));
    const close = el('button', 'toast__close', '×');
    close.type = 'button';
    close.setAttribute('aria-label', `Dismiss: ${title}`);
    close.addEventListener('click', () => this.remove(toast));
    toast.append(body, close);
    this.container.append(toast);
    this.timers.set(toast, window.setTimeout(() => this.remove(toast), kind === 'kicked' || kind === 'error' ? 2 * VISIBLE_MS : VISIBLE_MS));
    while (this.container.childElementCount > MAX_TOASTS) this.remove(this.container.firstElementChild!);
  }

  /** Closes the newest toast; false when there was none. */
  dismissNewest(): boolean {
    const newest = this.container.lastElementChild;
    if (newest) this.remove(newest);
    return newest !== null;
  }

  private remove(toast: Element): void {
    window.clearTimeout(this.timers.get(toast));
    this.timers.delete(toast);
    toast.remove();
  }
}
