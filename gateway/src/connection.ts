import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { CloseCodes, type FrameAuth, type PresenceMode } from '@cmf/shared';
import { loopTurn } from './loop-turns.js';

/** Unconfirmed marks remembered per socket; beyond them pings still go out, only their send turn is not kept. */
const MAX_MARKS = 64;

/** What became of a write: 'slow' means the socket was just cut off as a slow consumer. */
export type SendResult = 'sent' | 'closed' | 'slow';

/** Told once per connection, as the gateway (or ws) decides to end it and before it acts. */
export type CloseListener = (conn: Connection, code: number, reason: string) => void;

/** What a connection is besides its socket: chosen at the upgrade. */
export interface ConnectionOptions {
  /** The presence frames it asked for (`?presence=`). */
  presence: PresenceMode;
  /** Who it authenticated as; undefined for anonymous connections. */
  auth?: FrameAuth | undefined;
  onClose: CloseListener;
  /** The gateway's ws-out position when the client's stream begins here. */
  position: string;
}

/**
 * One client's socket. `socket` is the TCP socket the upgrade handed over, the one ws writes to:
 * frames rendered by the workers are framed once (text-frame.ts) and written to it directly, the
 * same bytes for every socket, one write per batch. ws writes each of its own frames (welcome,
 * pings, close) to the socket synchronously and, with compression off, never queues them, so
 * whole frames from both never interleave.
 *
 * Slow readers: what ws and Node queue in the process is only part of what a client has not read;
 * the kernel's send and receive buffers hold megabytes more. So every quarter of the limit the
 * gateway pings with the count of bytes written so far, and the client's pong (RFC 6455: it echoes
 * the ping's data, after reading everything before it) confirms what it has read. Written minus
 * confirmed is what the client has not read, wherever it waits. A client is slow when that passes
 * the limit and it has left a mark unanswered that it had the time to answer (one sent before the
 * gateway last read its sockets); whatever the marks say, the process itself never queues more
 * than the limit for one socket.
 */
export class Connection {
  /** Answered the last ping. */
  alive = true;
  /** Its disconnect was published (once, whoever noticed the end first). */
  announced = false;
  /** Why this socket ends (the first reason wins); undefined while it has not begun to close. */
  closeCode: number | undefined;
  /** When it opened, by this gateway's clock: the `at` of its connect record. */
  readonly openedAt = Date.now();
  readonly presence: PresenceMode;
  readonly auth: FrameAuth | undefined;
  /**
   * Where in ws-out the client is known to have had everything: the position when its stream
   * began, then the one of the last liveness ping it answered (frames written before a ping arrive
   * before it). A resume without `last` replays from here: nothing lost, perhaps a few frames again.
   */
  confirmed: string;
  /** The position when the unanswered liveness ping was sent. */
  pinged: string | undefined;
  private readonly onClose: CloseListener;
  private bytesWritten = 0;
  private bytesRead = 0;
  private bytesMarked = 0;
  /** Marks sent and not yet confirmed, oldest first, with the loop turn each was sent in. */
  private readonly marks: { bytes: number; turn: number }[] = [];
  /** Live frames kept back while a resume replays the gap (see hold). */
  private held: Buffer[] | undefined;
  private heldBytes = 0;
  private closeAfterHold: { code: number; reason: string } | undefined;

  constructor(
    /** The client id: a resumed connection carries the id of the client it took back. */
    readonly id: string,
    /** This socket, `<gateway>:<n>`: presence tells a client's connections apart by it. */
    readonly connectionId: string,
    readonly ws: WebSocket,
    readonly socket: Duplex,
    { presence, auth, onClose, position }: ConnectionOptions,
  ) {
    this.presence = presence;
    this.auth = auth;
    this.onClose = onClose;
    this.confirmed = position;
  }

  /** A close has begun: nothing more is written, nothing more relayed. */
  get closing(): boolean {
    return this.closeCode !== undefined;
  }

  /** Bytes written to the socket that the client has not confirmed reading. */
  get unread(): number {
    return this.bytesWritten - this.bytesRead;
  }

  /** Writes already framed bytes, or keeps them back while held (see hold); 'slow' when it cut the socket off. */
  write(framed: Buffer, maxUnread: number): SendResult {
    if (this.held && !this.closing) {
      this.held.push(framed);
      this.heldBytes += framed.length;
      if (this.heldBytes <= maxUnread) return 'sent';
      this.cutOff(CloseCodes.slowConsumer, 'Slow consumer');
      return 'slow';
    }
    return this.writeNow(framed, maxUnread);
  }

  /**
   * Writes at once, held or not (the replayed gap goes ahead of the live frames held meanwhile).
   * A socket the client has not read `maxUnread` bytes of (or whose in-process queue alone holds
   * that much) is cut off with 4008 instead: 'slow'.
   */
  writeNow(framed: Buffer, maxUnread: number): SendResult {
    if (this.ws.readyState !== WebSocket.OPEN || this.closing) return 'closed';
    if (this.isSlow(maxUnread)) {
      this.cutOff(CloseCodes.slowConsumer, 'Slow consumer');
      return 'slow';
    }
    this.socket.cork();
    this.socket.write(framed);
    this.bytesWritten += framed.length;
    if (this.bytesWritten - this.bytesMarked >= maxUnread / 4) {
      this.bytesMarked = this.bytesWritten;
      if (this.marks.length < MAX_MARKS) this.marks.push({ bytes: this.bytesWritten, turn: loopTurn() });
      this.ws.ping(String(this.bytesWritten));
    }
    this.socket.uncork();
    return 'sent';
  }

  /** Live frames are being kept back (a resume's replay is under way). */
  get holding(): boolean {
    return this.held !== undefined;
  }

  /** Keeps live frames back until release(): the seam between a resume's replay and the live stream. */
  hold(): void {
    this.held ??= [];
  }

  /** Writes what was held in one go and carries on live (and performs a kick that came meanwhile). */
  release(maxUnread: number): void {
    const held = this.held;
    this.held = undefined;
    this.heldBytes = 0;
    if (held && held.length > 0) this.writeNow(Buffer.concat(held), maxUnread);
    if (this.closeAfterHold) this.close(this.closeAfterHold.code, this.closeAfterHold.reason);
  }

  /** Closes once the held frames are written (a kick keeps its place in the stream), else now. */
  closeInTurn(code: number, reason: string): void {
    if (this.held && !this.closing) this.closeAfterHold ??= { code, reason };
    else this.close(code, reason);
  }

  /** A frame of the gateway's own (welcome, refusals), through ws. */
  send(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN && !this.closing) this.ws.send(text);
  }

  /**
   * A pong: the socket is alive. One with a byte mark confirms what the client has read; an empty
   * one answers the liveness ping, and confirms the stream position it was sent at.
   */
  pong(data: Buffer): void {
    this.alive = true;
    if (data.length === 0) {
      if (this.pinged !== undefined) this.confirmed = this.pinged;
      return;
    }
    if (data.length > 16) return;
    const mark = Number(data.toString('latin1'));
    // Never beyond what was written: a forged pong cannot hide a backlog held in this process.
    if (!Number.isSafeInteger(mark) || mark <= this.bytesRead || mark > this.bytesWritten) return;
    this.bytesRead = mark;
    while (this.marks.length > 0 && this.marks[0]!.bytes <= mark) this.marks.shift();
  }

  /** The bytes queued in this process pass the limit, or the client has not read that many and had the time to say it had. */
  private isSlow(maxUnread: number): boolean {
    if (this.ws.bufferedAmount > maxUnread) return true;
    if (this.unread <= maxUnread) return false;
    const oldest = this.marks[0];
    return oldest !== undefined && oldest.turn < loopTurn() - 1;
  }

  close(code: number, reason: string): void {
    if (this.settle(code, reason)) this.ws.close(code, reason);
  }

  /**
   * Ends the socket now, so that nothing (memory, the close itself) waits behind data the client
   * is not reading: the close frame is written, and the socket destroyed at once. When the
   * process queued nothing for the socket, the frame is in the kernel's buffer and the client
   * reads the close code after the data before it; otherwise it is dropped with the queue, and
   * so is it when the client sends anything after the close (its pongs: the kernel answers a
   * closed socket with a reset, which discards what the client has not read). Then it sees 1006.
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
