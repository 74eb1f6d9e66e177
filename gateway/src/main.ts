import { closeServer, createBus, listen, Metrics, requireKafka, runService, topicSpecs } from '@cmf/shared';
import { createGateway } from './gateway.js';
import { createGatewayServer } from './gateway-server.js';
import { upgradeRules } from './upgrade-rules.js';

await runService('gateway', async (config, logger) => {
  requireKafka(config, 'gateway');
  const metrics = new Metrics({ processMetrics: true });
  const bus = createBus(config, logger, metrics);
  await bus.ensureTopics(topicSpecs(config));
  const gateway = await createGateway({ bus, config, logger, metrics, rules: upgradeRules(config, logger) });
  const server = createGatewayServer(gateway, metrics);
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
