import { MemoryBus, Metrics, tally } from '@cmf/shared';
import { sample } from '../../test/support/metrics-text.js';

describe('Metrics', () => {
  test('a process exports only what its components count: errors always, the rest once a part registers it', async () => {
    const metrics = new Metrics();
    let text = await metrics.render();
    expect(text).toContain('# TYPE cmf_errors_total counter');
    expect(text).toMatch(/# HELP cmf_errors_total \S/);
    for (const name of ['cmf_gateway_', 'cmf_worker_', 'cmf_produce_latency_seconds', 'cmf_consumer_lag']) expect(text).not.toContain(name);
    metrics.observeProduce(0.001);
    metrics.exportLag({ group: 'g', topic: 't', read: async () => [] });
    text = await metrics.render();
    expect(text).toContain('# TYPE cmf_produce_latency_seconds histogram');
    expect(text).toContain('# TYPE cmf_consumer_lag gauge');
  });

  test('a part is made and registered once per process, however often it is asked for', async () => {
    const metrics = new Metrics();
    let made = 0;
    const part = () =>
      metrics.part('demo', (registry) => {
        made += 1;
        let n = 0;
        tally(registry, 'cmf_demo_total', 'A demonstration tally', () => (n += 1));
        return { made };
      });
    expect(part()).toBe(part());
    expect(made).toBe(1);
  });

  test('hot-path tallies are plain numbers, read at scrape time', async () => {
    const metrics = new Metrics();
    let frames = 3;
    metrics.part('demo', (registry) => tally(registry, 'cmf_demo_frames_total', 'Frames', () => frames));
    let text = await metrics.render();
    expect(sample(text, 'cmf_demo_frames_total')).toBe(3);
    frames += 1;
    text = await metrics.render();
    expect(sample(text, 'cmf_demo_frames_total')).toBe(4);
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
