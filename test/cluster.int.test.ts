import { randomUUID } from 'node:crypto';
import { Cluster } from './support/cluster.js';
import { TestClient, type Frame } from './support/test-client.js';

type Four = [TestClient, TestClient, TestClient, TestClient];

/**
 * Connects `perGateway` clients to each gateway, gateway 0's first, and waits until each has
 * seen a client list holding all of them.
 */
async function connectEverywhere(cluster: Cluster, perGateway: number): Promise<TestClient[]> {
  const groups = await Promise.all(
    cluster.gateways.map((g) => Promise.all(Array.from({ length: perGateway }, () => TestClient.connect(g.wsUrl)))),
  );
  const all = groups.flat();
  const ids = all.map((c) => c.id);
  await Promise.all(all.map((c) => c.until(() => ids.every((id) => c.lastClientList()?.includes(id)))));
  return all;
}

const kafkaWith = (message: string) => (f: Frame) => f.type === 'kafka' && f.message === message;

describe('CMF on Kafka: two gateways, two workers and the admin API as separate processes', () => {
  let cluster: Cluster;
  const open: TestClient[] = [];

  beforeAll(async () => {
    cluster = await Cluster.start({ gateways: 2, workers: 2, admin: true });
  });

  // Each test starts from a cluster it can verify is empty: the last test's clients are gone everywhere.
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await cluster.untilEmpty();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  const connect = async (perGateway: number): Promise<TestClient[]> => {
    const clients = await connectEverywhere(cluster, perGateway);
    open.push(...clients);
    return clients;
  };

  test('a broadcast reaches every client on every gateway exactly once, the sender included', async () => {
    const [a, b, c, d] = (await connect(2)) as Four;
    const message = `hello-${randomUUID()}`;
    a.send({ type: 'broadcast-all', message });
    a.send({ type: 'broadcast', message: 'marker' });
    for (const client of [a, b, c, d]) {
      await client.until((f) => f.some(kafkaWith('marker')));
      const got = client.frames.filter(kafkaWith(message));
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ type: 'kafka', from: a.id, message });
      expect(typeof got[0]!.timestamp).toBe('number');
    }
  });

  test('a direct message crosses gateways and reaches only its target', async () => {
    const [a, b, c, d] = (await connect(2)) as Four;
    const message = `psst-${randomUUID()}`;
    a.send({ type: 'broadcast-one', targetId: d.id, message });
    a.send({ type: 'broadcast-all', message: 'marker' });
    await Promise.all([a, b, c, d].map((x) => x.until((f) => f.some(kafkaWith('marker')))));
    expect(d.of('direct')).toEqual([expect.objectContaining({ type: 'direct', from: a.id, message })]);
    for (const other of [a, b, c]) expect(other.of('direct')).toHaveLength(0);
  });

  test('bad frames get error frames naming the problem; the sender keeps working', async () => {
    const [a] = (await connect(1)) as [TestClient];
    const errorsSoFar = () => a.of('error').length;
    const expectError = async (frame: object | string, expected: Partial<Frame>) => {
      const before = errorsSoFar();
      a.send(frame);
      await a.until(() => errorsSoFar() > before);
      expect(a.of('error').at(-1)).toMatchObject({ type: 'error', ...expected });
    };
    await expectError({ type: 'broadcast-one', targetId: 'client-nobody-1', message: 'x' }, { code: 'unknown-target' });
    await expectError({ type: 'kick-one', targetId: 'client-nobody-1' }, { code: 'unknown-target' });
    await expectError('this is not json', { message: 'Invalid message format' });
    await expectError({ type: 'dance' }, { message: 'Unknown command' });
    await expectError({ type: 'broadcast-one', message: 'x' }, { code: 'invalid-field', field: 'targetId' });
    await expectError({ type: 'broadcast-all', message: 42 }, { code: 'invalid-field', field: 'message' });
    await expectError({ message: 'no type' }, { code: 'invalid-field', field: 'type' });
    a.send({ type: 'broadcast', message: 'still here' });
    await a.next('kafka', (f) => f.message === 'still here');
  });

  test('an oversized frame closes only that socket, with 1009', async () => {
    const [big, neighbour, far] = (await connect(2)) as Four;
    big.send({ type: 'broadcast', message: 'x'.repeat(64 * 1024) });
    expect((await big.closed).code).toBe(1009);
    neighbour.send({ type: 'broadcast', message: 'after the big one' });
    await neighbour.next('kafka', (f) => f.message === 'after the big one');
    await far.next('kafka', (f) => f.message === 'after the big one');
    await far.next('client-disconnected', (f) => f.clientId === big.id);
  });

  test('messages from one sender arrive everywhere in the order sent', async () => {
    const [a, b, c, d] = (await connect(2)) as Four;
    const run = randomUUID().slice(0, 8);
    const n = 200;
    for (let i = 0; i < n; i += 1) a.send({ type: 'broadcast', message: `${run}:${i}` });
    for (const client of [a, b, c, d]) {
      const mine = () => client.of('kafka').filter((f) => String(f.message).startsWith(`${run}:`));
      await client.until(() => mine().length >= n);
      expect(mine().map((f) => Number(String(f.message).split(':')[1]))).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  test('kick-one crosses gateways; the kicker stays connected; the disconnect is announced once', async () => {
    const [a, b, c, d] = (await connect(2)) as Four;
    a.send({ type: 'kick-one', targetId: d.id });
    await d.next('kicked');
    expect(d.of('kicked')).toEqual([{ type: 'kicked', message: 'You have been kicked out.', id: expect.any(String) }]);
    expect((await d.closed).code).toBe(4000);
    for (const x of [a, b, c]) await x.next('client-disconnected', (f) => f.clientId === d.id);
    a.send({ type: 'broadcast', message: 'kicker still here' });
    for (const x of [a, b, c]) {
      await x.next('kafka', (f) => f.message === 'kicker still here');
      expect(x.of('client-disconnected').filter((f) => f.clientId === d.id)).toHaveLength(1);
      // Lists are coalesced: the next one, due within PRESENCE_LIST_INTERVAL_MS and a tick, leaves d out.
      await x.until(() => x.lastClientList()?.includes(d.id) === false, 3000);
    }
  });

  test('kick-all closes every client on every gateway but the sender, who keeps receiving', async () => {
    const [a, b, c, d] = (await connect(2)) as Four;
    a.send({ type: 'kick-all' });
    for (const x of [b, c, d]) {
      await x.next('kicked', (f) => f.message === 'All clients disconnected.');
      expect((await x.closed).code).toBe(4000);
    }
    await a.until(() => [b, c, d].every((x) => a.of('client-disconnected').some((f) => f.clientId === x.id)));
    a.send({ type: 'broadcast', message: 'alone now' });
    await a.next('kafka', (f) => f.message === 'alone now');
    expect(a.of('kicked')).toHaveLength(0);
    await a.until(() => [b, c, d].every((x) => a.lastClientList()?.includes(x.id) === false), 3000);
    expect(a.lastClientList()).toContain(a.id);
  });

  test('the admin API lists clients, broadcasts and kicks across both gateways over REST', async () => {
    const admin = cluster.admin!.url;
    const [a, , b, c] = (await connect(2)) as Four;
    const list = (await (await fetch(`${admin}/clients`)).json()) as { clients: { id: string; gateway: string }[] };
    const gatewayOf = (id: string) => list.clients.find((x) => x.id === id)?.gateway;
    expect(gatewayOf(a.id)).toBeDefined();
    expect(gatewayOf(a.id)).not.toBe(gatewayOf(b.id));

    const message = `from the server ${randomUUID()}`;
    const sent = await fetch(`${admin}/broadcast`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message }),
    });
    expect(sent.status).toBe(202);
    for (const x of [a, b, c]) expect(await x.next('kafka', (f) => f.message === message)).toMatchObject({ from: 'server' });

    // A command without parameters: `{}` as JSON (a POST without that content type is 415).
    const command = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' };
    expect((await fetch(`${admin}/clients/client-nobody-1/kick`, command)).status).toBe(404);
    expect((await fetch(`${admin}/clients/${encodeURIComponent(c.id)}/kick`, command)).status).toBe(202);
    expect((await c.closed).code).toBe(4000);

    expect((await fetch(`${admin}/clients/kick-all`, command)).status).toBe(202);
    for (const x of [a, b]) {
      await x.next('kicked', (f) => f.message === 'All clients disconnected.');
      expect((await x.closed).code).toBe(4000);
    }
  });

  test("after concurrent connects and disconnects on both gateways, every client's last client-list is the true set", async () => {
    const waves = await Promise.all(
      cluster.gateways.flatMap((g) => Array.from({ length: 12 }, () => TestClient.connect(g.wsUrl))),
    );
    const leaving = waves.filter((_, i) => i % 3 === 0);
    const late = cluster.gateways.flatMap((g) => Array.from({ length: 4 }, () => TestClient.connect(g.wsUrl)));
    const [lateClients] = await Promise.all([Promise.all(late), Promise.all(leaving.map((c) => c.close()))]);
    const staying = [...waves.filter((c) => !leaving.includes(c)), ...lateClients];
    open.push(...staying);
    const truth = staying.map((c) => c.id).sort();
    await Promise.all(staying.map((c) => c.until(() => [...(c.lastClientList() ?? [])].sort().join() === truth.join())));
    // Notices go out in log order, at most once a second: once everyone has heard of a later
    // client, every notice about the churn before it has arrived.
    const marker = await TestClient.connect(cluster.gateways[0]!.wsUrl);
    open.push(marker);
    await Promise.all(staying.map((c) => c.until(() => c.of('client-connected').some((f) => f.clientId === marker.id))));
    // Each connect and disconnect announced once, and to everyone who should hear it: a client
    // told of another after its own announcement (the first list naming itself, or a later
    // client-connected) hears of its departure exactly once; one that joined after it, once.
    for (const c of staying) {
      const ownList = c.of('client-list').find((f) => (f.clients as string[]).includes(c.id))!.clients as string[];
      const self = c.frames.findIndex((f) => f.type === 'client-connected' && f.clientId === c.id);
      expect(self).toBeGreaterThan(0);
      const toldLater = (type: string, id: string): number => c.frames.slice(self + 1).filter((f) => f.type === type && f.clientId === id).length;
      for (const other of staying.filter((x) => x !== c)) {
        expect(c.of('client-connected').filter((f) => f.clientId === other.id).length).toBeLessThanOrEqual(1);
        if (!ownList.includes(other.id)) expect(toldLater('client-connected', other.id)).toBe(1);
        expect(c.of('client-disconnected').filter((f) => f.clientId === other.id)).toHaveLength(0);
      }
      for (const { id } of leaving) {
        const knew = ownList.includes(id) || toldLater('client-connected', id) === 1;
        const told = c.of('client-disconnected').filter((f) => f.clientId === id).length;
        if (knew) expect(told).toBe(1);
        else expect(told).toBeLessThanOrEqual(1);
      }
    }
    expect(await cluster.clientCount()).toBe(truth.length + 1);
  });
});
