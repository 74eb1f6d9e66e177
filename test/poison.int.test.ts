import { randomUUID } from 'node:crypto';
import { createLogger, encodeRecord, KafkaBus, type FrameRecord } from '@cmf/shared';
import { Cluster } from './support/cluster.js';
import { Collector } from './support/collector.js';
import { requireBrokers } from './support/kafka.js';
import { metricsUntil, sample, scrape } from './support/metrics-text.js';
import { settled, TestClient, type Frame } from './support/test-client.js';

const report = (line: string): void => void process.stderr.write(`poison: ${line}\n`);

/** The broker's default max.message.bytes: the most one record batch of a partition may hold. */
const BROKER_MAX_MESSAGE_BYTES = 1024 * 1024 + 12;

/** A ws-in frame record as a gateway would write it for `client`, published by the test itself. */
function frameRecord(client: TestClient, data: string): { key: string; value: Buffer } {
  const gateway = /^client-([a-z0-9]+)-\d+$/.exec(client.id)![1]!;
  const record: FrameRecord = { kind: 'frame', clientId: client.id, gateway, receivedAt: Date.now(), data };
  return { key: client.id, value: encodeRecord(record) };
}

describe('poison input on a real broker', () => {
  let bus: KafkaBus;
  const clusters: Cluster[] = [];
  const open: TestClient[] = [];

  beforeAll(() => {
    bus = new KafkaBus({ brokers: requireBrokers(), clientId: 'poison-test', replicationFactor: 1, logger: createLogger('silent') });
  });

  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await Promise.all(clusters.map((c) => c.stop()));
    await bus?.close();
  });

  test('a record whose output can never be produced is dead-lettered after WORKER_MAX_ATTEMPTS; its partition moves on; the metric counts it', async () => {
    // Produce requests of at most 16 KiB: a 20 KB broadcast can never be delivered.
    const cluster = await Cluster.start({ gateways: 1, workers: 1, admin: false, env: { KAFKA_MAX_REQUEST_BYTES: '16384', WORKER_MAX_ATTEMPTS: '3' } });
    clusters.push(cluster);
    const [gateway] = cluster.gateways;
    const [worker] = cluster.workers;
    const [a, b] = await Promise.all([TestClient.connect(gateway!.wsUrl), TestClient.connect(gateway!.wsUrl)]);
    open.push(a!, b!);
    await settled([a!, b!]);
    const deadLetters = new Collector();
    await bus.subscribe({ topic: cluster.env.KAFKA_TOPIC_DEAD_LETTER!, fromBeginning: true, onBatch: deadLetters.onBatch });

    const poison = frameRecord(a!, JSON.stringify({ type: 'broadcast', message: 'p'.repeat(20_000), ref: 'poison' }));
    const sentAt = Date.now();
    await bus.publish(cluster.env.KAFKA_TOPIC_IN!, [poison]);
    // The sender's next frame: same key, so the same partition, after the poison.
    a!.send({ type: 'broadcast', message: 'after the poison' });
    for (const c of [a!, b!]) await c.next('kafka', (f) => f.message === 'after the poison', 60_000);
    const movedOnMs = Date.now() - sentAt;
    await deadLetters.count(1, 30_000);

    const metrics = await metricsUntil(scrape(worker!), (t) => (sample(t, 'cmf_worker_dead_letters_total') ?? 0) >= 1);
    const dead = JSON.parse(deadLetters.received[0]!.value!) as Record<string, unknown>;
    const retries = worker!.stderr.split('\n').filter((l) => l.includes('batch handler failed')).length;
    report(
      `a 20 KB broadcast with KAFKA_MAX_REQUEST_BYTES=16384: tried ${retries + 1} times, dead-lettered (${deadLetters.received[0]!.value!.length} bytes), ` +
        `the next frame on its key delivered ${movedOnMs} ms after it was published; cmf_worker_dead_letters_total ${sample(metrics, 'cmf_worker_dead_letters_total')}`,
    );
    expect(deadLetters.received).toHaveLength(1);
    expect(dead).toMatchObject({ code: 'record-too-large', source: { topic: cluster.env.KAFKA_TOPIC_IN, key: a!.id } });
    expect(typeof (dead.source as { offset: unknown }).offset).toBe('string');
    expect(String(dead.value)).toContain('"kind":"frame"');
    expect(sample(metrics, 'cmf_worker_dead_letters_total')).toBe(1);
    expect(retries + 1).toBe(3);
    for (const c of [a!, b!]) expect(c.of('kafka').filter((f) => String(f.message).startsWith('ppp'))).toHaveLength(0);
  });

  test('a backlog whose outputs exceed the broker’s max.message.bytes is produced in requests that fit; nothing stalls', async () => {
    const cluster = await Cluster.start({ gateways: 1, workers: 1, admin: false });
    clusters.push(cluster);
    const [gateway] = cluster.gateways;
    const [a, b] = await Promise.all([TestClient.connect(gateway!.wsUrl), TestClient.connect(gateway!.wsUrl)]);
    open.push(a!, b!);
    await settled([a!, b!]);
    // No worker while the backlog builds: all of it on one partition (one sender), read in batches of up to 1 MiB.
    await cluster.workers.shift()!.stop();
    const run = randomUUID().slice(0, 8);
    // Frames with a ref that is not a string, each answered with an error twice its size: a batch
    // read within the consumer's 1 MiB fetch yields more than 1 MiB of answers, all on one partition.
    const count = 12_000;
    const records = Array.from({ length: count }, (_, i) => frameRecord(a!, JSON.stringify({ ref: i })));
    await bus.publish(cluster.env.KAFKA_TOPIC_IN!, records);

    const started = Date.now();
    const worker = await cluster.addWorker();
    const isAnswer = (f: Frame): boolean => f.type === 'error' && f.field === 'ref';
    // Counted as frames arrive (re-scanning every frame at each arrival would cost more than the delivery).
    let scanned = 0;
    let got = 0;
    await a!.until(() => {
      for (; scanned < a!.frames.length; scanned += 1) if (isAnswer(a!.frames[scanned]!)) got += 1;
      return got >= count;
    }, 120_000);
    const drainedMs = Date.now() - started;
    a!.send({ type: 'broadcast', message: `${run}-end` });
    for (const c of [a!, b!]) await c.next('kafka', (f) => f.message === `${run}-end`, 30_000);
    const answers = a!.frames.filter(isAnswer);

    const outputBytes = answers.reduce((sum, f) => sum + JSON.stringify(f).length, 0);
    // A batch may fail for a passing reason and be retried; none may fail for its size.
    const failures = worker.stderr.split('\n').filter((l) => l.includes('batch handler failed'));
    const tooLarge = failures.filter((l) => l.includes('"code":"record-too-large"'));
    const metrics = await scrape(worker)();
    report(
      `backlog of ${count} bad frames (${Math.round(outputBytes / 1024)} KiB of answers to their sender) drained in ${drainedMs} ms by a new worker; ` +
        `batches refused as too large ${tooLarge.length} (failed for other reasons and retried ${failures.length - tooLarge.length}), dead letters ${sample(metrics, 'cmf_worker_dead_letters_total')}`,
    );
    expect(outputBytes).toBeGreaterThan(BROKER_MAX_MESSAGE_BYTES);
    // Each frame answered once, after the backlog and before the marker.
    expect(answers).toHaveLength(count);
    expect(answers.every((f) => f.code === 'invalid-field')).toBe(true);
    expect(b!.of('error')).toHaveLength(0);
    expect(tooLarge).toEqual([]);
    expect(sample(metrics, 'cmf_worker_dead_letters_total')).toBe(0);
  });
});
