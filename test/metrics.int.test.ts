import { Cluster } from './support/cluster.js';
import { metricsUntil, sample } from './support/metrics-text.js';
import type { ServiceProcess } from './support/service-process.js';
import { TestClient } from './support/test-client.js';

const scrape = (service: ServiceProcess) => async (): Promise<string> => {
  const res = await fetch(`${service.url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
};

describe('/metrics and /cluster on a real broker, with every component its own process', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start({ gateways: 1, workers: 1, admin: true });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  test('gateway, worker and admin API count the traffic; the admin API exports the worker group lag and /cluster', async () => {
    const [gateway] = cluster.gateways;
    const [worker] = cluster.workers;
    const admin = cluster.admin!;
    const client = await TestClient.connect(gateway!.wsUrl);
    client.send({ type: 'broadcast', message: 'counted' });
    await client.next('kafka', (f) => f.message === 'counted', 60_000);

    const g = await metricsUntil(scrape(gateway!), (t) => (sample(t, 'cmf_gateway_frames_out_total') ?? 0) >= 1);
    expect(sample(g, 'cmf_gateway_connections')).toBe(1);
    expect(sample(g, 'cmf_gateway_frames_in_total')).toBe(1);
    // Produce requests to Kafka are timed (the frame, the connect, heartbeats).
    expect(sample(g, 'cmf_produce_latency_seconds_count')).toBeGreaterThan(0);
    expect(g).toContain('process_cpu_user_seconds_total');

    const w = await metricsUntil(scrape(worker!), (t) => (sample(t, 'cmf_worker_deliveries_total') ?? 0) >= 1);
    expect(sample(w, 'cmf_worker_records_total')).toBeGreaterThanOrEqual(2);
    expect(sample(w, 'cmf_produce_latency_seconds_count')).toBeGreaterThan(0);

    const { WORKER_GROUP_ID: group, KAFKA_TOPIC_IN: topic } = cluster.env;
    const a = await metricsUntil(scrape(admin), (t) => t.includes(`cmf_consumer_lag{group="${group}"`));
    for (let p = 0; p < Number(cluster.env.KAFKA_IN_PARTITIONS); p += 1) {
      expect(sample(a, `cmf_consumer_lag{group="${group}",topic="${topic}",partition="${p}"}`)).toBeGreaterThanOrEqual(0);
    }

    const res = await fetch(`${admin.url}/cluster`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      kubernetes: boolean;
      message: string;
      workerLag: { group: string; topic: string; total: number; partitions: { partition: number; committed: string | null; end: string; lag: number }[] };
    };
    expect(body).toMatchObject({ kubernetes: false, message: 'not running in Kubernetes', workerLag: { group, topic } });
    expect(body.workerLag.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3, 4, 5]);
    // The worker has consumed and committed what was sent so far.
    expect(body.workerLag.partitions.some((p) => p.committed !== null && Number(p.end) > 0)).toBe(true);
    await client.close();
  });
});
