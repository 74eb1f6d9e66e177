import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { CloseCodes, type ErrorFrame, type FrameAuth, type Logger, type Metrics } from '@cmf/shared';
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
}

const busUnavailable: ErrorFrame = {
  type: 'error',
  code: 'bus-unavailable',
  message: 'Message not delivered: the message bus is unavailable',
};

/** Publishes the client's disconnect once, whoever notices the end first. */
export function announceDisconnect(conn: Connection, relay: Relay, log: Logger, code: number): Promise<void> {
  if (conn.announced) return Promise.resolve();
  conn.announced = true;
  return relay.disconnect(conn.id, code).catch((err: unknown) => log.error('disconnect not announced', { clientId: conn.id, err }));
}

/**
 * A new client's life on this gateway: `welcome`, its connect relayed, each frame that passes the
 * frame guard relayed as received (with who sent it, when authenticated), its disconnect announced
 * when the socket ends.
 */
export function openSession(ws: WebSocket, socket: Duplex, deps: SessionDeps, auth?: FrameAuth): Connection {
  const { registry, relay, counters, metrics, log, maxBufferedBytes } = deps;
  const conn = new Connection(registry.nextId(), ws, socket, closeListener(counters, log), auth);
  registry.add(conn);
  counters.connectionsOpened += 1;
  const guard = createFrameGuard(conn, deps, (text) => {
    counters.framesIn += 1;
    relay.frame(conn.id, text, conn.auth).catch((err: unknown) => {
      log.warn('frame not relayed', { clientId: conn.id, err });
      metrics.countError('gateway', 'bus-unavailable');
      conn.send([Buffer.from(JSON.stringify(busUnavailable))], maxBufferedBytes);
    });
  });
  ws.on('error', (err) => {
    log.debug('socket error', { clientId: conn.id, err });
    const code = protocolCloseCode(err);
    if (code !== undefined) conn.closedBy(code, err.message);
  });
  ws.on('pong', (data) => conn.pong(data));
  // binaryType is ws's default, 'nodebuffer': one Buffer per message, fragments joined.
  ws.on('message', (data: RawData, isBinary: boolean) => guard.take(data as Buffer, isBinary));
  ws.on('close', (code) => {
    guard.stop();
    registry.remove(conn);
    conn.closedBy(code, 'closed by the client');
    void announceDisconnect(conn, relay, log, conn.closeCode ?? code);
  });
  ws.send(JSON.stringify({ type: 'welcome', clientId: conn.id }));
  relay.connect(conn.id).catch((err: unknown) => {
    log.error('connect not announced; closing the socket', { clientId: conn.id, err });
    conn.close(CloseCodes.serviceRestart, 'Message bus unavailable');
  });
  return conn;
}
