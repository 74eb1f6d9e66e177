import { createServer, type Server } from 'node:http';
import express from 'express';
import { createAdminApp } from '@cmf/admin-api';
import { createGateway, handleGatewayProbe, type Gateway } from '@cmf/gateway';
import { closeServer, createBus, listen, PresenceView, topicSpecs, type Bus, type Config, type Logger } from '@cmf/shared';
import { createWorker } from '@cmf/worker';

export interface AllInOne {
  port: number;
  bus: Bus;
  gateway: Gateway;
  server: Server;
  close(): Promise<void>;
}

/**
 * Gateway, worker and admin API in one process and on one port: WebSockets, /health and the
 * admin routes. On the memory bus unless KAFKA_BROKERS is set.
 */
export async function startAllInOne(config: Config, logger: Logger): Promise<AllInOne> {
  const bus = createBus(config, logger);
  await bus.ensureTopics(topicSpecs(config));
  const worker = await createWorker({ bus, config, logger });
  const view = await PresenceView.start(bus, config.topics.presence, logger);
  const gateway = await createGateway({ bus, config, logger });
  const app = express();
  app.disable('x-powered-by');
  // The gateway answers /health and /ready: with one gateway its client count is the total.
  app.use((req, res, next) => {
    if (!handleGatewayProbe(gateway, req, res)) next();
  });
  app.use(createAdminApp({ bus, config, logger, view }));
  const server = createServer(app);
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
