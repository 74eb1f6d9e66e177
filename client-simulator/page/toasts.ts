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
  constructor(private readonly container: HTMLElement) {}

  show(kind: EntryKind, title: string, text: string): void {
    const toast = el('div', `toast toast--${kind}`);
    toast.dataset.kind = kind;
    const body = el('div', 'toast__body');
    body.append(el('strong', 'toast__title', title), el('span', 'toast__text', text.slice(0, 300)));
    const close = el('button', 'toast__close', '×');
    close.type = 'button';
    close.setAttribute('aria-label', `Dismiss: ${title}`);
    close.addEventListener('click', () => toast.remove());
    toast.append(body, close);
    this.container.append(toast);
    while (this.container.childElementCount > MAX_TOASTS) this.container.firstElementChild?.remove();
    setTimeout(() => toast.remove(), kind === 'kicked' || kind === 'error' ? 2 * VISIBLE_MS : VISIBLE_MS);
  }

  /** Closes the newest toast; false when there was none. */
  dismissNewest(): boolean {
    const newest = this.container.lastElementChild;
    newest?.remove();
    return newest !== null;
  }

  clear(): void {
    this.container.replaceChildren();
  }
}
