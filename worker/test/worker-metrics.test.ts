import { createLogger, encodeRecord, loadConfig, MemoryBus, Metrics, PRESENCE_KEY, topicSpecs, type WsInRecord } from '@cmf/shared';
import { createWorker } from '@cmf/worker';
import { metricsUntil, sample } from '../../test/support/metrics-text.js';

test('the worker counts records, deliveries, kicks, dead letters and error codes once per processed batch', async () => {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const bus = new MemoryBus();
  await bus.ensureTopics(topicSpecs(config));
  const metrics = new Metrics();
  const worker = await createWorker({ bus, config, logger: createLogger('silent'), metrics });
  const frame = (clientId: string, data: string): WsInRecord => ({ kind: 'frame', clientId, gateway: 'g1', receivedAt: 1, data });
  const send = (key: string, record: WsInRecord | string) =>
    bus.publish(config.topics.in, [{ key, value: typeof record === 'string' ? Buffer.from(record) : encodeRecord(record) }]);

  await send(PRESENCE_KEY, { kind: 'connect', clientId: 'client-g1-1', gateway: 'g1', at: 1 });
  await send('client-g1-1', frame('client-g1-1', 'not json'));
  await send('client-g1-1', frame('client-g1-1', JSON.stringify({ type: 'nope' })));
  await send('client-g1-1', frame('client-g1-1', JSON.stringify({ type: 'broadcast', message: 'hi' })));
  await send('client-g1-1', frame('client-g1-1', JSON.stringify({ type: 'kick-all' })));
  await send('client-g1-1', 'not a ws-in record');

  const text = await metricsUntil(() => metrics.render(), (t) => sample(t, 'cmf_worker_records_total') === 6);
  expect(sample(text, 'cmf_errors_total{component="worker",code="invalid-format"}')).toBe(1);
  expect(sample(text, 'cmf_errors_total{component="worker",code="unknown-command"}')).toBe(1);
  expect(sample(text, 'cmf_worker_kicks_total')).toBe(1);
  expect(sample(text, 'cmf_worker_dead_letters_total')).toBe(1);
  // Two error frames, one broadcast, and the connect's client-list and client-connected.
  expect(sample(text, 'cmf_worker_deliveries_total')).toBe(5);
  // A worker exports what it counts, nothing of the gateway's.
  expect(text).not.toContain('cmf_gateway_');

  await worker.close();
  await bus.close();
});
