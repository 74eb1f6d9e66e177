import { el } from './dom.js';
import type { EntryKind } from './log-entry.js';

const VISIBLE_MS = 5_000;
const MAX_TOASTS = 4;

/** Short-lived notices for incoming broadcasts, direct messages, errors and kicks. */
export class Toasts {
  constructor(private readonly container: HTMLElement) {}

  show(kind: EntryKind, title: string, text: string): void {
    const toast = el('div', `toast toast--${kind}`);
    toast.dataset.kind = kind;
    toast.append(el('strong', 'toast__title', title), el('span', 'toast__text', text));
    toast.addEventListener('click', () => toast.remove());
    this.container.append(toast);
    while (this.container.childElementCount > MAX_TOASTS) this.container.firstElementChild?.remove();
    setTimeout(() => toast.remove(), kind === 'kicked' || kind === 'error' ? 2 * VISIBLE_MS : VISIBLE_MS);
  }
}
