import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import {
  CloseCodes,
  createProbes,
  Metrics,
  newGatewayId,
  type Bus,
  type Config,
  type Logger,
  type Probes,
} from '@cmf/shared';
import { announceDisconnect, openSession } from './client-session.js';
import { createCommandExecutor } from './command-executor.js';
import { ConnectionRegistry } from './connection-registry.js';
import { gatewayMetrics } from './gateway-metrics.js';
import { startLiveness } from './liveness.js';
import { Relay } from './relay.js';
import { admit, refuseUpgrade, type Admission, type UpgradeRule } from './upgrade-policy.js';

export interface GatewayDeps {
  bus: Bus;
  config: Config;
  logger: Logger;
  /** Where the gateway counts connections and frames; default: metrics of its own. */
  metrics?: Metrics;
  /**
   * Rules an upgrade must pass before it becomes a socket, in order (see upgrade-policy.ts);
   * upgradeRules(config) builds the configured ones. The gateway checks its own first: that it is
   * accepting, and MAX_CONNECTIONS.
   */
  rules?: UpgradeRule[];
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

/**
 * Terminates WebSockets and nothing else: ids, limits, heartbeats, relaying to ws-in, and
 * executing ws-out commands. It never looks inside a client's frame.
 */
export async function createGateway({ bus, config, logger, metrics = new Metrics(), rules = [] }: GatewayDeps): Promise<Gateway> {
  const id = config.GATEWAY_ID ?? newGatewayId();
  const log = logger.child('gateway');
  const counters = gatewayMetrics(metrics);
  const registry = new ConnectionRegistry(id);
  const relay = new Relay(bus, config.topics.in, id);
  const maxBufferedBytes = config.MAX_BUFFERED_BYTES;
  const limits = { ratePerS: config.CLIENT_RATE_PER_S, burst: config.CLIENT_BURST, abuseS: config.CLIENT_ABUSE_S };
  let accepting = false;
  // Upgrades admitted by the cap but not yet sockets: counted, so concurrent upgrades cannot overshoot it.
  let upgrading = 0;

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: config.MAX_PAYLOAD_BYTES,
    // A message's fragments count against maxPayload as a whole; this caps their number too.
    maxFragments: 1024,
    // One message per socket per event-loop turn: a client that sends thousands of frames at once
    // is read at the pace of everyone else (the rest waits in its TCP buffers), so its burst is
    // interleaved with other clients' traffic instead of running ahead of it.
    allowSynchronousEvents: false,
  });
  const onBatch = createCommandExecutor({ gatewayId: id, registry, counters, log, maxBufferedBytes });
  const subscription = await bus.subscribe({ topic: config.topics.out, label: `${config.GATEWAY_GROUP_PREFIX}-${id}`, onBatch });
  const uncount = counters.countConnections(() => registry.size);
  const stopLiveness = startLiveness({ registry, relay, log, heartbeatMs: config.GATEWAY_HEARTBEAT_MS, pingMs: config.PING_INTERVAL_MS });
  const capacity = (): Admission => {
    if (!accepting) return { ok: false, status: 503, reason: 'The gateway is not accepting connections' };
    if (registry.size + upgrading >= config.MAX_CONNECTIONS) {
      return { ok: false, status: 503, reason: `The gateway holds its maximum of ${config.MAX_CONNECTIONS} connections (MAX_CONNECTIONS)` };
    }
    return { ok: true };
  };
  const refuse = (req: IncomingMessage, socket: Duplex, status: number, reason: string): void => {
    counters.countRefusal(status);
    // The reason, never the URL or headers: they may hold the token. Floods (429, 503) are counted, not logged line by line.
    const fields = { status, reason, address: req.socket.remoteAddress };
    if (status === 401 || status === 403) log.info('upgrade refused', fields);
    else log.debug('upgrade refused', fields);
    refuseUpgrade(socket, status, reason);
  };
  const session = { registry, relay, counters, metrics, log, maxBufferedBytes, limits };
  accepting = true;
  log.info('gateway started', { gateway: id });

  return {
    id,
    get clientCount() {
      return registry.size;
    },
    get accepting() {
      return accepting;
    },
    probes: createProbes({ bus, config, component: 'gateway', gateway: id, clients: () => registry.size, serving: () => accepting }),
    handleUpgrade(req, socket, head) {
      socket.on('error', (err) => log.debug('upgrade socket error', { err }));
      const room = capacity();
      if (!room.ok) return refuse(req, socket, room.status, room.reason);
      upgrading += 1;
      void admit(rules, req)
        .catch((err: unknown): Admission => {
          log.error('an upgrade rule failed', { err });
          return { ok: false, status: 503, reason: 'The upgrade could not be checked' };
        })
        .then((admission) => {
          upgrading -= 1;
          if (!admission.ok) refuse(req, socket, admission.status, admission.reason);
          else if (!accepting) refuse(req, socket, 503, 'The gateway is not accepting connections');
          else wss.handleUpgrade(req, socket, head, (ws) => openSession(ws, socket, session, admission.auth));
        });
    },
    async close() {
      if (!accepting) return;
      accepting = false;
      stopLiveness();
      const open = [...registry.all()];
      const announced = open.map((conn) => announceDisconnect(conn, relay, log, CloseCodes.goingAway));
      const closed = Promise.all(open.map((conn) => new Promise((resolve) => conn.ws.once('close', resolve))));
      for (const conn of open) conn.close(CloseCodes.goingAway, 'Server shutting down');
      const timer = setTimeout(() => open.forEach((conn) => conn.ws.terminate()), config.SHUTDOWN_TIMEOUT_MS / 2);
      await closed;
      clearTimeout(timer);
      await Promise.all(announced);
      await relay.down().catch((err: unknown) => log.warn('gateway-down not published', { err }));
      await subscription.close();
      uncount();
      log.info('gateway stopped', { gateway: id, clients: open.length });
    },
  };
}
