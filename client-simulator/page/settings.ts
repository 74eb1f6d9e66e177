import { toWebSocketUrl } from './server-url.js';

export interface SettingsElements {
  url: HTMLInputElement;
  urlError: HTMLElement;
  autoReconnect: HTMLInputElement;
  resume: HTMLInputElement;
  frameLimit: HTMLInputElement;
}

/** The server's MAX_PAYLOAD_BYTES default: what the page warns at until told otherwise. */
export const DEFAULT_FRAME_LIMIT = 64 * 1024;

/**
 * Settings every simulated client shares: the server URL, reconnect and resume, and the frame
 * limit the composer checks against. A URL that is not ws:// or wss:// is reported next to the
 * field, never as a connection state (the connections it did not start are unaffected).
 */
export class Settings {
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly elements: SettingsElements) {
    elements.url.addEventListener('input', () => this.showUrlProblem(false));
    // Said when the field is left, next to it: not only at the next Connect.
    elements.url.addEventListener('change', () => this.checkedUrl());
    for (const input of [elements.url, elements.autoReconnect, elements.resume, elements.frameLimit]) {
      input.addEventListener('change', () => this.listeners.forEach((l) => l()));
    }
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The field's WebSocket URL, or undefined (quietly) when it holds something else. */
  url(): string | undefined {
    return toWebSocketUrl(this.elements.url.value);
  }

  /** Like url(), but says next to the field what is wrong. */
  checkedUrl(): string | undefined {
    const url = this.url();
    this.showUrlProblem(url === undefined);
    return url;
  }

  autoReconnect(): boolean {
    return this.elements.autoReconnect.checked;
  }

  resume(): boolean {
    return this.elements.resume.checked;
  }

  frameLimit(): number {
    const value = Number(this.elements.frameLimit.value);
    return Number.isInteger(value) && value > 0 ? value : DEFAULT_FRAME_LIMIT;
  }

  private showUrlProblem(show: boolean): void {
    const { url, urlError } = this.elements;
    urlError.hidden = !show;
    urlError.textContent = show ? `Not a ws:// or wss:// URL: ${url.value.trim() || '(empty)'}` : '';
    url.setAttribute('aria-invalid', String(show));
  }
}
