import { part } from './dom.js';

export interface ConfirmRequest {
  title: string;
  message: string;
  /** The confirming button's label, e.g. "Kick all". */
  action: string;
}

/**
 * A modal question for actions that cannot be undone (kick all). A native <dialog>: focus stays
 * inside while it is open, Escape cancels, and focus returns to where it was.
 */
export class ConfirmDialog {
  private readonly title: HTMLElement;
  private readonly message: HTMLElement;
  private readonly confirm: HTMLButtonElement;
  private readonly cancel: HTMLButtonElement;

  constructor(private readonly dialog: HTMLDialogElement) {
    this.title = part(dialog, '.confirm__title', HTMLElement);
    this.message = part(dialog, '.confirm__message', HTMLElement);
    this.confirm = part(dialog, '.confirm__ok', HTMLButtonElement);
    this.cancel = part(dialog, '.confirm__cancel', HTMLButtonElement);
    this.cancel.addEventListener('click', () => dialog.close('cancel'));
    this.confirm.addEventListener('click', () => dialog.close('ok'));
  }

  ask(request: ConfirmRequest): Promise<boolean> {
    if (this.dialog.open) return Promise.resolve(false);
    this.title.textContent = request.title;
    this.message.textContent = request.message;
    this.confirm.textContent = request.action;
    this.dialog.returnValue = '';
    this.dialog.showModal();
    // The safe choice has the focus: Enter alone never kicks anyone.
    this.cancel.focus();
    return new Promise((resolve) => {
      this.dialog.addEventListener('close', () => resolve(this.dialog.returnValue === 'ok'), { once: true });
    });
  }
}
