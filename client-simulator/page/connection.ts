import type { ClientFrame, ServerFrame } from '@cmf/shared/protocol';
import { parseServerFrame } from './parse-server-frame.js';

export interface ConnectionHandlers {
  open(): void;
  frame(frame: ServerFrame): void;
  /** A frame that is not valid protocol: reported, never fatal. */
  invalid(raw: string, problem: string): void;
  close(event: { code: number; reason: string; opened: boolean }): void;
}

/** One WebSocket to a gateway. Incoming frames are validated with the shared ServerFrameSchema. */
export class Connection {
  private opened = false;
  private readonly ws: WebSocket;

  constructor(url: string, handlers: ConnectionHandlers) {
    this.ws = new WebSocket(url);
    this.ws.addEventListener('open', () => {
      this.opened = true;
      handlers.open();
    });
    this.ws.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (typeof event.data !== 'string') {
        handlers.invalid('(binary frame)', 'binary frames are not part of the protocol');
        return;
      }
      const parsed = parseServerFrame(event.data);
      if (parsed.ok) handlers.frame(parsed.frame);
      else handlers.invalid(event.data, parsed.problem);
    });
    // An 'error' event is always followed by 'close', which carries the code.
    this.ws.addEventListener('close', (event) => {
      handlers.close({ code: event.code, reason: event.reason, opened: this.opened });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: ClientFrame): void {
    this.ws.send(JSON.stringify(frame));
  }

  close(): void {
    this.ws.close(1000, 'Disconnect');
  }
}
