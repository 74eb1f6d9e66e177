import { createServer } from 'node:http';
import {
  closeServer,
  createBus,
  httpServerOptions,
  listen,
  Metrics,
  PresenceView,
  requireKafka,
  runService,
  topicSpecs,
} from '@cmf/shared';
import { createAdminApp } from './admin-app.js';
import { KubernetesStatus } from './kubernetes-status.js';

await runService('admin-api', async (config, logger) => {
  requireKafka(config, 'admin API');
  const metrics = new Metrics({ processMetrics: true });
  const bus = createBus(config, logger, metrics);
  await bus.ensureTopics(topicSpecs(config));
  const view = await PresenceView.start(bus, config.topics.presence, logger);
  const cluster = KubernetesStatus.fromConfig(config);
  const server = createServer(httpServerOptions(config), createAdminApp({ bus, config, logger, view, metrics, cluster }));
  const port = await listen(server, config.ADMIN_PORT, config.HOST);
  logger.info('listening', { port, kubernetes: cluster !== undefined });
  return {
    async close() {
      await closeServer(server);
      await view.close();
      await bus.close();
    },
  };
});
