import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Cluster } from './support/cluster.js';
import { deleteRecordsBefore } from './support/kafka-tools.js';
import { sample } from './support/metrics-text.js';
import type { ServiceProcess } from './support/service-process.js';
import { settled, TestClient, type Frame } from './support/test-client.js';

const GRACE_MS = 8_000;
const WINDOW_MS = 20_000;
const RESUME_ENV = {
  RESUME_SECRET: 'integration-test-resume-secret-32+chars',
  RESUME_GRACE_MS: String(GRACE_MS),
  RESUME_WINDOW_MS: String(WINDOW_MS),
};

/** A sender's stream to one client: broadcasts and direct messages, tagged with the run and a counter. */
class Stream {
  readonly run = randomUUID().slice(0, 8);
  readonly expected: string[] = [];
  private stopped = false;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly sender: TestClient,
    private readonly targets: () => string[],
  ) {}

  /** Sends a broadcast and a direct message to each target every `everyMs`, until stop(). */
  start(everyMs = 4): void {
    this.done = (async () => {
      for (let i = 0; !this.stopped; i += 1) {
        this.send(i);
        await delay(everyMs);
      }
    })();
  }

  async stop(): Promise<number> {
    this.stopped = true;
    await this.done;
    return this.expected.length;
  }

  private send(i: number): void {
    this.sender.send({ type: 'broadcast', message: `${this.run}:${i}` });
    this.expected.push(`b:${i}`);
    for (const id of this.targets()) this.sender.send({ type: 'broadcast-one', targetId: id, message: `${this.run}:${i}` });
    this.expected.push(`d:${i}`);
  }

  /** This run's kafka and direct frames among `frames`, as `b:<n>` / `d:<n>`, in arrival order. */
  of(frames: Frame[]): string[] {
    return frames
      .filter((f) => (f.type === 'kafka' || f.type === 'direct') && String(f.message).startsWith(`${this.run}:`))
      .map((f) => `${f.type === 'kafka' ? 'b' : 'd'}:${String(f.message).slice(this.run.length + 1)}`);
  }
}

/** A counter of a process's /metrics. */
const metricValue = async (url: string, series: string): Promise<number> => sample(await (await fetch(`${url}/metrics`)).text(), series) ?? 0;

const noticesAbout = (c: TestClient, id: string): Frame[] => c.frames.filter((f) => (f.type === 'client-connected' || f.type === 'client-disconnected') && f.clientId === id);

describe.each([
  ['one ws-out partition (the default)', '1'],
  ['three ws-out partitions', '3'],
])('resume on Kafka, %s', (_label, outPartitions) => {
  let cluster: Cluster;
  const open: TestClient[] = [];

  beforeAll(async () => {
    cluster = await Cluster.start({ gateways: 2, workers: 2, admin: false, env: { ...RESUME_ENV, KAFKA_OUT_PARTITIONS: outPartitions } });
  });

  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await cluster?.stop();
  });

  const connect = async (g: ServiceProcess, params = ''): Promise<TestClient> => {
    const c = await TestClient.connect(`${g.wsUrl}/${params}`);
    open.push(c);
    return c;
  };
  const resume = async (g: ServiceProcess, token: string, last?: string, params?: Record<string, string>): Promise<TestClient> => {
    const c = await TestClient.resume(g.wsUrl, token, last, params);
    open.push(c);
    return c;
  };

  test('a client dropped during a stream of broadcasts and direct messages resumes on the other gateway: every missed frame once, in order, then live; nobody notices', async () => {
    const [g0, g1] = cluster.gateways as [ServiceProcess, ServiceProcess];
    const away = await connect(g0);
    const sender = await connect(g1);
    const watchers = [await connect(g0), await connect(g1)];
    await settled([away, sender, ...watchers]);
    const noticesBefore = watchers.map((w) => noticesAbout(w, away.id).length);
    const stream = new Stream(sender, () => [away.id]);
    stream.start();
    await away.until((f) => stream.of(f).length >= 40);
    away.drop();
    await away.closed;
    const before = stream.of(away.frames);
    await delay(300);
    const back = await resume(g1, away.welcome().resumeToken as string, away.lastId());
    expect(back.frames[0]).toMatchObject({ type: 'welcome', clientId: away.id, resumed: true, complete: true });
    await back.until((f) => stream.of(f).length >= 40);
    const sent = await stream.stop();
    await back.until((f) => before.length + stream.of(f).length >= sent, 60_000);
    const all = [...before, ...stream.of(back.frames)];
    const lost = stream.expected.filter((m) => !all.includes(m)).length;
    const duplicated = all.length - new Set(all).size;
    process.stderr.write(
      `resume (${outPartitions} ws-out partition(s)): ${sent} frames sent to the client, ${before.length} before the drop, ` +
        `${all.length - before.length} after (replayed and live), ${lost} lost, ${duplicated} duplicated\n`,
    );
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(all).toEqual(stream.expected);
    for (const [i, w] of watchers.entries()) expect(noticesAbout(w, away.id)).toHaveLength(noticesBefore[i]!);
  });

  test('after its gateway is SIGKILLed: the client that resumes gets its gap exactly; the one that does not is announced gone once, only after the grace period', async () => {
    const [g0, g1] = cluster.gateways as [ServiceProcess, ServiceProcess];
    const dying = await cluster.addGateway();
    const back1 = await connect(dying);
    const gone = await connect(dying);
    const sender = await connect(g0);
    const watcher = await connect(g1);
    await settled([back1, gone, sender, watcher]);
    const stream = new Stream(sender, () => [back1.id]);
    stream.start();
    await back1.until((f) => stream.of(f).length >= 40);
    const killedAt = Date.now();
    await dying.kill();
    expect((await back1.closed).code).toBe(1006);
    const before = stream.of(back1.frames);
    const back = await resume(g0, back1.welcome().resumeToken as string, back1.lastId());
    expect(back.frames[0]).toMatchObject({ type: 'welcome', clientId: back1.id, resumed: true, complete: true });
    await back.until((f) => stream.of(f).length >= 40);
    const sent = await stream.stop();
    await back.until((f) => before.length + stream.of(f).length >= sent, 60_000);
    const all = [...before, ...stream.of(back.frames)];
    expect(all).toEqual(stream.expected);

    const departed = await watcher.next('client-disconnected', (f) => f.clientId === gone.id, 60_000);
    const tookMs = Date.now() - killedAt;
    process.stderr.write(
      `gateway SIGKILL: the resumed client got ${all.length} of ${sent} frames in order (0 lost, 0 duplicated); ` +
        `the other was announced gone ${tookMs} ms after the kill (GATEWAY_TIMEOUT_MS=6000 + RESUME_GRACE_MS=${GRACE_MS})\n`,
    );
    expect(tookMs).toBeGreaterThanOrEqual(GRACE_MS);
    sender.send({ type: 'broadcast', message: `marker ${stream.run}` });
    await watcher.next('kafka', (f) => f.message === `marker ${stream.run}`);
    expect(watcher.frames.filter((f) => f.type === 'client-disconnected' && f.clientId === gone.id)).toEqual([departed]);
    expect(noticesAbout(watcher, back1.id).filter((f) => f.type === 'client-disconnected')).toHaveLength(0);
  });

  test('forged, foreign and tampered tokens are refused (resume-refused, then a fresh welcome) and take nothing over', async () => {
    const [g0, g1] = cluster.gateways as [ServiceProcess, ServiceProcess];
    const victim = await connect(g0);
    const other = await connect(g1);
    await settled([victim, other]);
    const [, , issued, signature] = (other.welcome().resumeToken as string).split('.');
    for (const token of [`r1.${victim.id}.${issued}.${signature}`, `r1.${victim.id}.${issued}.${'A'.repeat(43)}`, 'garbage']) {
      const intruder = await resume(g1, token);
      expect(intruder.frames[0]).toMatchObject({ type: 'error', code: 'resume-refused' });
      expect(intruder.frames[1]).toMatchObject({ type: 'welcome' });
      expect(intruder.id).not.toBe(victim.id);
    }
    other.send({ type: 'broadcast-one', targetId: victim.id, message: 'still yours' });
    await victim.next('direct', (f) => f.message === 'still yours');
    expect(noticesAbout(other, victim.id).filter((f) => f.type === 'client-disconnected')).toHaveLength(0);
  });

  test('a gap Kafka no longer holds in full: complete is false, and the rest of it is replayed in order', async () => {
    const [g0, g1] = cluster.gateways as [ServiceProcess, ServiceProcess];
    const away = await connect(g0);
    const sender = await connect(g1);
    await settled([away, sender]);
    away.drop();
    await away.closed;
    const run = randomUUID().slice(0, 8);
    for (let i = 0; i < 30; i += 1) sender.send({ type: 'broadcast', message: `${run}:${i}` });
    const mine = (c: TestClient) => c.of('kafka').filter((f) => String(f.message).startsWith(`${run}:`));
    await sender.until(() => mine(sender).length === 30);
    // The sender's own copies carry the ids: delete everything before its 21st broadcast.
    const cut = String(mine(sender)[20]!.id).split('.');
    const partition = cut.length === 1 ? 0 : cut.findIndex((o, p) => o !== String(mine(sender)[19]!.id).split('.')[p]);
    await deleteRecordsBefore(cluster.env.KAFKA_BROKERS!, cluster.env.KAFKA_TOPIC_OUT!, partition, Number(cut[partition]) - 1);
    const back = await resume(g0, away.welcome().resumeToken as string, away.lastId());
    expect(back.frames[0]).toMatchObject({ type: 'welcome', resumed: true, complete: false });
    await back.until(() => mine(back).some((f) => f.message === `${run}:29`));
    expect(mine(back).map((f) => f.message)).toEqual(Array.from({ length: 10 }, (_, i) => `${run}:${20 + i}`));
  });

  test('after RESUME_WINDOW_MS a token is expired: refused, a fresh welcome, and the others see nothing of it', async () => {
    const [g0, g1] = cluster.gateways as [ServiceProcess, ServiceProcess];
    const away = await connect(g0);
    const watcher = await connect(g1);
    await settled([away, watcher]);
    const connectedBefore = noticesAbout(watcher, away.id).filter((f) => f.type === 'client-connected').length;
    away.drop();
    await away.closed;
    await watcher.next('client-disconnected', (f) => f.clientId === away.id, 30_000);
    await delay(WINDOW_MS + 2_000);
    const late = await resume(g1, away.welcome().resumeToken as string, away.lastId());
    expect(late.frames[0]).toMatchObject({ type: 'error', code: 'resume-refused' });
    expect(late.frames[1]).toMatchObject({ type: 'welcome' });
    expect(late.id).not.toBe(away.id);
    watcher.send({ type: 'broadcast', message: 'after the late one' });
    await watcher.next('kafka', (f) => f.message === 'after the late one');
    expect(noticesAbout(watcher, away.id).filter((f) => f.type === 'client-connected')).toHaveLength(connectedBefore);
  });

  test('1,000 clients resuming at once after their gateway dies all get their gaps', async () => {
    const [g0, g1] = cluster.gateways as [ServiceProcess, ServiceProcess];
    const dying = await cluster.addGateway();
    const n = 1000;
    const quiet = { presence: 'none' };
    const clients: TestClient[] = [];
    for (let i = 0; i < n; i += 100) {
      clients.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => connect(dying, '?presence=none')))));
    }
    const sender = await connect(g0);
    const run = randomUUID().slice(0, 8);
    const mine = (c: TestClient) => c.of('kafka').filter((f) => String(f.message).startsWith(`${run}:`)).map((f) => f.message);
    sender.send({ type: 'broadcast', message: `${run}:before` });
    await Promise.all(clients.map((c) => c.until(() => mine(c).length === 1, 60_000)));
    await dying.kill();
    await Promise.all(clients.map((c) => c.closed));
    const gap = 50;
    for (let i = 0; i < gap; i += 1) sender.send({ type: 'broadcast', message: `${run}:${i}` });
    await sender.until(() => mine(sender).length === gap + 1);
    const readBefore = await metricValue(g1.url, 'cmf_gateway_replay_read_bytes_total');
    const sweepsBefore = await metricValue(g1.url, 'cmf_gateway_replay_sweeps_total');
    const started = Date.now();
    const resumed = await Promise.all(clients.map((c) => resume(g1, c.welcome().resumeToken as string, c.lastId(), quiet)));
    const welcomedMs = Date.now() - started;
    // Replayed in order: a client has its whole gap once the gap's last frame is in (checked per frame, in O(1)).
    const lastOfGap = `${run}:${gap - 1}`;
    const gotGap = (c: TestClient): (() => boolean) => {
      let seen = c.frames.some((f) => f.message === lastOfGap);
      return () => (seen ||= c.frames.at(-1)?.message === lastOfGap);
    };
    await Promise.all(resumed.map((c) => c.until(gotGap(c), 120_000)));
    const allMs = Date.now() - started;
    const readBytes = (await metricValue(g1.url, 'cmf_gateway_replay_read_bytes_total')) - readBefore;
    const sweeps = (await metricValue(g1.url, 'cmf_gateway_replay_sweeps_total')) - sweepsBefore;
    sender.send({ type: 'broadcast', message: `${run}:live` });
    await Promise.all(resumed.map((c) => c.until(() => mine(c).includes(`${run}:live`), 60_000)));
    const complete = resumed.filter((c) => c.welcome().resumed === true && c.welcome().complete === true).length;
    const exact = resumed.filter((c) => JSON.stringify(mine(c)) === JSON.stringify([...Array.from({ length: gap }, (_, i) => `${run}:${i}`), `${run}:live`])).length;
    process.stderr.write(
      `mass resume (${outPartitions} ws-out partition(s)): ${n} clients, a gap of ${gap} broadcasts each; all welcomed back in ${welcomedMs} ms, ` +
        `all gaps written in ${allMs} ms; ${exact} exact (0 lost, 0 duplicated, then live), ${complete} complete; ` +
        `ws-out read back by the gateway: ${readBytes} bytes in ${sweeps} sweeps\n`,
    );
    expect({ complete, exact }).toEqual({ complete: n, exact: n });
    await Promise.all(resumed.map((c) => c.close()));
  });
});
