export type ConnectionState = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed';

/** The connection status indicator: a coloured dot (from `data-state`) and a line of text. */
export class StatusView {
  constructor(
    private readonly root: HTMLElement,
    private readonly text: HTMLElement,
  ) {}

  show(state: ConnectionState, text: string): void {
    this.root.dataset.state = state;
    if (this.text.textContent !== text) this.text.textContent = text;
    this.root.title = text;
  }
}
