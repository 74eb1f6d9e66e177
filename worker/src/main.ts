import { createServer } from 'node:http';
import {
  closeServer,
  createBus,
  createProbes,
  listen,
  Metrics,
  requireKafka,
  runService,
  serveMetrics,
  serveProbes,
  sendNotFound,
  topicSpecs,
} from '@cmf/shared';
import { createWorker } from './worker.js';

await runService('worker', async (config, logger) => {
  requireKafka(config, 'worker');
  const metrics = new Metrics({ processMetrics: true });
  const bus = createBus(config, logger, metrics);
  await bus.ensureTopics(topicSpecs(config));
  const worker = await createWorker({ bus, config, logger, metrics });
  const probes = createProbes({ bus, config, component: 'worker', clients: () => worker.clientCount, serving: () => worker.ready });
  // Probes and metrics only: the worker serves no traffic.
  const server = createServer((req, res) => {
    if (serveProbes(probes, req, res)) return;
    if ((req.url ?? '/').split('?')[0] === '/metrics') serveMetrics(metrics, res);
    else sendNotFound(res);
  });
  const port = await listen(server, config.PORT, config.HOST);
  logger.info('listening', { port });
  return {
    async close() {
      const closed = closeServer(server);
      await worker.close();
      await bus.close();
      await closed;
    },
  };
});
