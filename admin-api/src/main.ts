import { createServer } from 'node:http';
import { closeServer, createBus, listen, PresenceView, requireKafka, runService, topicSpecs } from '@cmf/shared';
import { createAdminApp } from './admin-app.js';

await runService('admin-api', async (config, logger) => {
  requireKafka(config, 'admin API');
  const bus = createBus(config, logger);
  await bus.ensureTopics(topicSpecs(config));
  const view = await PresenceView.start(bus, config.topics.presence, logger);
  const server = createServer(createAdminApp({ bus, config, logger, view }));
  const port = await listen(server, config.ADMIN_PORT, config.HOST);
  logger.info('listening', { port });
  return {
    async close() {
      await closeServer(server);
      await view.close();
      await bus.close();
    },
  };
});
