import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { CloseCodes, type FrameAuth } from '@cmf/shared';

/** What became of a send: 'slow' means the socket was just cut off as a slow consumer. */
export type SendResult = 'sent' | 'closed' | 'slow';

/** Told once per connection, as the gateway (or ws) decides to end it and before it acts. */
export type CloseListener = (conn: Connection, code: number, reason: string) => void;

/**
 * One client's socket. `socket` is the TCP socket the upgrade handed over (the same one ws writes
 * to), kept so the frames for one socket can be corked into one write without ws's private fields.
 *
 * Slow readers: what ws and Node queue in the process is only part of what a client has not read;
 * the kernel's send and receive buffers hold megabytes more. So every quarter of the limit the
 * gateway pings with the count of bytes written so far, and the client's pong (RFC 6455: it echoes
 * the ping's data, after reading everything before it) confirms what it has read. Written minus
 * confirmed is what the client has not read, wherever it waits.
 */
export class Connection {
  /** Answered the last ping. */
  alive = true;
  /** Its disconnect was published, or the cluster already announced it gone. */
  announced = false;
  /** Why this socket ends (the first reason wins); undefined while it has not begun to close. */
  closeCode: number | undefined;
  private written = 0;
  private confirmed = 0;
  private marked = 0;

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly onClose: CloseListener,
    /** Who the connection authenticated as; undefined for anonymous connections. */
    readonly auth?: FrameAuth,
  ) {}

  /** A close has begun: nothing more is written. */
  get closing(): boolean {
    return this.closeCode !== undefined;
  }

  /** Bytes written to the socket that the client has not confirmed reading. */
  get unread(): number {
    return this.written - this.confirmed;
  }

  /**
   * Writes the frames in one socket write. A socket the client has not read `maxUnread` bytes of
   * (or whose in-process queue alone holds that much) is cut off with 4008 instead: 'slow'.
   */
  send(frames: readonly Buffer[], maxUnread: number): SendResult {
    if (this.ws.readyState !== WebSocket.OPEN || this.closing) return 'closed';
    if (this.unread > maxUnread || this.ws.bufferedAmount > maxUnread) {
      this.cutOff(CloseCodes.slowConsumer, 'Slow consumer');
      return 'slow';
    }
    this.socket.cork();
    for (const frame of frames) {
      this.ws.send(frame, { binary: false });
      this.written += frame.length;
    }
    if (this.written - this.marked >= maxUnread / 4) {
      this.marked = this.written;
      this.ws.ping(String(this.written));
    }
    this.socket.uncork();
    return 'sent';
  }

  /** A pong: the socket is alive, and a mark in it confirms what the client has read. */
  pong(data: Buffer): void {
    this.alive = true;
    if (data.length === 0 || data.length > 16) return;
    const mark = Number(data.toString('latin1'));
    // Never beyond what was written: a forged pong cannot hide a backlog held in this process.
    if (Number.isSafeInteger(mark) && mark > this.confirmed && mark <= this.written) this.confirmed = mark;
  }

  close(code: number, reason: string): void {
    if (this.settle(code, reason)) this.ws.close(code, reason);
  }

  /**
   * Ends the socket now: its close frame is written if the socket takes it at once, then the
   * socket is destroyed, so nothing (memory, the close itself) waits behind data the client is not
   * reading. The client sees the close code if the frame got through, 1006 if it did not.
   */
  cutOff(code: number, reason: string): void {
    if (this.settle(code, reason)) this.ws.close(code, reason);
    this.ws.terminate();
  }

  /** ws or the client closed the socket; record why, once. */
  closedBy(code: number, reason: string): void {
    this.settle(code, reason);
  }

  private settle(code: number, reason: string): boolean {
    if (this.closing) return false;
    this.closeCode = code;
    this.onClose(this, code, reason);
    return true;
  }
}
