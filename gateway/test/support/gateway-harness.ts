import type { Server } from 'node:http';
import WebSocket from 'ws';
import { createGateway, createGatewayServer, upgradeRules, type Gateway } from '@cmf/gateway';
import {
  createLogger,
  decodeRecord,
  encodeCommand,
  listen,
  loadConfig,
  MemoryBus,
  Metrics,
  topicSpecs,
  WsInRecordSchema,
  type Config,
  type WsInRecord,
  type WsOutRecord,
} from '@cmf/shared';
import { Collector } from '../../../test/support/collector.js';

/** A gateway alone on the memory bus, with the rules its configuration asks for: the test plays the worker. */
export interface Harness<B extends MemoryBus = MemoryBus> {
  bus: B;
  config: Config;
  gateway: Gateway;
  server: Server;
  port: number;
  url: string;
  wsIn: Collector;
  /** What the gateway logged, one object per line. */
  logs: Record<string, unknown>[];
  inRecords(): WsInRecord[];
  /** The data of every frame record relayed to ws-in. */
  frames(): string[];
  command(command: WsOutRecord): Promise<void>;
  metrics(): Promise<string>;
}

const open: { close(): Promise<unknown> }[] = [];

/** Closes what setup() and track() opened; call in afterEach. */
export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((o) => o.close()));
}

/** Closed by closeAll(), before the gateways. */
export function track(...items: { close(): Promise<unknown> }[]): void {
  open.unshift(...items);
}

/** `bus`: a memory bus of the test's own (one that fails on purpose, say); a plain one by default. */
export async function setup<B extends MemoryBus = MemoryBus>(env: Record<string, string> = {}, bus: B = new MemoryBus() as B): Promise<Harness<B>> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', ...env });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger('debug', 'test', 'json', (line) => {
    logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  await bus.ensureTopics(topicSpecs(config));
  const wsIn = new Collector();
  await bus.subscribe({ topic: config.topics.in, fromBeginning: true, onBatch: wsIn.onBatch });
  const metrics = new Metrics();
  const gateway = await createGateway({ bus, config, logger, metrics, rules: upgradeRules(config, logger) });
  const server = createGatewayServer(gateway, metrics);
  const port = await listen(server, 0, '127.0.0.1');
  open.push({
    close: async () => {
      await gateway.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await bus.close();
    },
  });
  const inRecords = (): WsInRecord[] => wsIn.received.map((r) => decodeRecord(WsInRecordSchema, r.value ?? ''));
  return {
    bus,
    config,
    gateway,
    server,
    port,
    url: `ws://127.0.0.1:${port}`,
    wsIn,
    logs,
    inRecords,
    frames: () => inRecords().flatMap((r) => (r.kind === 'frame' ? [r.data] : [])),
    command: async (command) => {
      await bus.publish(config.topics.out, [{ key: 'k', value: encodeCommand(command) }]);
    },
    metrics: () => metrics.render(),
  };
}

/** An upgrade's outcome: the HTTP status of a refusal, or 101 (the socket is closed again at once). */
export function upgradeStatus(url: string, options: { headers?: Record<string, string> } = {}): Promise<number> {
  const ws = new WebSocket(url, options);
  ws.on('error', () => undefined);
  return new Promise<number>((resolve) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('upgrade', () => {
      resolve(101);
      ws.close();
    });
  });
}
