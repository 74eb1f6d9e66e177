import { el } from './dom.js';

export interface ClientListElements {
  list: HTMLUListElement;
  count: HTMLElement;
  /** The composer's "To" field: "" means everyone. */
  target: HTMLSelectElement;
}

/** The sidebar shows this many; the rest are counted (a cluster may hold thousands). */
export const MAX_LISTED = 500;

/**
 * The sidebar of connected clients and the composer's target, kept in step: picking a client in
 * either targets it for a direct message or a kick; picking it again goes back to everyone.
 * Buttons are updated in place, so the one a keyboard user just pressed keeps the focus. Our own
 * id is shown but cannot be picked; the page's other simulated clients are labelled.
 */
export class ClientListView {
  private clients: ReadonlySet<string> = new Set();
  private self: string | undefined;
  private readonly items = new Map<string, { item: HTMLLIElement; button: HTMLButtonElement; tag: HTMLElement }>();
  private readonly more = el('li', 'client-list__more');

  constructor(
    private readonly elements: ClientListElements,
    private readonly onTargetChange: (target: string) => void,
    private readonly labelOf: (id: string) => string | undefined,
  ) {
    elements.target.addEventListener('change', () => this.setTarget(elements.target.value));
  }

  get target(): string {
    return this.elements.target.value;
  }

  /** Shows `clients`, `self` as you; called again after each change to the set. */
  update(clients: ReadonlySet<string>, self: string | undefined): void {
    this.clients = clients;
    this.self = self;
    this.render(this.pickable(this.target) ? this.target : '');
  }

  setTarget(target: string): void {
    this.render(this.pickable(target) ? target : '');
  }

  /** Labels changed (a simulated client came or went): redraw with the same target. */
  refresh(): void {
    this.render(this.target);
  }

  private pickable(id: string): boolean {
    return id !== this.self && this.clients.has(id);
  }

  private item(id: string) {
    let entry = this.items.get(id);
    if (!entry) {
      const button = el('button', 'client');
      button.type = 'button';
      button.dataset.clientId = id;
      button.append(el('span', 'client__id', id));
      const tag = el('span', 'client__tag');
      button.append(tag);
      button.addEventListener('click', () => this.setTarget(id === this.target ? '' : id));
      const item = el('li');
      item.append(button);
      entry = { item, button, tag };
      this.items.set(id, entry);
    }
    return entry;
  }

  private render(target: string): void {
    const { list, count, target: select } = this.elements;
    count.textContent = String(this.clients.size);
    const shown = firstOf(this.clients, MAX_LISTED);
    const keep = new Set(shown);
    for (const [id, { item }] of this.items) {
      if (!keep.has(id)) {
        item.remove();
        this.items.delete(id);
      }
    }
    // Insert only what is new or out of place: moving a node would drop its focus.
    shown.forEach((id, index) => {
      const { item, button, tag } = this.item(id);
      const self = id === this.self;
      const label = self ? 'you' : this.labelOf(id);
      button.disabled = self;
      button.title = self ? 'This is you' : id === target ? `Targeted: click to go back to everyone` : `Target ${id}`;
      button.setAttribute('aria-pressed', String(id === target));
      button.classList.toggle('client--self', self);
      button.classList.toggle('client--target', id === target);
      tag.textContent = label ?? '';
      tag.hidden = label === undefined;
      if (list.children[index] !== item) list.insertBefore(item, list.children[index] ?? null);
    });
    const hidden = this.clients.size - shown.length;
    if (hidden > 0) {
      this.more.textContent = `and ${hidden} more`;
      list.append(this.more);
    } else {
      this.more.remove();
    }
    const everyone = el('option', undefined, 'Everyone (broadcast)');
    everyone.value = '';
    select.replaceChildren(
      everyone,
      ...shown.map((id) => {
        const label = id === this.self ? 'you' : this.labelOf(id);
        const option = el('option', undefined, label ? `${id} (${label})` : id);
        option.value = id;
        option.disabled = id === this.self;
        return option;
      }),
    );
    select.value = target;
    this.onTargetChange(target);
  }
}

function firstOf(items: Iterable<string>, count: number): string[] {
  const first: string[] = [];
  for (const item of items) {
    if (first.length === count) break;
    first.push(item);
  }
  return first;
}
