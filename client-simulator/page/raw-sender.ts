import { part } from './dom.js';
import { checkSize } from './frame-size.js';

export interface RawSenderDeps {
  limit(): number;
  ready(): boolean;
  /** Sends the text as it is; false when the connection is not open. */
  send(text: string): boolean;
}

/**
 * "Send a raw frame": any text, exactly as typed, to see how the server answers what the
 * composer would never send. Over the frame limit it still sends, but says so on the button.
 * Ctrl+Enter (or Cmd+Enter) sends.
 */
export class RawSender {
  private readonly text: HTMLTextAreaElement;
  private readonly button: HTMLButtonElement;
  private readonly size: HTMLElement;

  constructor(
    root: ParentNode,
    private readonly deps: RawSenderDeps,
  ) {
    const form = part(root, '.raw__form', HTMLFormElement);
    this.text = part(form, '.raw__text', HTMLTextAreaElement);
    this.button = part(form, '.raw__send', HTMLButtonElement);
    this.size = part(form, '.raw__size', HTMLElement);
    this.text.addEventListener('input', () => this.render());
    this.text.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (this.text.value !== '') deps.send(this.text.value);
    });
  }

  render(): void {
    const size = checkSize(this.text.value, this.deps.limit());
    this.button.disabled = !this.deps.ready() || this.text.value === '';
    this.button.textContent = size.over ? 'Send anyway (over the limit)' : 'Send raw';
    this.button.classList.toggle('danger', size.over);
    this.size.textContent = `${size.bytes.toLocaleString('en-US')} bytes${size.over ? `, over the ${size.limit.toLocaleString('en-US')}-byte limit: expect 1009` : ''}`;
  }
}
