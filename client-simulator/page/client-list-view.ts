import { el } from './dom.js';

export interface ClientListElements {
  list: HTMLUListElement;
  count: HTMLElement;
  /** The composer's "To" field: "" means everyone. */
  target: HTMLSelectElement;
}

/**
 * The sidebar of connected clients and the composer's target, kept in step: picking a client in
 * either targets it for a direct message or a kick; picking it again goes back to everyone.
 */
export class ClientListView {
  private clients: readonly string[] = [];
  private self: string | undefined;

  constructor(
    private readonly elements: ClientListElements,
    private readonly onTargetChange: (target: string) => void,
  ) {
    elements.target.addEventListener('change', () => this.setTarget(elements.target.value));
  }

  get target(): string {
    return this.elements.target.value;
  }

  update(clients: readonly string[], self: string | undefined): void {
    this.clients = clients;
    this.self = self;
    const target = clients.includes(this.target) ? this.target : '';
    this.render(target);
  }

  setTarget(target: string): void {
    this.render(this.clients.includes(target) ? target : '');
  }

  private render(target: string): void {
    const { list, count, target: select } = this.elements;
    count.textContent = String(this.clients.length);
    list.replaceChildren(
      ...this.clients.map((id) => {
        const button = el('button', 'client', id);
        button.type = 'button';
        button.dataset.clientId = id;
        button.setAttribute('aria-pressed', String(id === target));
        button.classList.toggle('client--self', id === this.self);
        button.classList.toggle('client--target', id === target);
        if (id === this.self) button.append(el('span', 'client__you', 'you'));
        button.addEventListener('click', () => this.setTarget(id === this.target ? '' : id));
        const item = el('li');
        item.append(button);
        return item;
      }),
    );
    const everyone = el('option', undefined, 'Everyone (broadcast)');
    everyone.value = '';
    select.replaceChildren(
      everyone,
      ...this.clients.map((id) => {
        const option = el('option', undefined, id === this.self ? `${id} (you)` : id);
        option.value = id;
        return option;
      }),
    );
    select.value = target;
    this.onTargetChange(target);
  }
}
