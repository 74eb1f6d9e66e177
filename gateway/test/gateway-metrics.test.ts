import { createGateway, createGatewayServer, gatewayMetrics } from '@cmf/gateway';
import { createLogger, encodeCommand, listen, loadConfig, MemoryBus, Metrics, topicSpecs, type WsOutRecord } from '@cmf/shared';
import { Collector } from '../../test/support/collector.js';
import { metricsUntil, sample } from '../../test/support/metrics-text.js';
import { TestClient } from '../../test/support/test-client.js';

test('the gateway serves /metrics: connections, frames in and out, kicks, relay errors', async () => {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
  const bus = new MemoryBus();
  await bus.ensureTopics(topicSpecs(config));
  const wsIn = new Collector();
  await bus.subscribe({ topic: config.topics.in, onBatch: wsIn.onBatch });
  const metrics = new Metrics();
  const gateway = await createGateway({ bus, config, logger: createLogger('silent'), metrics });
  const server = createGatewayServer(gateway, metrics);
  const port = await listen(server, 0, '127.0.0.1');
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return res.text();
  };
  const command = (c: WsOutRecord) => bus.publish(config.topics.out, [{ key: 'k', value: encodeCommand(c) }]);

  const a = await TestClient.connect(`ws://127.0.0.1:${port}`);
  const b = await TestClient.connect(`ws://127.0.0.1:${port}`);
  a.send({ type: 'broadcast', message: 'one' });
  a.send({ type: 'broadcast', message: 'two' });
  await wsIn.until((r) => r.filter((x) => x.key === a.id).length === 2);
  let text = await scrape();
  expect(sample(text, 'cmf_gateway_connections')).toBe(2);
  expect(sample(text, 'cmf_gateway_connections_opened_total')).toBe(2);
  expect(sample(text, 'cmf_gateway_frames_in_total')).toBe(2);

  const frame = JSON.stringify({ type: 'kafka', from: a.id, message: 'one', timestamp: 1, id: 'x' });
  await command({ kind: 'deliver', id: 'd1', target: { type: 'all' }, frame });
  await command({ kind: 'kick', id: 'k1', target: { type: 'clients', ids: [b.id] }, frame: JSON.stringify({ type: 'kicked', message: 'bye' }) });
  await b.closed;
  text = await metricsUntil(scrape, (t) => sample(t, 'cmf_gateway_connections') === 1);
  // The broadcast went to both sockets, the kicked frame to one.
  expect(sample(text, 'cmf_gateway_frames_out_total')).toBe(3);
  expect(sample(text, 'cmf_gateway_kicks_total')).toBe(1);

  await bus.close();
  a.send({ type: 'broadcast', message: 'lost' });
  await a.until((f) => f.some((x) => x.type === 'error'));
  text = await scrape();
  expect(sample(text, 'cmf_errors_total{component="gateway",code="bus-unavailable"}')).toBe(1);

  // The gateway owns heartbeat and ping timers: close it, not only its bus.
  await gateway.close();
  await a.closed;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('gateway metrics: the open-connection gauge sums every gateway of the process; no worker counters', async () => {
  const metrics = new Metrics();
  const counters = gatewayMetrics(metrics);
  expect(gatewayMetrics(metrics)).toBe(counters);
  const unregister = counters.countConnections(() => 5);
  counters.countConnections(() => 2);
  let text = await metrics.render();
  expect(sample(text, 'cmf_gateway_connections')).toBe(7);
  expect(text).not.toContain('cmf_worker_');
  unregister();
  text = await metrics.render();
  expect(sample(text, 'cmf_gateway_connections')).toBe(2);
});
