import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { CloseCodes, refOf, type ErrorFrame, type Logger, type Metrics, type PresenceMode, type WelcomeFrame } from '@cmf/shared';
import { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
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
  /** True after the gateway was frozen long enough to have been declared dead: nothing more is relayed. */
  frozen(): boolean;
  /** Signs resume tokens; undefined when resume is off. */
  tokens: ResumeTokens | undefined;
  /** The gateway's ws-out position now. */
  position(): string;
}

/** Close codes a client sends when it means to leave: its end is announced at once. */
const LEAVING = new Set([1000, 1001, 1005]);

/**
 * Whether an end keeps the client's id reserved for a resume: anything but the client's own close
 * (1000, 1001, none), since a socket the gateway closed (shutdown, slow reader, frozen) or the
 * network cut is not the client leaving. Kicks are announced before their close and never reserve.
 */
export const reservesId = (conn: Connection, code: number): boolean => conn.closing || !LEAVING.has(code);

/** Publishes the client's disconnect once, whoever notices the end first. */
export function announceDisconnect(conn: Connection, relay: Relay, code: number, reserve: boolean): Promise<void> {
  if (conn.announced) return Promise.resolve();
  conn.announced = true;
  return relay.disconnect(conn.id, code, { connection: conn.connectionId, reserve, position: conn.confirmed });
}

/** The first frame of a connection; with resume on, it carries a token for coming back as this client. */
export function welcomeFrame(clientId: string, tokens: ResumeTokens | undefined, resumed?: { complete: boolean }): string {
  const welcome: WelcomeFrame = {
    type: 'welcome',
    clientId,
    ...(tokens ? { resumeToken: tokens.issue(clientId) } : {}),
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

/**
 * A client's life on this gateway, fresh or resumed: each frame relayed as received (or refused at
 * once while the bus is known to be down), its disconnect announced when the socket ends.
 */
export function runSession(conn: Connection, deps: SessionDeps): void {
  const { registry, relay, counters, metrics, log } = deps;
  const { ws } = conn;
  const refuse = (text: string): void => {
    metrics.countError('gateway', 'bus-unavailable');
    conn.send(refusal(text));
  };
  ws.on('error', (err) => log.debug('socket error', { clientId: conn.id, err }));
  ws.on('pong', () => {
    conn.alive = true;
    if (conn.pinged !== undefined) conn.confirmed = conn.pinged;
  });
  ws.on('message', (data: RawData) => {
    if (deps.frozen()) return;
    // binaryType is ws's default, 'nodebuffer': one Buffer per message, fragments joined.
    const text = (data as Buffer).toString('utf8');
    counters.framesIn += 1;
    if (!relay.available) return refuse(text);
    void relay.frame(conn.id, text).then((taken) => {
      if (!taken) refuse(text);
    });
  });
  ws.on('close', (code) => {
    registry.remove(conn);
    void announceDisconnect(conn, relay, code, reservesId(conn, code));
  });
}

/**
 * A new client: `welcome` (after `preface`, the refusal of a resume it asked for), its connect
 * relayed, then its session.
 */
export function openSession(ws: WebSocket, socket: Duplex, presence: PresenceMode, deps: SessionDeps, preface?: string): Connection {
  const { registry, relay, counters, log } = deps;
  const { clientId, connectionId } = registry.next();
  const conn = new Connection(clientId, connectionId, ws, socket, presence, deps.position());
  registry.add(conn);
  counters.connectionsOpened += 1;
  runSession(conn, deps);
  if (preface) conn.send(preface);
  conn.send(welcomeFrame(conn.id, deps.tokens));
  relay.connect(conn.id, presence, { connection: connectionId, resumable: deps.tokens !== undefined }).catch((err: unknown) => {
    log.warn('connect not announced; closing the socket', { clientId: conn.id, err });
    conn.close(CloseCodes.tryAgainLater, 'Message bus unavailable');
  });
  return conn;
}
