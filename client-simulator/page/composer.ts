import type { ClientFrame } from '@cmf/shared/protocol';
import type { ClientListView } from './client-list-view.js';
import type { ConfirmDialog } from './confirm-dialog.js';
import { part } from './dom.js';
import { checkSize, type SizeCheck } from './frame-size.js';

export interface ComposerDeps {
  clients: ClientListView;
  confirm: ConfirmDialog;
  /** The frame limit to warn at (the server's MAX_PAYLOAD_BYTES). */
  limit(): number;
  ready(): boolean;
  /** How many other clients a kick-all would disconnect. */
  others(): number;
  /** Sends the frame; false when the connection is not open. */
  send(frame: ClientFrame): boolean;
}

/** `65,536` */
const n = (value: number): string => value.toLocaleString('en-US');

/**
 * The composer: a broadcast, or a direct message when a client is picked. A direct message or a
 * kick goes to the picked client once; the target then returns to everyone, so a later message
 * is never sent privately by mistake. Frames over the server's limit are refused before they go.
 */
export class Composer {
  readonly form: HTMLFormElement;
  private readonly message: HTMLInputElement;
  private readonly send: HTMLButtonElement;
  private readonly kickOne: HTMLButtonElement;
  private readonly kickAll: HTMLButtonElement;
  private readonly size: HTMLElement;

  constructor(
    root: ParentNode,
    private readonly deps: ComposerDeps,
  ) {
    this.form = part(root, '.composer', HTMLFormElement);
    this.message = part(this.form, '.message', HTMLInputElement);
    this.send = part(this.form, '.send', HTMLButtonElement);
    this.kickOne = part(this.form, '.kick-one', HTMLButtonElement);
    this.kickAll = part(this.form, '.kick-all', HTMLButtonElement);
    this.size = part(this.form, '.composer__size', HTMLElement);
    this.message.addEventListener('input', () => this.render());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    this.kickOne.addEventListener('click', () => {
      const targetId = deps.clients.target;
      if (targetId && deps.send({ type: 'kick-one', targetId })) deps.clients.setTarget('');
    });
    this.kickAll.addEventListener('click', () => void this.confirmKickAll());
  }

  private frame(): ClientFrame {
    const message = this.message.value;
    const targetId = this.deps.clients.target;
    return targetId ? { type: 'broadcast-one', targetId, message } : { type: 'broadcast-all', message };
  }

  private sizeOf(): SizeCheck {
    return checkSize(JSON.stringify(this.frame()), this.deps.limit());
  }

  private submit(): void {
    if (!this.message.value.trim() || this.sizeOf().over) return;
    const frame = this.frame();
    if (!this.deps.send(frame)) return;
    this.message.value = '';
    if (frame.type === 'broadcast-one') this.deps.clients.setTarget('');
    this.render();
  }

  private async confirmKickAll(): Promise<void> {
    const others = this.deps.others();
    const yes = await this.deps.confirm.ask({
      title: 'Kick every other client?',
      message: `All ${others} other client${others === 1 ? '' : 's'} on every gateway will be disconnected (close code 4000). You stay connected.`,
      action: 'Kick all',
    });
    if (yes) this.deps.send({ type: 'kick-all' });
  }

  /** Enables what the connection and the target allow, and shows the size when it matters. */
  render(): void {
    const ready = this.deps.ready();
    const target = this.deps.clients.target;
    const size = this.sizeOf();
    this.send.disabled = !ready || size.over;
    this.send.textContent = target ? 'Send direct' : 'Broadcast';
    this.send.title = target ? `Send to ${target} only, then back to everyone` : 'Send to every client';
    this.kickOne.disabled = !ready || !target;
    this.kickOne.title = target ? `Kick ${target}` : 'Pick a client to kick';
    this.kickAll.disabled = !ready;
    this.size.hidden = !size.near;
    this.size.classList.toggle('composer__size--over', size.over);
    this.size.textContent = size.over
      ? `Too big: ${n(size.bytes)} bytes, the limit is ${n(size.limit)}. The server would close the connection (1009), so it is not sent.`
      : size.near
        ? `${n(size.bytes)} of ${n(size.limit)} bytes`
        : '';
  }
}
