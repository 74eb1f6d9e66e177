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
import type { SessionDeps } from './client-session.js';
import { CommandExecutor } from './command-executor.js';
import { ConnectionRegistry } from './connection-registry.js';
import { gatewayMetrics } from './gateway-metrics.js';
import { startLiveness } from './liveness.js';
import { Relay } from './relay.js';
import { closeAllConnections } from './shutdown.js';
import { upgradeHandler } from './upgrade-handler.js';
import type { UpgradeRule } from './upgrade-policy.js';

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

/** ws, told explicitly what it must refuse: compression off, one size limit for a message and its fragments. */
function webSocketServer(maxPayload: number): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload,
    // A message's fragments count against maxPayload as a whole; this caps their number too.
    maxFragments: 1024,
    // One message per socket per event-loop turn: a client that sends thousands of frames at once
    // is read at the pace of everyone else (the rest waits in its TCP buffers), so its burst is
    // interleaved with other clients' traffic instead of running ahead of it.
    allowSynchronousEvents: false,
  });
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
  const limits = { ratePerS: config.CLIENT_RATE_PER_S, burst: config.CLIENT_BURST, abuseS: config.CLIENT_ABUSE_S };
  const session: SessionDeps = { registry, relay, counters, metrics, log, maxBufferedBytes, limits, frozen: liveness.frozen };
  const handleUpgrade = upgradeHandler({
    wss,
    rules,
    session,
    registry,
    counters,
    log,
    maxConnections: config.MAX_CONNECTIONS,
    accepting: () => accepting,
    busAvailable: () => relay.available,
  });
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
    handleUpgrade,
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
