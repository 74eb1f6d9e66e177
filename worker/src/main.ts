import { createServer } from 'node:http';
import { closeServer, createBus, listen, Metrics, requireKafka, runService, serveMetrics, topicSpecs } from '@cmf/shared';
import { createWorker } from './worker.js';

await runService('worker', async (config, logger) => {
  requireKafka(config, 'worker');
  const metrics = new Metrics({ processMetrics: true });
  const bus = createBus(config, logger, metrics);
  await bus.ensureTopics(topicSpecs(config));
  const worker = await createWorker({ bus, config, logger, metrics });
  // Probes and metrics only: the worker serves no traffic.
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: object): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (path === '/health') {
      void bus.isConnected().then((up) =>
        reply(200, { status: up ? 'healthy' : 'degraded', timestamp: new Date().toISOString(), kafka: up ? 'connected' : 'disconnected' }),
      );
    } else if (path === '/ready') {
      void bus.isConnected().then((up) => reply(up && worker.ready ? 200 : 503, { ready: up && worker.ready }));
    } else if (path === '/metrics') {
      serveMetrics(metrics, res);
    } else {
      reply(404, { error: { code: 'not-found', message: 'Not found' } });
    }
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
