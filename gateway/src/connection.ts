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
  /** Its disconnect was published, or the cluster already announced it gone. */
  announced = false;
  /** A close has begun: nothing more is written. */
  closing = false;
  /**
   * Where in ws-out the client is known to have had everything: the position when its stream
   * began, then the one of the last ping it answered (frames written before a ping arrive before
   * it). A resume without `last` replays from here: nothing lost, perhaps a few frames again.
   */
  confirmed: string;
  /** The position when the unanswered ping was sent. */
  pinged: string | undefined;
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
    /** The presence frames it asked for (`?presence=`). */
    readonly presence: PresenceMode,
    /** The gateway's ws-out position when the client's stream begins here. */
    position: string,
  ) {
    this.confirmed = position;
  }

  /**
   * Writes already framed bytes (keeps them back while held). 'slow' when the socket already
   * holds more than `maxBuffered` unsent bytes: the caller closes it rather than queue without bound.
   */
  write(framed: Buffer, maxBuffered: number): SendResult {
    if (this.held && !this.closing) {
      this.held.push(framed);
      this.heldBytes += framed.length;
      return this.heldBytes > maxBuffered ? 'slow' : 'sent';
    }
    return this.writeNow(framed, maxBuffered);
  }

  /** Writes at once, held or not: the replayed gap goes ahead of the live frames held meanwhile. */
  writeNow(framed: Buffer, maxBuffered: number): SendResult {
    if (this.ws.readyState !== WebSocket.OPEN || this.closing) return 'closed';
    if (this.ws.bufferedAmount > maxBuffered) return 'slow';
    this.socket.write(framed);
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
  release(): void {
    const held = this.held;
    this.held = undefined;
    this.heldBytes = 0;
    if (held && held.length > 0 && this.ws.readyState === WebSocket.OPEN && !this.closing) this.socket.write(Buffer.concat(held));
    if (this.closeAfterHold) this.close(this.closeAfterHold.code, this.closeAfterHold.reason);
  }

  /** Closes once the held frames are written (a kick keeps its place in the stream), else now. */
  closeInTurn(code: number, reason: string): void {
    if (this.held && !this.closing) this.closeAfterHold ??= { code, reason };
    else this.close(code, reason);
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
