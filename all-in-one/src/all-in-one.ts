import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import express from 'express';
import { createAdminApp } from '@cmf/admin-api';
import { createGateway, upgradeRules, type Gateway } from '@cmf/gateway';
import {
  closeServer,
  createBus,
  createProbes,
  httpServerOptions,
  listen,
  Metrics,
  PresenceView,
  simulatorPageHeaders,
  topicSpecs,
  type Bus,
  type Config,
  type Logger,
} from '@cmf/shared';
import { createWorker } from '@cmf/worker';

export interface AllInOne {
  port: number;
  bus: Bus;
  gateway: Gateway;
  server: Server;
  close(): Promise<void>;
}

/** The browser client simulator's page (built by `npm run build`), or undefined when it is not built. */
function clientSimulatorPage(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('@cmf/client-simulator/client-simulator.html');
  } catch {
    return undefined;
  }
}

/**
 * Gateway, worker and admin API in one process and on one port: WebSockets, /health, the
 * admin routes and, at `/`, the browser client simulator. On the memory bus unless
 * KAFKA_BROKERS is set.
 */
export async function startAllInOne(config: Config, logger: Logger): Promise<AllInOne> {
  // One set of metrics for the three parts; the admin app serves it at /metrics.
  const metrics = new Metrics({ processMetrics: true });
  const bus = createBus(config, logger, metrics);
  await bus.ensureTopics(topicSpecs(config));
  const worker = await createWorker({ bus, config, logger, metrics });
  const view = await PresenceView.start(bus, config.topics.presence, logger);
  const gateway = await createGateway({ bus, config, logger, metrics, rules: upgradeRules(config, logger) });
  const app = express();
  app.disable('x-powered-by');
  const page = clientSimulatorPage();
  if (page) {
    // Read at each request, so a rebuilt page and its CSP hashes are served together.
    app.get(['/', '/client-simulator.html'], (_req, res, next) => {
      readFile(page, 'utf8').then((html) => res.set(simulatorPageHeaders(html)).send(html), next);
    });
  } else {
    logger.warn('client simulator page not built: run `npm run build` to serve it at /');
  }
  // One /health for the process: the cluster's clients, ready while its gateway accepts and its worker has joined.
  const probes = createProbes({
    bus,
    config,
    component: 'all-in-one',
    gateway: gateway.id,
    clients: () => view.size,
    serving: () => worker.ready && gateway.accepting,
  });
  app.use(createAdminApp({ bus, config, logger, view, metrics, probes }));
  const server = createServer(httpServerOptions(config), app);
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  const port = await listen(server, config.PORT, config.HOST);
  logger.info('listening', { port, gateway: gateway.id, bus: config.brokers.length > 0 ? 'kafka' : 'memory' });
  return {
    port,
    bus,
    gateway,
    server,
    async close() {
      const closed = closeServer(server);
      await gateway.close();
      server.closeAllConnections();
      await closed;
      await worker.close();
      await view.close();
      await bus.close();
    },
  };
}
