import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { CloseCodes, refOf, type ErrorFrame, type FrameAuth, type Logger, type Metrics, type PresenceMode, type WelcomeFrame } from '@cmf/shared';
import { protocolCloseCode } from './close-listener.js';
import { Connection, type CloseListener } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { createFrameGuard, type FrameLimits } from './frame-guard.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { Relay } from './relay.js';
import type { ResumeTokens } from './resume-token.js';

export interface SessionDeps {
  registry: ConnectionRegistry;
  relay: Relay;
  counters: GatewayMetrics;
  metrics: Metrics;
  log: Logger;
  maxBufferedBytes: number;
  limits: FrameLimits;
  /** True after the gateway was frozen long enough to have been declared dead: nothing more is relayed. */
  frozen(): boolean;
  /** Signs resume tokens; undefined when resume is off. */
  tokens: ResumeTokens | undefined;
  /** The gateway's ws-out position now. */
  position(): string;
  /** Told as each connection begins to close (one for all connections: a closure per socket costs memory). */
  onClose: CloseListener;
}

/** What the upgrade decided about a connection before it became a socket. */
export interface Admitted {
  presence: PresenceMode;
  auth?: FrameAuth | undefined;
}

/** Close codes a client sends when it means to leave: its end is announced at once. */
const LEAVING = new Set([1000, 1001, 1005]);

/**
 * Whether an end keeps the client's id reserved for a resume: anything but the client's own close
 * (1000, 1001, none), since a socket the gateway closed (shutdown, slow reader, frozen) or the
 * network cut is not the client leaving. Kicks are announced before their close and never reserve.
 * Asked before the close is recorded on the connection.
 */
export const reservesId = (conn: Connection, code: number): boolean => conn.closing || !LEAVING.has(code);

/** Publishes the client's disconnect once, whoever notices the end first. */
export function announceDisconnect(conn: Connection, relay: Relay, code: number, reserve: boolean): Promise<void> {
  if (conn.announced) return Promise.resolve();
  conn.announced = true;
  return relay.disconnect(conn.id, code, { connection: conn.connectionId, reserve, position: conn.confirmed });
}

/** The first frame of a connection; with resume on, it carries a token for coming back as this client. */
export function welcomeFrame(clientId: string, subject: string | undefined, tokens: ResumeTokens | undefined, resumed?: { complete: boolean }): string {
  const welcome: WelcomeFrame = {
    type: 'welcome',
    clientId,
    ...(tokens ? { resumeToken: tokens.issue(clientId, subject) } : {}),
    ...(resumed ? { resumed: true, complete: resumed.complete } : {}),
  };
  return JSON.stringify(welcome);
}

/** The answer to a frame the bus did not take, echoing its ref: the frame is never delivered. */
function refusal(text: string): string {
  const ref = refOf(text);
  const frame: ErrorFrame = {
    type: 'error',
    code: 'bus-unavailable',
    message: 'Message not delivered: the message bus is unavailable',
    ...(ref === undefined ? {} : { ref }),
  };
  return JSON.stringify(frame);
}

/** A connection object for a socket the upgrade admitted: a new client's, or (with `clientId`) a resuming one's. */
export function newConnection(ws: WebSocket, socket: Duplex, { presence, auth }: Admitted, deps: SessionDeps, clientId?: string): Connection {
  const next = deps.registry.next();
  const options = { presence, auth, onClose: deps.onClose, position: deps.position() };
  return new Connection(clientId ?? next.clientId, next.connectionId, ws, socket, options);
}

/**
 * A client's life on this gateway, fresh or resumed: each frame that passes the frame guard relayed
 * as received, with who sent it when authenticated (or refused at once while the bus is known to
 * be down), its disconnect announced when the socket ends.
 */
export function runSession(conn: Connection, deps: SessionDeps): void {
  const { registry, relay, counters, metrics, log } = deps;
  const { ws } = conn;
  const refuse = (text: string): void => {
    metrics.countError('gateway', 'bus-unavailable');
    conn.send(refusal(text));
  };
  const guard = createFrameGuard(conn, deps, (text) => {
    counters.framesIn += 1;
    if (!relay.available) return refuse(text);
    void relay.frame(conn.id, text, conn.auth).then((taken) => {
      if (!taken) refuse(text);
    });
  });
  ws.on('error', (err) => {
    log.debug('socket error', { clientId: conn.id, err });
    const code = protocolCloseCode(err);
    if (code !== undefined) conn.closedBy(code, err.message);
  });
  ws.on('pong', (data) => conn.pong(data));
  ws.on('message', (data: RawData, isBinary: boolean) => {
    // Once the gateway begins closing a socket (kicked, too slow, frozen, expired, shutting down)
    // its client may already be announced gone: what it still sends is not relayed. A gateway
    // waking from a freeze may run its clock (which closes the sockets) before reading them.
    if (deps.frozen() || conn.closing) return;
    // binaryType is ws's default, 'nodebuffer': one Buffer per message, fragments joined.
    guard.take(data as Buffer, isBinary);
  });
  ws.on('close', (code) => {
    guard.stop();
    registry.remove(conn);
    const reserve = reservesId(conn, code);
    conn.closedBy(code, 'closed by the client');
    void announceDisconnect(conn, relay, conn.closeCode ?? code, reserve);
  });
}

/**
 * A new client: `welcome` (after `preface`, the refusal of a resume it asked for), its connect
 * relayed, then its session.
 */
export function openSession(ws: WebSocket, socket: Duplex, admitted: Admitted, deps: SessionDeps, preface?: string): Connection {
  const { registry, relay, counters, log } = deps;
  const conn = newConnection(ws, socket, admitted, deps);
  registry.add(conn);
  counters.connectionsOpened += 1;
  runSession(conn, deps);
  if (preface) conn.send(preface);
  conn.send(welcomeFrame(conn.id, conn.auth?.sub, deps.tokens));
  relay.connect(conn.id, admitted.presence, { connection: conn.connectionId, resumable: deps.tokens !== undefined, at: conn.openedAt }).catch((err: unknown) => {
    log.warn('connect not announced; closing the socket', { clientId: conn.id, err });
    conn.close(CloseCodes.tryAgainLater, 'Message bus unavailable');
  });
  return conn;
}
