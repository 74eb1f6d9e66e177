import request from 'supertest';
import { createLogger, encodeRecord, loadConfig, MemoryBus, Metrics, PresenceView, topicSpecs } from '@cmf/shared';
import { createAdminApp } from '@cmf/admin-api';
import { sample } from '../../test/support/metrics-text.js';

test('the admin API serves /metrics: the worker group lag per partition of ws-in, and its errors by code', async () => {
  const config = loadConfig({ LOG_LEVEL: 'silent', ADMIN_TOKEN: 'secret' });
  const bus = new MemoryBus();
  await bus.ensureTopics(topicSpecs(config));
  const view = await PresenceView.start(bus, config.topics.presence, createLogger('silent'));
  const metrics = new Metrics();
  const app = createAdminApp({ bus, config, logger: createLogger('silent'), view, metrics });
  await bus.publish(config.topics.in, [{ key: 'x', value: encodeRecord({ kind: 'tick', at: 1 }) }]);

  await request(app).get('/clients').expect(401);
  await request(app).post('/clients/nobody/kick').set('authorization', 'Bearer secret').send({}).expect(404);
  // Public, like the probes, so Prometheus can scrape it without the token.
  const res = await request(app).get('/metrics').expect(200).expect('content-type', /^text\/plain/);
  const lag = [...Array(config.KAFKA_IN_PARTITIONS).keys()].map(
    (p) => sample(res.text, `cmf_consumer_lag{group="cmf-worker",topic="ws-in",partition="${p}"}`) ?? NaN,
  );
  expect(lag.every(Number.isFinite)).toBe(true);
  expect(lag.reduce((a, b) => a + b, 0)).toBe(1);
  expect(sample(res.text, 'cmf_errors_total{component="admin-api",code="unauthorized"}')).toBe(1);
  expect(sample(res.text, 'cmf_errors_total{component="admin-api",code="not-found"}')).toBe(1);

  await view.close();
  await bus.close();
});
