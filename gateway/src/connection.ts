import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { PresenceMode } from '@cmf/shared';

/** What became of a send. */
export type SendResult = 'sent' | 'closed' | 'slow';

/**
 * One client's socket. `socket` is the TCP socket the upgrade handed over (the same one ws writes
 * to), kept so the frames for one socket can be corked into one write without ws's private fields.
 */
export class Connection {
  /** Answered the last ping. */
  alive = true;
  /** Its disconnect was published, or the cluster already announced it gone. */
  announced = false;
  /** A close has begun: nothing more is written. */
  closing = false;

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    private readonly socket: Duplex,
    /** The presence frames it asked for (`?presence=`). */
    readonly presence: PresenceMode,
  ) {}

  /**
   * Writes the frames in one socket write. 'slow' when the socket already holds more than
   * `maxBuffered` unsent bytes: the caller closes it rather than queue without bound.
   */
  send(frames: readonly Buffer[], maxBuffered: number): SendResult {
    if (this.ws.readyState !== WebSocket.OPEN || this.closing) return 'closed';
    if (this.ws.bufferedAmount > maxBuffered) return 'slow';
    this.socket.cork();
    for (const frame of frames) this.ws.send(frame, { binary: false });
    this.socket.uncork();
    return 'sent';
  }

  close(code: number, reason: string): void {
    this.closing = true;
    this.ws.close(code, reason);
  }
}
