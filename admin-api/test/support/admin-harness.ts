import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';
import {
  clientPresenceKey,
  createLogger,
  encodeRecord,
  httpServerOptions,
  loadConfig,
  MemoryBus,
  PresenceView,
  topicSpecs,
  type ClientPresence,
  type Config,
} from '@cmf/shared';
import { createAdminApp } from '@cmf/admin-api';
import { Collector } from '../../../test/support/collector.js';

export const logger = createLogger('silent');

/** An address outside this machine (TEST-NET-3, RFC 5737), as the admin API sees a remote peer. */
export const REMOTE_ADDRESS = '203.0.113.7';

export interface Harness {
  app: Express;
  bus: MemoryBus;
  config: Config;
  view: PresenceView;
  /** What reaches ws-in, where admin commands go. */
  wsIn: Collector;
  addClient(clientId: string, gateway?: string, connectedAt?: number, away?: ClientPresence['away']): Promise<void>;
  removeClient(clientId: string): Promise<void>;
  /**
   * The app on a real HTTP server with the production server options, on loopback. With `peer`,
   * every connection reports that remote address instead: how a caller on another host looks.
   */
  serve(peer?: string): Promise<Server>;
}

const open: { close(): Promise<void> }[] = [];

/** An admin app on the memory bus with this environment (MAX_PAYLOAD_BYTES 1024 unless said otherwise). */
export async function setup(env: Record<string, string> = {}): Promise<Harness> {
  const config = loadConfig({ LOG_LEVEL: 'silent', MAX_PAYLOAD_BYTES: '1024', ...env });
  const bus = new MemoryBus();
  await bus.ensureTopics(topicSpecs(config));
  const wsIn = new Collector();
  await bus.subscribe({ topic: config.topics.in, onBatch: wsIn.onBatch });
  const view = await PresenceView.start(bus, config.topics.presence, logger);
  const app = createAdminApp({ bus, config, logger, view });
  const servers: Server[] = [];
  open.push({
    async close() {
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve).closeAllConnections())));
      await view.close();
      await bus.close();
    },
  });
  return {
    app,
    bus,
    config,
    view,
    wsIn,
    addClient: async (clientId, gateway = 'g1', connectedAt = Date.UTC(2024, 0, 2, 3, 4, 5, 678), away) => {
      const value: ClientPresence = { kind: 'client', clientId, gateway, connectedAt, ...(away ? { away } : {}) };
      await bus.publish(config.topics.presence, [{ key: clientPresenceKey(clientId), value: encodeRecord(value) }]);
    },
    removeClient: async (clientId) => {
      await bus.publish(config.topics.presence, [{ key: clientPresenceKey(clientId), value: null }]);
    },
    async serve(peer) {
      const server = createServer(httpServerOptions(config), app);
      if (peer) {
        server.prependListener('connection', (socket: Socket) => Object.defineProperty(socket, 'remoteAddress', { value: peer }));
      }
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    },
  };
}

/** Closes every harness of the test; call from afterEach. */
export async function closeAll(): Promise<void> {
  for (const h of open.splice(0)) await h.close();
}

export const expectProblem = (body: unknown, code: string): void => {
  expect(body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
};
