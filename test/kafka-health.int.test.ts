import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { startOwnBroker, stopOwnBroker } from './support/kafka.js';
import type { ServiceProcess } from './support/service-process.js';
import { TestClient } from './support/test-client.js';

/** Polls a /health endpoint until its `kafka` field says `state`; the answer is the event here. */
async function kafkaBecomes(service: ServiceProcess, state: string, timeoutMs = 60_000): Promise<void> {
  let last: unknown;
  await eventually(async () => ((last = await (await fetch(`${service.url}/health`)).json()) as { kafka?: string }).kafka === state, {
    timeoutMs,
    intervalMs: 250,
    what: () => `${service.component} /health saying kafka=${state} (last: ${JSON.stringify(last)})`,
  });
}

describe('health follows the real Kafka broker', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'cmf-health-broker-'));
  let cluster: Cluster;

  beforeAll(async () => {
    const brokers = await startOwnBroker(runDir);
    cluster = await Cluster.start({ gateways: 1, workers: 1, admin: true, env: { KAFKA_BROKERS: brokers } });
  });

  afterAll(async () => {
    await cluster?.stop();
    await stopOwnBroker(runDir).catch(() => undefined);
    rmSync(runDir, { recursive: true, force: true });
  });

  test('/health says disconnected while the broker is down and connected after it returns; traffic resumes', async () => {
    const [gateway] = cluster.gateways;
    const admin = cluster.admin!;
    await kafkaBecomes(gateway!, 'connected');
    await kafkaBecomes(admin, 'connected');

    await stopOwnBroker(runDir);
    await kafkaBecomes(gateway!, 'disconnected');
    await kafkaBecomes(admin, 'disconnected');
    const down = (await (await fetch(`${admin.url}/health`)).json()) as Record<string, unknown>;
    expect(down).toMatchObject({ status: 'degraded', kafka: 'disconnected' });
    expect((await fetch(`${gateway!.url}/ready`)).status).toBe(503);

    await startOwnBroker(runDir, true);
    await kafkaBecomes(gateway!, 'connected');
    await kafkaBecomes(admin, 'connected');
    expect((await fetch(`${gateway!.url}/ready`)).status).toBe(200);

    const client = await TestClient.connect(gateway!.wsUrl);
    client.send({ type: 'broadcast', message: 'after the outage' });
    await client.next('kafka', (f) => f.message === 'after the outage', 90_000);
    await client.close();
  });
});
