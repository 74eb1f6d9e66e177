import { randomBytes } from 'node:crypto';
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
  type RangeReader,
} from '@cmf/shared';
import { announceDisconnect, openSession, type SessionDeps } from './client-session.js';
import { closeListener } from './close-listener.js';
import { CommandExecutor } from './command-executor.js';
import type { Connection } from './connection.js';
import { ConnectionRegistry } from './connection-registry.js';
import { gatewayMetrics } from './gateway-metrics.js';
import { startLiveness } from './liveness.js';
import { RecentIds } from './recent-ids.js';
import { Relay } from './relay.js';
import { Replay } from './replay.js';
import { resumeRequestOf } from './resume-request.js';
import { ResumeTokens } from './resume-token.js';
import { Resumptions } from './resumptions.js';
import { closeAllConnections } from './shutdown.js';
import { StreamPosition } from './stream-position.js';
import { upgradeHandler, type UpgradeHandlerDeps } from './upgrade-handler.js';
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

/** Enough ids to drop the commands of a batch redelivered after a worker crash. */
const SEEN_CAPACITY = 100_000;

/**
 * The resume token signer: RESUME_SECRET, shared by every gateway; on the memory bus (one process)
 * a key of its own when unset. On Kafka without it, gateways could not check each other's tokens:
 * resume is off, and said so.
 */
function resumeTokensOf(config: Config, log: Logger): ResumeTokens | undefined {
  if (config.RESUME_SECRET) return new ResumeTokens(config.RESUME_SECRET);
  if (config.brokers.length === 0) return new ResumeTokens(randomBytes(32).toString('base64url'));
  log.warn('RESUME_SECRET is not set: clients cannot resume after a dropped connection; give every gateway the same secret to turn it on');
  return undefined;
}

interface ResumeSideDeps {
  bus: Bus;
  config: Config;
  gatewayId: string;
  position: StreamPosition;
  session: SessionDeps;
}

/** What resumes take: the ws-out range reader, the replay of a gap, the resumptions under way. */
function resumeSide({ bus, config, gatewayId, position, session }: ResumeSideDeps) {
  const { tokens, relay, log, counters, maxBufferedBytes } = session;
  // One range reader per gateway, opened up front (on Kafka a group join) so the first resume does not wait for it.
  let reader: Promise<RangeReader> | undefined;
  const openReader = (): Promise<RangeReader> =>
    (reader ??= bus.openReader(config.topics.out).catch((err: unknown) => {
      reader = undefined;
      throw err;
    }));
  if (tokens) openReader().catch((err: unknown) => log.warn('the ws-out reader for resumes did not open; the first resume tries again', { err }));
  const seen = new RecentIds(SEEN_CAPACITY);
  const kicked = (conn: Connection): void => void announceDisconnect(conn, relay, CloseCodes.kicked, false);
  const replay = new Replay({
    reader: openReader,
    startOffsets: () => bus.startOffsets(config.topics.out),
    recent: seen,
    maxBufferedBytes,
    stallMs: config.GATEWAY_TIMEOUT_MS,
    counters,
    log,
    welcome: (conn, complete) => resumptions.welcome(conn, complete),
    kicked,
  });
  const resumptions = new Resumptions({ gatewayId, session, tokens, position, replay, timeoutMs: config.GATEWAY_TIMEOUT_MS, log });
  const closeReader = async (): Promise<void> => {
    await reader?.then((r) => r.close()).catch(() => undefined);
  };
  return { resumptions, seen, kicked, closeReader };
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
  // The gateway reads ws-out from today's end, and knows from the first record where it stands.
  const start = await bus.endOffsets(config.topics.out);
  const position = new StreamPosition(start);
  const streamAt = (): string => position.toString();
  const relay = new Relay({ bus, topic: config.topics.in, gateway: id, log, publishTimeoutMs: config.PUBLISH_TIMEOUT_MS, position: streamAt });
  const maxBufferedBytes = config.MAX_BUFFERED_BYTES;
  const tokens = resumeTokensOf(config, log);
  let accepting = false;
  const limits = { ratePerS: config.CLIENT_RATE_PER_S, burst: config.CLIENT_BURST, abuseS: config.CLIENT_ABUSE_S };
  const session: SessionDeps = { registry, relay, counters, metrics, log, maxBufferedBytes, limits, tokens, position: streamAt, frozen: () => liveness.frozen(), onClose: closeListener(counters, log) };
  const { resumptions, seen, kicked, closeReader } = resumeSide({ bus, config, gatewayId: id, position, session });
  const { onBatch } = new CommandExecutor({ gatewayId: id, registry, counters, log, maxBufferedBytes, position, seen, resumptions, kicked });
  const subscription = await bus.subscribe({ topic: config.topics.out, label: `${config.GATEWAY_GROUP_PREFIX}-${id}`, startAt: start, onBatch });
  const uncount = counters.countConnections(() => registry.size);
  const { GATEWAY_HEARTBEAT_MS: heartbeatMs, PING_INTERVAL_MS: pingMs, GATEWAY_TIMEOUT_MS: timeoutMs } = config;
  const onFrozen = (): void => {
    for (const conn of registry.all()) conn.close(CloseCodes.serviceRestart, 'Gateway was frozen');
    resumptions.closeAll(CloseCodes.serviceRestart, 'Gateway was frozen');
  };
  const liveness = startLiveness({ registry, relay, log, heartbeatMs, pingMs, timeoutMs, onFrozen, position: streamAt });
  const open: UpgradeHandlerDeps['open'] = (ws, socket, admitted, req) => {
    const resume = resumeRequestOf(req);
    if (resume) resumptions.open(ws, socket, admitted, resume);
    else openSession(ws, socket, admitted, session);
  };
  const wss = webSocketServer(config.MAX_PAYLOAD_BYTES);
  const handleUpgrade = upgradeHandler({ wss, rules, registry, counters, log, maxConnections: config.MAX_CONNECTIONS, open,
    accepting: () => accepting, busAvailable: () => relay.available });
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
      resumptions.closeAll(CloseCodes.goingAway, 'Server shutting down');
      const clients = await closeAllConnections(registry, relay, config.SHUTDOWN_TIMEOUT_MS / 2);
      await relay.down().catch((err: unknown) => log.warn('gateway-down not published', { err }));
      await subscription.close();
      await closeReader();
      uncount();
      log.info('gateway stopped', { gateway: id, clients });
    },
  };
}
