import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { CloseCodes, type ErrorFrame, type Logger, type ResumedCommand, type ResumeRefusedCommand } from '@cmf/shared';
import { newConnection, openSession, runSession, welcomeFrame, type Admitted, type SessionDeps } from './client-session.js';
import type { Connection } from './connection.js';
import type { Replay } from './replay.js';
import type { ResumeRequest } from './resume-request.js';
import type { ResumeTokens } from './resume-token.js';
import { encodePosition, parsePosition, type StreamPosition } from './stream-position.js';

export interface ResumptionDeps {
  gatewayId: string;
  session: SessionDeps;
  /** Undefined when resume is off (no RESUME_SECRET on Kafka). */
  tokens: ResumeTokens | undefined;
  position: StreamPosition;
  replay: Replay;
  /** A resume the cluster has not answered (or the stream not caught up with) within this long is closed with 1013. */
  timeoutMs: number;
  log: Logger;
}

/** A connection waiting for the presence owner's answer, then (granted) for this gateway to reach where the client stands. */
interface Waiting {
  conn: Connection;
  last: number[] | undefined;
  timer: NodeJS.Timeout;
  /** Set once granted: where the replay starts. */
  granted?: { from: number[] | undefined };
}

const refusal = (message: string): string => JSON.stringify({ type: 'error', code: 'resume-refused', message } satisfies ErrorFrame);

/**
 * The gateway's side of resume. A token that does not verify (or a bad `last`) is refused here at
 * once: an `error` frame (`resume-refused`), then a fresh session with a new id. A valid one waits,
 * its socket paused and nothing sent, for the presence owner's answer on ws-out (a `resume` record
 * goes to ws-in). `resume-refused`: the same refusal. `resumed`: its place in this gateway's
 * stream is the seam. The connection goes live there (as soon as this gateway has processed
 * everything the client already had, which with one partition is at once): registered under the
 * client's id, live frames held, welcome with `resumed` and `complete`, the gap [from, seam)
 * replayed, the held frames written, and on from there like any connection.
 */
export class Resumptions {
  private readonly waiting = new Map<string, Waiting>();
  /** Granted, until the stream covers where the client stands. */
  private readonly granted = new Set<Waiting>();
  /** Both of the above by client id: a `resumed` command finds the connections it supersedes without a scan. */
  private readonly byClient = new Map<string, Set<Waiting>>();

  constructor(private readonly deps: ResumptionDeps) {}

  open(ws: WebSocket, socket: Duplex, admitted: Admitted, request: ResumeRequest): void {
    const { tokens, session, position } = this.deps;
    const fresh = (reason: string): void => {
      session.counters.resumesRefused += 1;
      openSession(ws, socket, admitted, session, refusal(reason));
    };
    if (!tokens) return fresh('Resume is not enabled on this server');
    const check = tokens.verify(request.token, admitted.auth?.sub);
    if (!check.ok) return fresh(check.reason);
    const last = request.last === undefined ? undefined : parsePosition(request.last, position.partitions);
    if (request.last !== undefined && !last) return fresh('last is not the id of a frame from this server');

    // Its stream here begins where the replay does: set at activation.
    const conn = newConnection(ws, socket, admitted, session, check.clientId);
    // Nothing is read from the client until it is known who it is.
    ws.pause();
    ws.on('error', (err) => session.log.debug('socket error', { clientId: conn.id, err }));
    const entry: Waiting = {
      conn,
      last,
      timer: setTimeout(() => this.giveUp(entry, 'Resume not answered in time: try again'), this.deps.timeoutMs),
    };
    this.waiting.set(conn.connectionId, entry);
    this.byClient.set(conn.id, (this.byClient.get(conn.id) ?? new Set()).add(entry));
    ws.once('close', () => {
      this.forget(entry);
      this.granted.delete(entry);
      this.untrack(entry);
    });
    session.relay.resume(conn.id, conn.connectionId, admitted.presence).catch(() => this.giveUp(entry, 'Message bus unavailable'));
  }

  /**
   * ws-out `resumed`, at its place in this gateway's stream (the command executor calls it while
   * planning the batch; `afterBatch` activates once the batch is written).
   */
  resumed(command: ResumedCommand): void {
    for (const w of [...(this.byClient.get(command.clientId) ?? [])]) {
      if (w.conn.connectionId !== command.connection) this.giveUp(w, 'Resumed elsewhere', CloseCodes.resumedElsewhere);
    }
    if (command.gateway !== this.deps.gatewayId) return;
    const entry = this.waiting.get(command.connection);
    if (!entry) {
      // Gone before the answer came: the cluster holds the client here now, so this end must be told.
      void this.deps.session.relay.disconnect(command.clientId, 1006, { connection: command.connection, reserve: true, position: command.drop });
      return;
    }
    if (entry.granted) return;
    const drop = command.drop === undefined ? undefined : parsePosition(command.drop, this.deps.position.partitions);
    entry.granted = { from: entry.last ?? drop };
    // From here its end is a disconnect like any connection's.
    runSession(entry.conn, this.deps.session);
    this.granted.add(entry);
  }

  refused(command: ResumeRefusedCommand): void {
    if (command.gateway !== this.deps.gatewayId) return;
    const entry = this.waiting.get(command.connection);
    if (!entry || entry.granted) return;
    this.forget(entry);
    this.untrack(entry);
    const { conn } = entry;
    conn.ws.removeAllListeners('close');
    conn.ws.resume();
    this.deps.session.counters.resumesRefused += 1;
    openSession(conn.ws, conn.socket, { presence: conn.presence, auth: conn.auth }, this.deps.session, refusal(command.reason));
  }

  /** After each ws-out batch: the granted connections whose clients this gateway has caught up with go live. */
  afterBatch(): void {
    if (this.granted.size === 0) return;
    const { position, replay, session } = this.deps;
    for (const entry of this.granted) {
      const from = entry.granted!.from;
      if (from && !position.covers(from)) continue;
      this.granted.delete(entry);
      this.forget(entry);
      this.untrack(entry);
      const { conn } = entry;
      if (conn.closing || conn.ws.readyState !== conn.ws.OPEN) continue;
      session.registry.add(conn);
      session.counters.resumes += 1;
      conn.hold();
      const to = position.snapshot();
      conn.confirmed = encodePosition(from ?? to);
      replay.add({ conn, from, to });
    }
  }

  /** The resumed welcome, sent by the replay before the gap; the client's frames are read from then on. */
  welcome(conn: Connection, complete: boolean): void {
    conn.send(welcomeFrame(conn.id, conn.auth?.sub, this.deps.tokens, { complete }));
    conn.ws.resume();
  }

  /** Every waiting connection opened by `openedBy`, closed (the gateway stops, or was declared dead as of then). */
  closeAll(code: number, reason: string, openedBy = Infinity): void {
    for (const entry of new Set([...this.waiting.values(), ...this.granted])) if (entry.conn.openedAt <= openedBy) this.giveUp(entry, reason, code);
  }

  private giveUp(entry: Waiting, reason: string, code: number = CloseCodes.tryAgainLater): void {
    this.forget(entry);
    this.granted.delete(entry);
    this.untrack(entry);
    // The client lives on another connection now: this one's end is no news.
    if (code === CloseCodes.resumedElsewhere) entry.conn.announced = true;
    entry.conn.close(code, reason);
  }

  private untrack(entry: Waiting): void {
    const entries = this.byClient.get(entry.conn.id);
    entries?.delete(entry);
    if (entries?.size === 0) this.byClient.delete(entry.conn.id);
  }

  private forget(entry: Waiting): void {
    clearTimeout(entry.timer);
    if (this.waiting.get(entry.conn.connectionId) === entry) this.waiting.delete(entry.conn.connectionId);
  }
}
