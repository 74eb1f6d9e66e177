import { el } from './dom.js';

export interface TabView {
  name: string;
  /** The status dot's state. */
  state: string;
  unread: number;
  title: string;
}

/**
 * The tab bar: one tab per simulated client, then Admin. A WAI-ARIA tablist: one tab stop, arrow
 * keys, Home and End move between tabs and select them.
 */
export class Tabs {
  private readonly tabs = new Map<string, HTMLButtonElement>();
  private current = '';

  constructor(
    private readonly list: HTMLElement,
    private readonly last: HTMLButtonElement,
    private readonly onSelect: (key: string) => void,
  ) {
    this.tabs.set('admin', last);
    last.addEventListener('click', () => this.select('admin'));
    list.addEventListener('keydown', (event) => this.onKey(event));
  }

  get selected(): string {
    return this.current;
  }

  add(key: string, panelId: string): HTMLButtonElement {
    const tab = el('button', 'tab');
    tab.type = 'button';
    tab.id = `tab-${key}`;
    tab.setAttribute('role', 'tab');
    tab.setAttribute('aria-controls', panelId);
    tab.tabIndex = -1;
    tab.dataset.key = key;
    tab.append(el('span', 'tab__dot'), el('span', 'tab__name'), el('span', 'tab__unread'));
    tab.addEventListener('click', () => this.select(key));
    this.list.insertBefore(tab, this.last);
    this.tabs.set(key, tab);
    return tab;
  }

  remove(key: string): void {
    this.tabs.get(key)?.remove();
    this.tabs.delete(key);
  }

  update(key: string, view: TabView): void {
    const tab = this.tabs.get(key);
    if (!tab) return;
    tab.dataset.state = view.state;
    tab.title = view.title;
    tab.querySelector('.tab__name')!.textContent = view.name;
    const unread = tab.querySelector<HTMLElement>('.tab__unread')!;
    unread.textContent = view.unread > 99 ? '99+' : String(view.unread);
    unread.hidden = view.unread === 0;
    unread.title = `${view.unread} new`;
  }

  select(key: string, focus = false): void {
    const chosen = this.tabs.get(key);
    if (!chosen) return;
    this.current = key;
    for (const tab of this.tabs.values()) {
      const selected = tab === chosen;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    if (focus) chosen.focus();
    this.onSelect(key);
  }

  private onKey(event: KeyboardEvent): void {
    const keys = [...this.list.querySelectorAll<HTMLButtonElement>('[role="tab"]')].map((t) => (t === this.last ? 'admin' : t.dataset.key!));
    const at = keys.indexOf(this.current);
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: keys.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    this.select(keys[(next + keys.length) % keys.length]!, true);
  }
}
