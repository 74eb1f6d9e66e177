import { closeServer, createBus, listen, requireKafka, runService, topicSpecs } from '@cmf/shared';
import { createGateway } from './gateway.js';
import { createGatewayServer } from './gateway-server.js';

await runService('gateway', async (config, logger) => {
  requireKafka(config, 'gateway');
  const bus = createBus(config, logger);
  await bus.ensureTopics(topicSpecs(config));
  const gateway = await createGateway({ bus, config, logger });
  const server = createGatewayServer(gateway);
  const port = await listen(server, config.PORT, config.HOST);
  logger.info('listening', { port, gateway: gateway.id });
  return {
    async close() {
      const closed = closeServer(server);
      await gateway.close();
      server.closeAllConnections();
      await closed;
      await bus.close();
    },
  };
});
