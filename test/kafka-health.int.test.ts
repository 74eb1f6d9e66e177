import { existsSync } from 'node:fs';
import { Cluster } from './support/cluster.js';
import { eventually } from './support/eventually.js';
import { restartOwnBroker, startOwnBroker, stopOwnBroker, type OwnBroker } from './support/kafka.js';
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
  let broker: OwnBroker;
  let cluster: Cluster;

  beforeAll(async () => {
    broker = await startOwnBroker();
    cluster = await Cluster.start({ gateways: 1, workers: 1, admin: true, env: { KAFKA_BROKERS: broker.brokers } });
  });

  afterAll(async () => {
    await cluster?.stop();
    if (broker && existsSync(broker.runDir)) await stopOwnBroker(broker.runDir);
  });

  test('/health says disconnected while the broker is down and connected after it returns; traffic resumes', async () => {
    const [gateway] = cluster.gateways;
    const admin = cluster.admin!;
    await kafkaBecomes(gateway!, 'connected');
    await kafkaBecomes(admin, 'connected');

    await stopOwnBroker(broker.runDir, { keep: true });
    expect(existsSync(`${broker.runDir}/data`)).toBe(true);
    await kafkaBecomes(gateway!, 'disconnected');
    await kafkaBecomes(admin, 'disconnected');
    const down = (await (await fetch(`${admin.url}/health`)).json()) as Record<string, unknown>;
    expect(down).toMatchObject({ status: 'degraded', kafka: 'disconnected' });
    expect((await fetch(`${gateway!.url}/ready`)).status).toBe(503);

    // The same broker, on the same port and data: the components reconnect to the address they have.
    expect((await restartOwnBroker(broker.runDir)).brokers).toBe(broker.brokers);
    await kafkaBecomes(gateway!, 'connected');
    await kafkaBecomes(admin, 'connected');
    expect((await fetch(`${gateway!.url}/ready`)).status).toBe(200);

    const client = await TestClient.connect(gateway!.wsUrl);
    client.send({ type: 'broadcast', message: 'after the outage' });
    await client.next('kafka', (f) => f.message === 'after the outage', 90_000);
    await client.close();
  });

  test('stop.sh without --keep removes the run dir start.sh made', async () => {
    await cluster.stop();
    await stopOwnBroker(broker.runDir);
    expect(existsSync(broker.runDir)).toBe(false);
  });
});
