import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import {
  CloseCodes,
  createProbes,
  Metrics,
  newGatewayId,
  PresenceModeSchema,
  type Bus,
  type Config,
  type Logger,
  type PresenceMode,
  type Probes,
} from '@cmf/shared';
import { openSession, type SessionDeps } from './client-session.js';
import { CommandExecutor } from './command-executor.js';
import { ConnectionRegistry } from './connection-registry.js';
import { gatewayMetrics } from './gateway-metrics.js';
import { startLiveness } from './liveness.js';
import { Relay } from './relay.js';
import { closeAllConnections } from './shutdown.js';
import { admit, refuseUpgrade, whileOpen, type UpgradeRule } from './upgrade-policy.js';

export interface GatewayDeps {
  bus: Bus;
  config: Config;
  logger: Logger;
  /** Where the gateway counts connections and frames; default: metrics of its own. */
  metrics?: Metrics;
  /** Rules an upgrade must pass before it becomes a socket, in order (see upgrade-policy.ts). */
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

/** The `?presence=` of an upgrade: `full` (the original protocol) when absent, undefined when not a mode. */
function presenceModeOf(req: IncomingMessage): PresenceMode | undefined {
  const asked = new URL(req.url ?? '/', 'http://gateway').searchParams.get('presence');
  if (asked === null) return 'full';
  const parsed = PresenceModeSchema.safeParse(asked);
  return parsed.success ? parsed.data : undefined;
}

/** ws, told explicitly what it must refuse: compression off, one size limit for a message and its fragments. */
function webSocketServer(maxPayload: number): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload,
    // A message's fragments count against maxPayload as a whole; this caps their number too.
    maxFragments: 1024,
  });
}

/** An upgrade becomes a socket only once it passes the rules; its `?presence=` is read first. */
function upgradeHandler(wss: WebSocketServer, rules: readonly UpgradeRule[], session: SessionDeps): Gateway['handleUpgrade'] {
  return (req, socket, head) => {
    socket.on('error', (err) => session.log.debug('upgrade socket error', { err }));
    const presence = presenceModeOf(req);
    if (!presence) {
      refuseUpgrade(socket, 400, 'presence must be full, delta or none');
      return;
    }
    void admit(rules, req).then((admission) => {
      if (!admission.ok) refuseUpgrade(socket, admission.status, admission.reason);
      else wss.handleUpgrade(req, socket, head, (ws) => openSession(ws, socket, presence, session));
    });
  };
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
  const relay = new Relay({ bus, topic: config.topics.in, gateway: id, log, publishTimeoutMs: config.PUBLISH_TIMEOUT_MS });
  const maxBufferedBytes = config.MAX_BUFFERED_BYTES;
  let accepting = false;

  const wss = webSocketServer(config.MAX_PAYLOAD_BYTES);
  const { onBatch } = new CommandExecutor({ gatewayId: id, registry, counters, log, maxBufferedBytes });
  const subscription = await bus.subscribe({ topic: config.topics.out, label: `${config.GATEWAY_GROUP_PREFIX}-${id}`, onBatch });
  const uncount = counters.countConnections(() => registry.size);
  const { GATEWAY_HEARTBEAT_MS: heartbeatMs, PING_INTERVAL_MS: pingMs, GATEWAY_TIMEOUT_MS: timeoutMs } = config;
  const onFrozen = (): void => {
    for (const conn of registry.all()) conn.close(CloseCodes.serviceRestart, 'Gateway was frozen');
  };
  const liveness = startLiveness({ registry, relay, log, heartbeatMs, pingMs, timeoutMs, onFrozen });
  const session: SessionDeps = { registry, relay, counters, metrics, log, maxBufferedBytes, frozen: liveness.frozen };
  const upgradeRules = [
    whileOpen(() => accepting, 'The gateway is not accepting connections'),
    // While the bus is known to be down a connect could not be announced: refuse it now, not after a welcome.
    whileOpen(() => relay.available, 'The message bus is unavailable'),
    ...rules,
  ];
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
    handleUpgrade: upgradeHandler(wss, upgradeRules, session),
    async close() {
      if (!accepting) return;
      accepting = false;
      liveness.stop();
      const clients = await closeAllConnections(registry, relay, config.SHUTDOWN_TIMEOUT_MS / 2);
      await relay.down().catch((err: unknown) => log.warn('gateway-down not published', { err }));
      await subscription.close();
      uncount();
      log.info('gateway stopped', { gateway: id, clients });
    },
  };
}
