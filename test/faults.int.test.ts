import { randomUUID } from 'node:crypto';
import { Cluster } from './support/cluster.js';
import { TestClient } from './support/test-client.js';

async function connectTo(url: string, n: number): Promise<TestClient[]> {
  return Promise.all(Array.from({ length: n }, () => TestClient.connect(url)));
}

async function settled(clients: TestClient[]): Promise<void> {
  const ids = clients.map((c) => c.id);
  await Promise.all(clients.map((c) => c.until(() => ids.every((id) => c.lastClientList()?.includes(id)))));
}

describe('CMF on Kafka under faults', () => {
  let cluster: Cluster;
  const open: TestClient[] = [];

  beforeAll(async () => {
    cluster = await Cluster.start({ gateways: 2, workers: 2, admin: false });
  });

  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await cluster?.stop();
  });

  test('a worker killed with SIGKILL during steady traffic loses nothing', async () => {
    const clients = [...(await connectTo(cluster.gateways[0]!.wsUrl, 2)), ...(await connectTo(cluster.gateways[1]!.wsUrl, 2))];
    open.push(...clients);
    await settled(clients);
    const senders = clients.slice(0, 2);
    const run = randomUUID().slice(0, 8);
    const perSender = 150;
    for (let i = 0; i < perSender; i += 1) {
      if (i === perSender / 3) await cluster.workers[0]!.kill();
      for (const s of senders) s.send({ type: 'broadcast', message: `${run}:${s.id}:${i}` });
      await new Promise((r) => setTimeout(r, 10));
    }
    const expected = perSender * senders.length;
    const mine = (c: TestClient) => c.of('kafka').filter((f) => String(f.message).startsWith(`${run}:`));
    await Promise.all(clients.map((c) => c.until(() => new Set(mine(c).map((f) => f.message)).size === expected, 90_000)));
    const duplicates = clients.map((c) => mine(c).length - expected);
    process.stderr.write(
      `worker SIGKILL: ${expected} broadcasts to each of ${clients.length} clients, all delivered; duplicates seen per client: ${duplicates.join(', ')}\n`,
    );
    for (const c of clients) {
      // Per sender, order holds even across the takeover.
      for (const s of senders) {
        const seq = mine(c)
          .filter((f) => String(f.message).includes(`:${s.id}:`))
          .map((f) => Number(String(f.message).split(':')[2]));
        const firsts = seq.filter((n, i) => seq.indexOf(n) === i);
        expect(firsts).toEqual(Array.from({ length: perSender }, (_, i) => i));
      }
    }
  });

  test('a gateway stopped with SIGTERM closes its sockets with 1001, announces each once and exits 0', async () => {
    const stopping = await cluster.addGateway();
    const leaving = await connectTo(stopping.wsUrl, 3);
    const [watcher] = await connectTo(cluster.gateways[0]!.wsUrl, 1);
    open.push(watcher!);
    await settled([...leaving, watcher!]);
    const exit = stopping.stop();
    for (const c of leaving) expect((await c.closed).code).toBe(1001);
    expect(await exit).toEqual({ code: 0, signal: null });
    for (const c of leaving) await watcher!.next('client-disconnected', (f) => f.clientId === c.id);
    watcher!.send({ type: 'broadcast', message: 'marker after shutdown' });
    await watcher!.next('kafka', (f) => f.message === 'marker after shutdown');
    for (const c of leaving) expect(watcher!.of('client-disconnected').filter((f) => f.clientId === c.id)).toHaveLength(1);
    await watcher!.until(() => leaving.every((c) => watcher!.lastClientList()?.includes(c.id) === false), 3000);
  });

  test("a gateway killed with SIGKILL has its clients announced as disconnected, once, by the cluster", async () => {
    const dying = await cluster.addGateway();
    const orphans = await connectTo(dying.wsUrl, 2);
    const [watcher] = await connectTo(cluster.gateways[0]!.wsUrl, 1);
    open.push(watcher!);
    await settled([...orphans, watcher!]);
    const killedAt = Date.now();
    await dying.kill();
    for (const c of orphans) await watcher!.next('client-disconnected', (f) => f.clientId === c.id, 60_000);
    const tookMs = Date.now() - killedAt;
    process.stderr.write(`gateway SIGKILL: its clients announced gone after ${tookMs} ms (GATEWAY_TIMEOUT_MS=6000)\n`);
    watcher!.send({ type: 'broadcast', message: 'marker after the death' });
    await watcher!.next('kafka', (f) => f.message === 'marker after the death');
    for (const c of orphans) expect(watcher!.of('client-disconnected').filter((f) => f.clientId === c.id)).toHaveLength(1);
    // Every orphan, not just one of them, leaves the list.
    await watcher!.until(() => orphans.every((o) => watcher!.lastClientList()?.includes(o.id) === false), 3000);
  });
});
