import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { PresenceMode } from '@cmf/shared';

/** What became of a write. */
export type SendResult = 'sent' | 'closed' | 'slow';

/**
 * One client's socket. `socket` is the TCP socket the upgrade handed over, the one ws writes to:
 * frames rendered by the workers are framed once (text-frame.ts) and written to it directly, the
 * same bytes for every socket, one write per batch. ws writes each of its own frames (welcome,
 * pings, close) to the socket synchronously and, with compression off, never queues them, so
 * whole frames from both never interleave.
 */
export class Connection {
  /** Answered the last ping. */
  alive = true;
  /** Its disconnect was published (once, whoever noticed the end first). */
  announced = false;
  /** A close has begun: nothing more is written, nothing more relayed. */
  closing = false;
  /** When it opened, by this gateway's clock: the `at` of its connect record. */
  readonly openedAt = Date.now();

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    private readonly socket: Duplex,
    /** The presence frames it asked for (`?presence=`). */
    readonly presence: PresenceMode,
  ) {}

  /**
   * Writes already framed bytes. 'slow' when the socket already holds more than `maxBuffered`
   * unsent bytes: the caller closes it rather than queue without bound.
   */
  write(framed: Buffer, maxBuffered: number): SendResult {
    if (this.ws.readyState !== WebSocket.OPEN || this.closing) return 'closed';
    if (this.ws.bufferedAmount > maxBuffered) return 'slow';
    this.socket.write(framed);
    return 'sent';
  }

  /** A frame of the gateway's own (welcome, a refusal), through ws. */
  send(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN && !this.closing) this.ws.send(text);
  }

  close(code: number, reason: string): void {
    this.closing = true;
    this.ws.close(code, reason);
  }
}
