import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  clientIdOf,
  CloseCodes,
  decodeRecord,
  encodeRecord,
  newGatewayId,
  PRESENCE_KEY,
  WsOutRecordSchema,
  type Batch,
  type Bus,
  type Config,
  createProbes,
  type Logger,
  Metrics,
  type Probes,
  type Subscription,
  type Target,
  type WsInRecord,
} from '@cmf/shared';
import { RecentIds } from './recent-ids.js';

export interface GatewayDeps {
  bus: Bus;
  config: Config;
  logger: Logger;
  /** Where the gateway counts connections and frames; default: metrics of its own. */
  metrics?: Metrics;
}

export interface Gateway {
  readonly id: string;
  readonly clientCount: number;
  /** Taking new connections: false before start-up ends and once close() began. */
  readonly accepting: boolean;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** /health counts this gateway's sockets; ready while accepting connections and the bus answers. */
  readonly probes: Probes;
  /** Stop intake, close every socket with 1001, announce the disconnects, stop consuming. */
  close(): Promise<void>;
}

interface Connection {
  id: string;
  ws: WebSocket;
  alive: boolean;
  announced: boolean;
  closing: boolean;
}

const SEEN_CAPACITY = 100_000;

/**
 * Terminates WebSockets and nothing else: ids, limits, heartbeats, relaying to ws-in, and
 * executing ws-out commands. It never looks inside a client's frame.
 */
export async function createGateway({ bus, config, logger, metrics = new Metrics() }: GatewayDeps): Promise<Gateway> {
  const id = config.GATEWAY_ID ?? newGatewayId();
  const log = logger.child('gateway');
  const connections = new Map<string, Connection>();
  const seen = new RecentIds(SEEN_CAPACITY);
  let sequence = 0;
  let accepting = false;

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: config.MAX_PAYLOAD_BYTES,
    // A message's fragments count against maxPayload as a whole; this caps their number too.
    maxFragments: 1024,
  });

  const publishIn = (key: string, record: WsInRecord): Promise<void> =>
    bus.publish(config.topics.in, [{ key, value: encodeRecord(record) }]);

  const announceDisconnect = (conn: Connection, code: number): Promise<void> => {
    if (conn.announced) return Promise.resolve();
    conn.announced = true;
    return publishIn(PRESENCE_KEY, { kind: 'disconnect', clientId: conn.id, gateway: id, at: Date.now(), code }).catch(
      (err: unknown) => log.error('disconnect not announced', { clientId: conn.id, err }),
    );
  };

  const onConnection = (ws: WebSocket): void => {
    sequence += 1;
    const conn: Connection = { id: clientIdOf(id, sequence), ws, alive: true, announced: false, closing: false };
    connections.set(conn.id, conn);
    metrics.connectionsOpened += 1;
    ws.on('error', (err) => log.debug('socket error', { clientId: conn.id, err }));
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('message', (data: RawData) => {
      // binaryType is ws's default, 'nodebuffer': one Buffer per message, fragments joined.
      const text = (data as Buffer).toString('utf8');
      metrics.framesIn += 1;
      publishIn(conn.id, { kind: 'frame', clientId: conn.id, gateway: id, receivedAt: Date.now(), data: text }).catch(
        (err: unknown) => {
          log.warn('frame not relayed', { clientId: conn.id, err });
          metrics.countError('gateway', 'bus-unavailable');
          send(conn, [
            Buffer.from(
              JSON.stringify({ type: 'error', code: 'bus-unavailable', message: 'Message not delivered: the message bus is unavailable' }),
            ),
          ]);
        },
      );
    });
    ws.on('close', (code) => {
      connections.delete(conn.id);
      void announceDisconnect(conn, code);
    });
    ws.send(JSON.stringify({ type: 'welcome', clientId: conn.id }));
    publishIn(PRESENCE_KEY, { kind: 'connect', clientId: conn.id, gateway: id, at: Date.now() }).catch((err: unknown) => {
      log.error('connect not announced; closing the socket', { clientId: conn.id, err });
      ws.close(CloseCodes.serviceRestart, 'Message bus unavailable');
    });
  };

  /** The frames for one socket go out in one write: cork, queue them all, uncork. */
  const send = (conn: Connection, frames: Buffer[]): void => {
    const { ws } = conn;
    if (ws.readyState !== WebSocket.OPEN || conn.closing) return;
    if (ws.bufferedAmount > config.MAX_BUFFERED_BYTES) {
      conn.closing = true;
      ws.close(CloseCodes.slowConsumer, 'Slow consumer');
      return;
    }
    const tcp = (ws as unknown as { _socket: Socket })._socket;
    tcp.cork();
    for (const frame of frames) ws.send(frame, { binary: false });
    tcp.uncork();
    metrics.framesOut += frames.length;
  };

  /** The sockets a command targets; a generator, so a broadcast builds no array per command. */
  function* targets(target: Target): Generator<Connection> {
    if (target.type === 'clients') {
      for (const cid of target.ids) {
        const conn = connections.get(cid);
        if (conn) yield conn;
      }
      return;
    }
    const except = target.except;
    for (const conn of connections.values()) if (!except?.includes(conn.id)) yield conn;
  }

  const onBatch = async (batch: Batch): Promise<void> => {
    const outgoing = new Map<Connection, Buffer[]>();
    const kicked = new Set<Connection>();
    const expired: Connection[] = [];
    for (const r of batch.records) {
      let command;
      try {
        command = decodeRecord(WsOutRecordSchema, r.value ?? '');
      } catch (err) {
        log.warn('skipping a record that is not a ws-out command', { partition: batch.partition, offset: r.offset, err });
        continue;
      }
      if (!seen.add(command.id)) continue;
      if (command.kind === 'gateway-expired') {
        if (command.gateway === id) expired.push(...connections.values());
        continue;
      }
      const bytes = Buffer.from(command.frame);
      for (const conn of targets(command.target)) {
        // Nothing goes to a socket after its kicked frame.
        if (conn.closing || kicked.has(conn)) continue;
        const frames = outgoing.get(conn);
        if (frames) frames.push(bytes);
        else outgoing.set(conn, [bytes]);
        if (command.kind === 'kick') kicked.add(conn);
      }
    }
    for (const [conn, frames] of outgoing) send(conn, frames);
    metrics.kicks += kicked.size;
    for (const conn of kicked) {
      conn.closing = true;
      conn.ws.close(CloseCodes.kicked, 'Kicked');
    }
    for (const conn of expired) {
      // The cluster already announced these clients as gone; they reconnect and get new ids.
      conn.announced = true;
      conn.closing = true;
      conn.ws.close(CloseCodes.serviceRestart, 'Gateway expired');
    }
  };

  const subscription: Subscription = await bus.subscribe({
    topic: config.topics.out,
    label: `${config.GATEWAY_GROUP_PREFIX}-${id}`,
    onBatch,
  });
  const uncount = metrics.countConnections(() => connections.size);

  const heartbeat = (): void => {
    publishIn(PRESENCE_KEY, { kind: 'gateway-heartbeat', gateway: id, at: Date.now() }).catch((err: unknown) =>
      log.warn('heartbeat not published', { err }),
    );
  };
  heartbeat();
  const heartbeatTimer = setInterval(heartbeat, config.GATEWAY_HEARTBEAT_MS);
  const pingTimer = setInterval(() => {
    for (const conn of connections.values()) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }, config.PING_INTERVAL_MS);
  accepting = true;
  log.info('gateway started', { gateway: id });

  return {
    id,
    get clientCount() {
      return connections.size;
    },
    get accepting() {
      return accepting;
    },
    handleUpgrade(req, socket, head) {
      socket.on('error', (err) => log.debug('upgrade socket error', { err }));
      if (!accepting) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, onConnection);
    },
    probes: createProbes({ bus, config, component: 'gateway', gateway: id, clients: () => connections.size, serving: () => accepting }),
    async close() {
      if (!accepting) return;
      accepting = false;
      clearInterval(heartbeatTimer);
      clearInterval(pingTimer);
      const open = [...connections.values()];
      const announced = open.map((conn) => announceDisconnect(conn, CloseCodes.goingAway));
      const closed = Promise.all(open.map((conn) => new Promise((resolve) => conn.ws.once('close', resolve))));
      for (const conn of open) conn.ws.close(CloseCodes.goingAway, 'Server shutting down');
      const timer = setTimeout(() => open.forEach((conn) => conn.ws.terminate()), config.SHUTDOWN_TIMEOUT_MS / 2);
      await closed;
      clearTimeout(timer);
      await Promise.all(announced);
      await publishIn(PRESENCE_KEY, { kind: 'gateway-down', gateway: id, at: Date.now() }).catch((err: unknown) =>
        log.warn('gateway-down not published', { err }),
      );
      await subscription.close();
      uncount();
      log.info('gateway stopped', { gateway: id, clients: open.length });
    },
  };
}
