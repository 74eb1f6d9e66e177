import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { CloseCodes, refOf, type ErrorFrame, type FrameAuth, type Logger, type Metrics, type PresenceMode } from '@cmf/shared';
import { closeListener, protocolCloseCode } from './close-listener.js';
import { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { createFrameGuard, type FrameLimits } from './frame-guard.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { Relay } from './relay.js';

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
}

/** What the upgrade decided about a connection before it became a socket. */
export interface Admitted {
  presence: PresenceMode;
  auth?: FrameAuth | undefined;
}

/** Publishes the client's disconnect once, whoever notices the end first. */
export function announceDisconnect(conn: Connection, relay: Relay, code: number): Promise<void> {
  if (conn.announced) return Promise.resolve();
  conn.announced = true;
  return relay.disconnect(conn.id, code);
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
 * A new client's life on this gateway: `welcome`, its connect relayed, each frame that passes the
 * frame guard relayed as received, with who sent it when authenticated (or refused at once while
 * the bus is known to be down), its disconnect announced when the socket ends.
 */
export function openSession(ws: WebSocket, socket: Duplex, { presence, auth }: Admitted, deps: SessionDeps): Connection {
  const { registry, relay, counters, metrics, log } = deps;
  const conn = new Connection(registry.nextId(), ws, socket, { presence, auth, onClose: closeListener(counters, log) });
  registry.add(conn);
  counters.connectionsOpened += 1;
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
    conn.closedBy(code, 'closed by the client');
    void announceDisconnect(conn, relay, conn.closeCode ?? code);
  });
  conn.send(JSON.stringify({ type: 'welcome', clientId: conn.id }));
  relay.connect(conn.id, presence, conn.openedAt).catch((err: unknown) => {
    log.warn('connect not announced; closing the socket', { clientId: conn.id, err });
    conn.close(CloseCodes.tryAgainLater, 'Message bus unavailable');
  });
  return conn;
}
