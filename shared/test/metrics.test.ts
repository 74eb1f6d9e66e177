import { MemoryBus, Metrics } from '@cmf/shared';
import { sample } from '../../test/support/metrics-text.js';

describe('Metrics', () => {
  test('exports every CMF metric with its help and type', async () => {
    const text = await new Metrics().render();
    for (const [name, type] of [
      ['cmf_gateway_connections', 'gauge'],
      ['cmf_gateway_connections_opened_total', 'counter'],
      ['cmf_gateway_frames_in_total', 'counter'],
      ['cmf_gateway_frames_out_total', 'counter'],
      ['cmf_gateway_kicks_total', 'counter'],
      ['cmf_worker_records_total', 'counter'],
      ['cmf_worker_deliveries_total', 'counter'],
      ['cmf_worker_kicks_total', 'counter'],
      ['cmf_worker_dead_letters_total', 'counter'],
      ['cmf_errors_total', 'counter'],
      ['cmf_produce_latency_seconds', 'histogram'],
      ['cmf_consumer_lag', 'gauge'],
    ]) {
      expect(text).toContain(`# TYPE ${name} ${type}`);
      expect(text).toMatch(new RegExp(`# HELP ${name} \\S`));
    }
  });

  test('hot-path tallies are plain numbers, read at scrape time', async () => {
    const metrics = new Metrics();
    metrics.framesIn += 3;
    metrics.framesOut += 7;
    metrics.deliveries += 2;
    let text = await metrics.render();
    expect(sample(text, 'cmf_gateway_frames_in_total')).toBe(3);
    expect(sample(text, 'cmf_gateway_frames_out_total')).toBe(7);
    expect(sample(text, 'cmf_worker_deliveries_total')).toBe(2);
    metrics.framesIn += 1;
    text = await metrics.render();
    expect(sample(text, 'cmf_gateway_frames_in_total')).toBe(4);
  });

  test('open connections are summed over the gateways that report them, until they unregister', async () => {
    const metrics = new Metrics();
    const unregister = metrics.countConnections(() => 5);
    metrics.countConnections(() => 2);
    expect(sample(await metrics.render(), 'cmf_gateway_connections')).toBe(7);
    unregister();
    expect(sample(await metrics.render(), 'cmf_gateway_connections')).toBe(2);
  });

  test('errors are counted by component and code', async () => {
    const metrics = new Metrics();
    metrics.countError('worker', 'invalid-format', 2);
    metrics.countError('worker', 'invalid-format');
    metrics.countError('admin-api', 'not-found');
    const text = await metrics.render();
    expect(sample(text, 'cmf_errors_total{component="worker",code="invalid-format"}')).toBe(3);
    expect(sample(text, 'cmf_errors_total{component="admin-api",code="not-found"}')).toBe(1);
  });

  test('produce latency is a histogram of acknowledged produce requests', async () => {
    const metrics = new Metrics();
    metrics.observeProduce(0.004);
    metrics.observeProduce(0.2);
    const text = await metrics.render();
    expect(sample(text, 'cmf_produce_latency_seconds_count')).toBe(2);
    expect(sample(text, 'cmf_produce_latency_seconds_bucket{le="0.005"}')).toBe(1);
  });

  test('consumer lag per partition, read from the bus at scrape time; a source that does not answer is left out', async () => {
    const bus = new MemoryBus();
    await bus.ensureTopics([{ name: 'in', partitions: 2 }]);
    await bus.publish('in', [
      { key: 'a', value: Buffer.from('1') },
      { key: 'a', value: Buffer.from('2') },
      { key: 'b', value: Buffer.from('3') },
    ]);
    const metrics = new Metrics({ lagTimeoutMs: 50 });
    metrics.exportLag({ group: 'workers', topic: 'in', read: () => bus.groupLag('workers', 'in') });
    metrics.exportLag({ group: 'stuck', topic: 'in', read: () => new Promise(() => undefined) });
    const text = await metrics.render();
    const lags = [0, 1].map((p) => sample(text, `cmf_consumer_lag{group="workers",topic="in",partition="${p}"}`) ?? 0);
    expect(lags.reduce((a, b) => a + b, 0)).toBe(3);
    expect(text).not.toContain('group="stuck"');
    await bus.close();
  });

  test('process metrics only when asked for', async () => {
    expect(await new Metrics().render()).not.toContain('process_cpu_user_seconds_total');
    expect(await new Metrics({ processMetrics: true }).render()).toContain('process_cpu_user_seconds_total');
  });
});
