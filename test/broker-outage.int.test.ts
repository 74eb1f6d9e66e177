import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Cluster } from './support/cluster.js';
import { attemptConnect, type ConnectOutcome } from './support/connect-attempt.js';
import { restartOwnBroker, startOwnBroker, stopOwnBroker, type OwnBroker } from './support/kafka.js';
import type { ServiceProcess } from './support/service-process.js';
import { TaggedLoad } from './support/tagged-load.js';
import { settled, TestClient } from './support/test-client.js';

/** PUBLISH_TIMEOUT_MS: the cluster runs with the default. */
const PUBLISH_TIMEOUT_MS = 2000;
/** How long the broker stays down, from the moment stop.sh returns. */
const OUTAGE_MS = 10_000;
/** Frames per second, all senders together. */
const RATE = 50;
/** After the broker is back, every sender's new frames are delivered everywhere within this long. */
const RECOVERY_BOUND_MS = 8000;
/** The most an upgrade refused with 503 may take while the gateway knows the bus is down. */
const PROMPT_MS = 1000;

const report = (line: string): void => void process.stderr.write(`broker outage: ${line}\n`);

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? NaN;
};

const describeOutcome = (o: ConnectOutcome): string =>
  o.kind === 'refused' ? `HTTP ${o.status} after ${o.ms} ms` : o.kind === 'closed' ? `closed ${o.code} (welcome: ${o.welcomed}) after ${o.ms} ms` : `still open after ${o.ms} ms`;

describe('a broker stopped for 10 s under load, then restarted on the same data', () => {
  let broker: OwnBroker;
  let cluster: Cluster;
  /** Five senders, three on the first gateway and two on the second; each receives every broadcast. */
  let senders: TestClient[] = [];
  /** Connected before the outage and gone during it. */
  let leaver: TestClient;
  const open: TestClient[] = [];

  beforeAll(async () => {
    broker = await startOwnBroker();
    cluster = await Cluster.start({ gateways: 2, workers: 2, admin: true, env: { KAFKA_BROKERS: broker.brokers } });
  });

  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await cluster?.stop();
    if (broker) await stopOwnBroker(broker.runDir);
  });

  const processes = (): { pid: number | undefined; running: boolean }[] =>
    [...cluster.gateways, ...cluster.workers, cluster.admin!].map((p) => ({ pid: p.child.pid, running: p.child.exitCode === null && p.child.signalCode === null }));

  test('every frame is delivered exactly once, in order, or refused with its ref within PUBLISH_TIMEOUT_MS + 1 s; connects are refused promptly; all recovers without restarts', async () => {
    const [g0, g1] = cluster.gateways as [ServiceProcess, ServiceProcess];
    senders = await Promise.all([g0, g0, g0, g1, g1].map((g) => TestClient.connect(g.wsUrl)));
    leaver = await TestClient.connect(g1.wsUrl);
    open.push(...senders, leaver);
    await settled([...senders, leaver]);
    const before = processes();

    const load = new TaggedLoad(senders, randomUUID().slice(0, 8));
    // Every receiver has had frames from every sender sent after `since` (the stream flows).
    const flowing = (since: number, timeoutMs: number) =>
      Promise.all(senders.map((r) => r.until(() => load.firstSince(r, since).every((at) => at !== undefined), timeoutMs)));
    load.start(RATE);
    await flowing(Date.now(), 30_000);

    const stopBegan = Date.now();
    await stopOwnBroker(broker.runDir, { keep: true });
    const stopped = Date.now();
    // Right away, the gateways may not know yet; half-way through the outage they do.
    const early = Promise.all([g0, g1].map((g) => attemptConnect(g.wsUrl, PUBLISH_TIMEOUT_MS + 5000)));
    await delay(OUTAGE_MS / 2);
    await leaver.close();
    const late = await Promise.all([g0, g1].map((g) => attemptConnect(g.wsUrl, PUBLISH_TIMEOUT_MS + 5000)));
    await delay(stopped + OUTAGE_MS - Date.now());
    const restartBegan = Date.now();
    expect((await restartOwnBroker(broker.runDir)).brokers).toBe(broker.brokers);
    const restarted = Date.now();

    await flowing(restarted, 60_000);
    const recoveryMs = Math.max(...senders.flatMap((r) => load.firstSince(r, restarted) as number[])) - restarted;
    load.stop();
    // One last frame per sender: frames of one sender stay in order, so once every receiver has the
    // last ones, every earlier frame that is ever going to be delivered has been.
    const last = senders.map((_, s) => load.send(s));
    await Promise.all(senders.map((r) => r.until(() => last.every((f) => load.received(r).some((x) => x.sender === f.sender && x.seq === f.seq)), 30_000)));
    // And each sender, a receiver too, has an answer for every frame it sent: delivered or refused.
    await Promise.all(
      senders.map((r, s) =>
        r.until(() => {
          const outcomes = load.outcomes([r]).filter((o) => o.frame.sender === s);
          return outcomes.every((o) => o.deliveries[0]! > 0 || o.refusals.length > 0);
        }, 10_000),
      ),
    );

    const outcomes = load.outcomes(senders);
    const delivered = outcomes.filter((o) => o.refusals.length === 0 && o.deliveries.every((n) => n === 1));
    const refused = outcomes.filter((o) => o.refusals.length === 1 && o.deliveries.every((n) => n === 0));
    const neither = outcomes.filter((o) => o.refusals.length === 0 && o.deliveries.every((n) => n === 0));
    const wrong = outcomes.filter((o) => !delivered.includes(o) && !refused.includes(o));
    const refusalMs = refused.map((o) => o.refusals[0]!);
    const whileDown = outcomes.filter((o) => o.frame.sentAt >= stopped && o.frame.sentAt < restartBegan - PUBLISH_TIMEOUT_MS);
    const inversions = senders.map((r) => load.inversions(r));
    const deliveryMs = delivered.map((o) => o.deliveredAfterMs!);
    // Delivered long after it was sent: taken by Kafka just before it went down, processed once it was back.
    const lateDeliveries = delivered.filter((o) => o.deliveredAfterMs! > PUBLISH_TIMEOUT_MS + 1000);
    report(
      `${outcomes.length} frames from ${senders.length} senders at ${RATE}/s; broker stopped in ${stopped - stopBegan} ms, down ${restartBegan - stopped} ms, ` +
        `restarted in ${restarted - restartBegan} ms`,
    );
    report(`${delivered.length} delivered exactly once to all ${senders.length} receivers, ${refused.length} refused with their ref, ${wrong.length} neither or both (${neither.length} neither)`);
    report(`refusals after ${Math.min(...refusalMs)}..${Math.max(...refusalMs)} ms (median ${percentile(refusalMs, 0.5)}); deliveries after median ${percentile(deliveryMs, 0.5)} ms, p99 ${percentile(deliveryMs, 0.99)} ms, max ${Math.max(...deliveryMs)} ms`);
    report(`${lateDeliveries.length} delivered later than PUBLISH_TIMEOUT_MS + 1 s, all sent ${Math.max(0, ...lateDeliveries.map((o) => o.frame.sentAt - stopBegan))} ms or less after the stop began (it took ${stopped - stopBegan} ms)`);
    report(`order inversions per receiver and sender: ${JSON.stringify(inversions)}; new frames from every sender delivered everywhere ${recoveryMs} ms after the restart`);
    report(`connects: at once ${(await early).map(describeOutcome).join(', ')}; half-way ${late.map(describeOutcome).join(', ')}`);

    // Never both, never neither: the lists name the frames that went wrong.
    expect(wrong.map((o) => ({ ...o.frame, refusals: o.refusals, deliveries: o.deliveries }))).toEqual([]);
    expect(delivered.length + refused.length).toBe(outcomes.length);
    expect(Math.max(...refusalMs)).toBeLessThanOrEqual(PUBLISH_TIMEOUT_MS + 1000);
    // Nothing sent while the broker was down got through, and the outage did refuse frames.
    expect(whileDown.length).toBeGreaterThan(RATE * ((restartBegan - stopped - PUBLISH_TIMEOUT_MS) / 1000) * 0.5);
    expect(whileDown.filter((o) => !refused.includes(o))).toEqual([]);
    // A frame delivered late was one Kafka took before it went away, not one sent during the outage.
    expect(lateDeliveries.filter((o) => o.frame.sentAt >= stopped).map((o) => o.frame)).toEqual([]);
    for (const perSender of inversions) expect(perSender).toEqual(senders.map(() => 0));
    expect(recoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);

    // A connect while the gateway knows the bus is down: refused at the upgrade, at once.
    for (const outcome of late) {
      expect(outcome).toMatchObject({ kind: 'refused', status: 503 });
      expect(outcome.ms).toBeLessThanOrEqual(PROMPT_MS);
    }
    // Right after the broker went away the gateway may not know yet: then welcome, and 1013 once the connect times out.
    for (const outcome of await early) {
      if (outcome.kind === 'refused') {
        expect(outcome.status).toBe(503);
        expect(outcome.ms).toBeLessThanOrEqual(PROMPT_MS);
      } else {
        expect(outcome).toMatchObject({ kind: 'closed', code: 1013, welcomed: true });
        expect(outcome.ms).toBeLessThanOrEqual(PUBLISH_TIMEOUT_MS + 1000);
      }
    }
    // Recovery by itself: the same processes, all still running.
    expect(processes()).toEqual(before);
    expect(before.every((p) => p.running)).toBe(true);
  });

  test('after the restart, GET /clients is right, REST and client kicks work and presence notices flow', async () => {
    expect(senders).toHaveLength(5);
    const admin = cluster.admin!.url;
    const listed = async (): Promise<string[]> => ((await (await fetch(`${admin}/clients`)).json()) as { clients: { id: string }[] }).clients.map((c) => c.id).sort();
    const ids = (clients: TestClient[]): string[] => clients.map((c) => c.id).sort();

    const newcomer = await TestClient.connect(cluster.gateways[1]!.wsUrl);
    open.push(newcomer);
    for (const s of senders) await s.next('client-connected', (f) => f.clientId === newcomer.id, 30_000);
    let present = [...senders, newcomer];
    // The newcomer is announced, so every view that syncs before answering has it; the leaver is gone.
    const afterRestart = await listed();
    expect(afterRestart).toContain(newcomer.id);
    expect(afterRestart).not.toContain(leaver.id);
    expect(afterRestart).toEqual(ids(present));

    const command = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' };
    const [a, b, c, d, e] = senders as [TestClient, TestClient, TestClient, TestClient, TestClient];
    expect((await fetch(`${admin}/clients/${encodeURIComponent(b.id)}/kick`, command)).status).toBe(202);
    expect(await b.next('kicked')).toMatchObject({ type: 'kicked', message: 'You have been kicked out.', id: expect.any(String) });
    expect((await b.closed).code).toBe(4000);
    a.send({ type: 'kick-one', targetId: e.id });
    expect(await e.next('kicked')).toMatchObject({ type: 'kicked', message: 'You have been kicked out.', id: expect.any(String) });
    expect((await e.closed).code).toBe(4000);
    present = [a, c, d, newcomer];

    a.send({ type: 'broadcast', message: 'after the kicks' });
    for (const x of present) {
      await x.next('kafka', (f) => f.message === 'after the kicks', 30_000);
      for (const gone of [b, e]) {
        await x.next('client-disconnected', (f) => f.clientId === gone.id, 30_000);
        expect(x.of('client-disconnected').filter((f) => f.clientId === gone.id)).toHaveLength(1);
      }
      expect(x.of('client-disconnected').filter((f) => f.clientId === leaver.id)).toHaveLength(x === newcomer ? 0 : 1);
      await x.until(() => x.lastClientList()?.slice().sort().join() === ids(present).join(), 5000);
    }
    expect(await listed()).toEqual(ids(present));
  });
});
