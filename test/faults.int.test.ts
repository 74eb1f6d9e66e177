import { randomUUID } from 'node:crypto';
import { partitionOf } from '@cmf/shared';
import { Cluster } from './support/cluster.js';
import { sample, scrape } from './support/metrics-text.js';
import { TaggedLoad } from './support/tagged-load.js';
import { settled, TestClient } from './support/test-client.js';

/** The cluster's GATEWAY_TIMEOUT_MS (test/support/cluster.ts: 6000, with heartbeats every 1000 ms). */
const GATEWAY_TIMEOUT_MS = 6000;
/** Worker failover: delivery resumes within this long of a SIGKILL. */
const FAILOVER_MS = 3000;

const report = (line: string): void => void process.stderr.write(`faults: ${line}\n`);

async function connectTo(url: string, n: number): Promise<TestClient[]> {
  return Promise.all(Array.from({ length: n }, () => TestClient.connect(url)));
}

describe('CMF on Kafka under faults', () => {
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
    // A test that failed while a gateway was stopped must not leave it unable to exit.
    for (const g of cluster?.gateways ?? []) g.child.kill('SIGCONT');
    await cluster?.stop();
  });

  const connect = async (url: string, n: number): Promise<TestClient[]> => {
    const clients = await connectTo(url, n);
    open.push(...clients);
    return clients;
  };

  test('a worker killed with SIGKILL mid-stream: 0 lost, 0 duplicated per client, delivery resumes within 3 s', async () => {
    const victim = await cluster.addWorker();
    // One sender per partition of ws-in, so the partitions the victim owned carry traffic.
    const partitions = Number(cluster.env.KAFKA_IN_PARTITIONS);
    const senders: TestClient[] = [];
    const spare: TestClient[] = [];
    for (let i = 0; senders.length < partitions; i += 1) {
      if (i >= 100) throw new Error(`100 clients did not cover the ${partitions} partitions of ws-in`);
      const [c] = await connect(cluster.gateways[i % 2]!.wsUrl, 1);
      if (senders.some((s) => partitionOf(s.id, partitions) === partitionOf(c!.id, partitions))) spare.push(c!);
      else senders.push(c!);
    }
    await Promise.all(spare.map((c) => c.close()));
    await settled(senders);

    const load = new TaggedLoad(senders, randomUUID().slice(0, 8));
    const flowing = (since: number, timeoutMs: number) =>
      Promise.all(senders.map((r) => r.until(() => load.firstSince(r, since).every((at) => at !== undefined), timeoutMs)));
    load.start(10 * senders.length);
    await flowing(Date.now(), 30_000);
    const killedAt = Date.now();
    await cluster.workers.splice(cluster.workers.indexOf(victim), 1)[0]!.kill();
    await flowing(killedAt + 500, 30_000);
    load.stop();
    const last = senders.map((_, s) => load.send(s));
    await Promise.all(senders.map((r) => r.until(() => last.every((f) => load.received(r).some((x) => x.sender === f.sender && x.seq === f.seq)), 30_000)));

    // Per receiver and sender, the longest wait between two deliveries that ends after the kill.
    const gaps = senders.map((r) =>
      senders.map((_, s) => {
        const times = load.received(r).filter((f) => f.sender === s).map((f) => f.at);
        return Math.max(0, ...times.slice(1).map((t, i) => (t >= killedAt ? t - times[i]! : 0)));
      }),
    );
    const outcomes = load.outcomes(senders);
    const lost = senders.map((_, r) => outcomes.filter((o) => o.deliveries[r] === 0).length);
    const duplicated = senders.map((_, r) => outcomes.filter((o) => o.deliveries[r]! > 1).length);
    const refused = outcomes.filter((o) => o.refusals.length > 0).length;
    const largestGap = Math.max(...gaps.flat());
    const stalled = gaps[0]!.filter((g) => g > 1000).length;
    report(
      `worker SIGKILL: ${outcomes.length} broadcasts from ${senders.length} senders (one per partition) to ${senders.length} clients; ` +
        `lost per client ${lost.join(',')}, duplicated per client ${duplicated.join(',')}, refused ${refused}; ` +
        `largest gap between deliveries after the kill ${largestGap} ms (senders stalled > 1 s: ${stalled})`,
    );
    expect(lost).toEqual(senders.map(() => 0));
    expect(duplicated).toEqual(senders.map(() => 0));
    expect(refused).toBe(0);
    for (const r of senders) expect(load.inversions(r)).toEqual(senders.map(() => 0));
    // The victim owned partitions, so some senders did stall; none for longer than the failover bound.
    expect(stalled).toBeGreaterThan(0);
    expect(largestGap).toBeLessThanOrEqual(FAILOVER_MS);
  });

  test('a gateway stopped with SIGTERM closes its sockets with 1001, announces each once and exits 0', async () => {
    const stopping = await cluster.addGateway();
    const leaving = await connectTo(stopping.wsUrl, 3);
    const [watcher] = await connect(cluster.gateways[0]!.wsUrl, 1);
    await settled([...leaving, watcher!]);
    const exit = stopping.stop();
    for (const c of leaving) expect((await c.closed).code).toBe(1001);
    expect(await exit).toEqual({ code: 0, signal: null });
    cluster.gateways.splice(cluster.gateways.indexOf(stopping), 1);
    for (const c of leaving) await watcher!.next('client-disconnected', (f) => f.clientId === c.id);
    watcher!.send({ type: 'broadcast', message: 'marker after shutdown' });
    await watcher!.next('kafka', (f) => f.message === 'marker after shutdown');
    for (const c of leaving) expect(watcher!.of('client-disconnected').filter((f) => f.clientId === c.id)).toHaveLength(1);
    await watcher!.until(() => leaving.every((c) => watcher!.lastClientList()?.includes(c.id) === false), 3000);
  });

  test('a gateway killed with SIGKILL: every other client hears each of its clients gone exactly once, within GATEWAY_TIMEOUT_MS', async () => {
    const dying = await cluster.addGateway();
    const orphans = await connectTo(dying.wsUrl, 3);
    const watchers = [...(await connect(cluster.gateways[0]!.wsUrl, 2)), ...(await connect(cluster.gateways[1]!.wsUrl, 1))];
    await settled([...orphans, ...watchers]);
    const killedAt = Date.now();
    await cluster.gateways.splice(cluster.gateways.indexOf(dying), 1)[0]!.kill();
    await Promise.all(watchers.map((w) => w.until(() => orphans.every((o) => w.of('client-disconnected').some((f) => f.clientId === o.id)), 30_000)));
    const tookMs = Date.now() - killedAt;
    watchers[0]!.send({ type: 'broadcast', message: 'marker after the death' });
    for (const w of watchers) await w.next('kafka', (f) => f.message === 'marker after the death');
    const counts = watchers.map((w) => orphans.map((o) => w.of('client-disconnected').filter((f) => f.clientId === o.id).length));
    report(`gateway SIGKILL: ${orphans.length} clients announced gone to ${watchers.length} watchers ${tookMs} ms after the kill (GATEWAY_TIMEOUT_MS=${GATEWAY_TIMEOUT_MS}); notices per watcher and client ${JSON.stringify(counts)}`);
    expect(counts).toEqual(watchers.map(() => orphans.map(() => 1)));
    expect(tookMs).toBeLessThanOrEqual(GATEWAY_TIMEOUT_MS);
    // Every orphan, not just one of them, leaves the list.
    for (const w of watchers) await w.until(() => orphans.every((o) => w.lastClientList()?.includes(o.id) === false), 3000);
  });

  test('a gateway frozen (SIGSTOP) past the timeout relays nothing its clients sent meanwhile once it wakes (SIGCONT)', async () => {
    const sleeper = await cluster.addGateway();
    const sleepers = await connectTo(sleeper.wsUrl, 2);
    const watchers = [...(await connect(cluster.gateways[0]!.wsUrl, 1)), ...(await connect(cluster.gateways[1]!.wsUrl, 1))];
    await settled([...sleepers, ...watchers]);
    const run = randomUUID().slice(0, 8);

    const stoppedAt = Date.now();
    sleeper.child.kill('SIGSTOP');
    // Sent while it is stopped: the frames wait in its kernel's socket buffers.
    for (const s of sleepers) for (let i = 0; i < 3; i += 1) s.send({ type: 'broadcast', message: `${run}:frozen:${s.id}:${i}` });
    await Promise.all(watchers.map((w) => w.until(() => sleepers.every((s) => w.of('client-disconnected').some((f) => f.clientId === s.id)), 30_000)));
    const goneMs = Date.now() - stoppedAt;

    const wokeAt = Date.now();
    sleeper.child.kill('SIGCONT');
    const closes = await Promise.all(sleepers.map((s) => s.closed));
    const closedMs = Date.now() - wokeAt;
    // A client of the woken gateway: its broadcast goes through the same gateway, after anything it relayed on waking.
    const [fresh] = await connectTo(sleeper.wsUrl, 1);
    fresh!.send({ type: 'broadcast', message: `${run}:marker` });
    for (const w of [...watchers, fresh!]) await w.next('kafka', (f) => f.message === `${run}:marker`, 30_000);
    // Its own announcement follows the expiry in the log: a gateway-expired read late leaves this new client alone.
    await fresh!.next('client-connected', (f) => f.clientId === fresh!.id, 30_000);
    const freshOpen = fresh!.ws.readyState === fresh!.ws.OPEN;
    const relayed = sample(await scrape(sleeper)(), 'cmf_gateway_frames_in_total');
    const leaked = [...watchers, fresh!].map((w) => w.of('kafka').filter((f) => String(f.message).startsWith(`${run}:frozen:`)).length);
    const counts = watchers.map((w) => sleepers.map((s) => w.of('client-disconnected').filter((f) => f.clientId === s.id).length));
    report(
      `gateway SIGSTOP: its ${sleepers.length} clients announced gone ${goneMs} ms after the stop; after SIGCONT their sockets closed ` +
        `${closes.map((c) => c.code).join(',')} within ${closedMs} ms; frames it relayed: ${relayed} (the marker), frozen frames delivered per watcher ${leaked.join(',')}; ` +
        `notices per watcher and client ${JSON.stringify(counts)}`,
    );
    expect(closes.map((c) => c.code)).toEqual(sleepers.map(() => 1012));
    // The one frame the woken gateway relayed is the marker: nothing from the frozen clients.
    expect(relayed).toBe(1);
    expect(leaked).toEqual([...watchers, fresh!].map(() => 0));
    expect(counts).toEqual(watchers.map(() => sleepers.map(() => 1)));
    expect(goneMs).toBeLessThanOrEqual(GATEWAY_TIMEOUT_MS);
    expect(freshOpen).toBe(true);
    await fresh!.close();
    expect(await sleeper.stop()).toEqual({ code: 0, signal: null });
    cluster.gateways.splice(cluster.gateways.indexOf(sleeper), 1);
  });
});
