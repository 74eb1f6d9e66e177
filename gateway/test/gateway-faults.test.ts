import { CmfError, encodeCommand, MemoryBus, PRESENCE_KEY, type OutgoingRecord, type PublishAck, type PublishOptions, type WsOutRecord } from '@cmf/shared';
import { eventually } from '../../test/support/eventually.js';
import { TestClient } from '../../test/support/test-client.js';
import { closeAll, setup as setupWith, track, upgradeStatus, type Harness } from './support/gateway-harness.js';

/**
 * A memory bus whose ws-in can be taken down, made to stamp appends late, or made to never
 * acknowledge (then it gives up after the publish's timeout, as the Kafka bus does).
 */
class UnreliableBus extends MemoryBus {
  mode: 'up' | 'down' | 'late' | 'silent' = 'up';
  attempts = 0;

  override async publish(topic: string, records: OutgoingRecord[], options: PublishOptions = {}): Promise<PublishAck> {
    if (topic.startsWith('ws-in')) {
      this.attempts += 1;
      if (this.mode === 'down') throw new CmfError('bus-unavailable', 'broker away');
      if (this.mode === 'silent' && records.some((r) => r.key !== PRESENCE_KEY)) {
        await new Promise((resolve) => setTimeout(resolve, options.timeoutMs));
        throw new CmfError('bus-unavailable', `not acknowledged within ${options.timeoutMs} ms`);
      }
      if (this.mode === 'late') {
        await super.publish(topic, records);
        return { appendedAt: Date.now() + 60_000 };
      }
    }
    return super.publish(topic, records);
  }
}

const setup = (env: Record<string, string> = {}): Promise<Harness<UnreliableBus>> => setupWith(env, new UnreliableBus());

afterEach(closeAll);

describe('gateway when the bus fails', () => {
  test('a frame the bus refuses is answered at once with bus-unavailable and its ref; while down, the next is refused without trying', async () => {
    const h = await setup();
    const client = await TestClient.connect(h.url);
    track(client);
    h.bus.mode = 'down';
    const sent = Date.now();
    client.send({ type: 'broadcast', message: 'one', ref: 'first' });
    const refused = await client.next('error', (f) => f.ref === 'first');
    expect(refused).toEqual({ type: 'error', code: 'bus-unavailable', message: 'Message not delivered: the message bus is unavailable', ref: 'first' });
    expect(Date.now() - sent).toBeLessThan(1000);
    const attempts = h.bus.attempts;
    client.send({ type: 'broadcast', message: 'two', ref: 'second' });
    client.send('not json, no ref');
    await client.until((f) => f.filter((x) => x.type === 'error').length === 3);
    expect(client.of('error').map((f) => f.ref)).toEqual(['first', 'second', undefined]);
    expect(h.bus.attempts).toBe(attempts);
  });

  test('while the bus is known down, upgrades get 503; after a heartbeat gets through, connections and frames flow again', async () => {
    const h = await setup({ GATEWAY_HEARTBEAT_MS: '100' });
    const client = await TestClient.connect(h.url);
    track(client);
    h.bus.mode = 'down';
    client.send({ type: 'broadcast', message: 'lost', ref: 'x' });
    await client.next('error', (f) => f.ref === 'x');
    expect(await upgradeStatus(h.url)).toBe(503);
    h.bus.mode = 'up';
    await eventually(async () => (await upgradeStatus(h.url)) === 101, { timeoutMs: 2000, what: 'upgrades accepted again' });
    client.send({ type: 'broadcast', message: 'back', ref: 'y' });
    await h.wsIn.until(() => h.inRecords().some((r) => r.kind === 'frame' && r.data.includes('"back"')));
    expect(client.of('error').filter((f) => f.ref === 'y')).toHaveLength(0);
  });

  test('a connection whose connect cannot be announced (the outage is not known yet) gets welcome, then closes with 1013', async () => {
    const h = await setup();
    h.bus.mode = 'down';
    const client = await TestClient.connect(h.url);
    expect(await client.closed).toEqual({ code: 1013, reason: 'Message bus unavailable' });
    // Now the outage is known: the next upgrade is refused before any socket exists.
    expect(await upgradeStatus(h.url)).toBe(503);
  });

  test('an acknowledgement stamped after the deadline means the worker drops the frame: the client is told bus-unavailable', async () => {
    const h = await setup();
    const client = await TestClient.connect(h.url);
    track(client);
    h.bus.mode = 'late';
    client.send({ type: 'broadcast', message: 'too late', ref: 'late' });
    await client.next('error', (f) => f.ref === 'late' && f.code === 'bus-unavailable');
    const relayed = h.inRecords().find((r) => r.kind === 'frame' && r.data.includes('too late'));
    expect(relayed).toMatchObject({ kind: 'frame', deadline: expect.any(Number) });
  });

  test('an acknowledgement that does not come: the gateway waits 800 ms past the deadline, then refuses within PUBLISH_TIMEOUT_MS + 1 s', async () => {
    const h = await setup();
    const client = await TestClient.connect(h.url);
    track(client);
    h.bus.mode = 'silent';
    const sent = Date.now();
    client.send({ type: 'broadcast', message: 'unheard', ref: 'silent' });
    await client.next('error', (f) => f.ref === 'silent' && f.code === 'bus-unavailable', 10_000);
    const waited = Date.now() - sent;
    expect(waited).toBeGreaterThanOrEqual(h.config.PUBLISH_TIMEOUT_MS + 800);
    expect(waited).toBeLessThanOrEqual(h.config.PUBLISH_TIMEOUT_MS + 1000);
  });

  test('a gateway frozen past GATEWAY_TIMEOUT_MS relays nothing its sockets sent meanwhile and closes them with 1012', async () => {
    const h = await setup({ GATEWAY_TIMEOUT_MS: '3000', GATEWAY_HEARTBEAT_MS: '500' });
    const client = await TestClient.connect(h.url);
    // Sent now, read by the gateway only after the freeze below.
    setImmediate(() => client.send({ type: 'broadcast', message: 'from the freeze' }));
    await new Promise((r) => setImmediate(r));
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      // The event loop is blocked, as under SIGSTOP or a stalled process.
    }
    expect((await client.closed).code).toBe(1012);
    expect(h.inRecords().some((r) => r.kind === 'frame' && r.data.includes('from the freeze'))).toBe(false);
    const fresh = await TestClient.connect(h.url);
    track(fresh);
    fresh.send({ type: 'broadcast', message: 'after' });
    await h.wsIn.until(() => h.inRecords().some((r) => r.kind === 'frame' && r.data.includes('"after"')));
  });
});

describe('gateway presence subscriptions', () => {
  test('?presence= must be full, delta or none: anything else is refused with 400 before any socket exists', async () => {
    const h = await setup();
    expect(await upgradeStatus(`${h.url}/?presence=sometimes`)).toBe(400);
    for (const mode of ['full', 'delta', 'none']) expect(await upgradeStatus(`${h.url}/?presence=${mode}`)).toBe(101);
    await h.wsIn.until(() => h.inRecords().filter((r) => r.kind === 'connect').length === 3);
    expect(h.inRecords().flatMap((r) => (r.kind === 'connect' ? [r.presence] : []))).toEqual(['full', 'delta', 'none']);
  });

  test('presence-limited commands reach only the sockets that asked for that much presence', async () => {
    const h = await setup();
    const full = await TestClient.connect(`${h.url}/?presence=full`);
    const delta = await TestClient.connect(`${h.url}/?presence=delta`);
    const none = await TestClient.connect(`${h.url}/?presence=none`);
    track(full, delta, none);
    const list = JSON.stringify({ type: 'client-list', clients: ['x'] });
    const notice = JSON.stringify({ type: 'client-connected', clientId: 'x' });
    const end = JSON.stringify({ type: 'kafka', from: 'x', message: 'end', timestamp: 1, id: 'e' });
    await h.command({ kind: 'deliver', id: 'l', target: { type: 'all', presence: 'full' }, frame: list });
    await h.command({ kind: 'deliver', id: 'n', target: { type: 'all', presence: 'delta' }, frame: notice });
    await h.command({ kind: 'deliver', id: 'e', target: { type: 'all' }, frame: end });
    await Promise.all([full, delta, none].map((c) => c.next('kafka')));
    expect(full.frames.slice(1).map((f) => f.type)).toEqual(['client-list', 'client-connected', 'kafka']);
    expect(delta.frames.slice(1).map((f) => f.type)).toEqual(['client-connected', 'kafka']);
    expect(none.frames.slice(1).map((f) => f.type)).toEqual(['kafka']);
  });
});

describe('gateway delivery', () => {
  test('frames of every length class (7, 16 and 64-bit) arrive intact', async () => {
    const h = await setup();
    const client = await TestClient.connect(h.url);
    track(client);
    const sizes = [0, 125, 126, 65_535, 65_536, 300_000];
    for (const [i, n] of sizes.entries()) {
      await h.command({ kind: 'deliver', id: `s${i}`, target: { type: 'all' }, frame: JSON.stringify({ type: 'kafka', from: 'x', message: 'm'.repeat(n), timestamp: 1, id: `s${i}` }) });
    }
    await client.until((f) => f.filter((x) => x.type === 'kafka').length === sizes.length);
    expect(client.of('kafka').map((f) => String(f.message).length)).toEqual(sizes);
  });

  test('in one batch each socket gets its frames in command order: shared, own, excepted and kicked', async () => {
    const h = await setup();
    const [a, b, c] = await Promise.all([TestClient.connect(h.url), TestClient.connect(h.url), TestClient.connect(h.url)]);
    track(a!, b!, c!);
    const kafka = (id: string) => JSON.stringify({ type: 'kafka', from: 'x', message: id, timestamp: 1, id });
    const direct = (id: string) => JSON.stringify({ type: 'direct', from: 'x', message: id, timestamp: 1, id });
    const commands: WsOutRecord[] = [
      { kind: 'deliver', id: '1', target: { type: 'all' }, frame: kafka('1') },
      { kind: 'deliver', id: '2', target: { type: 'clients', ids: [b!.id] }, frame: direct('2') },
      { kind: 'deliver', id: '3', target: { type: 'all', except: [a!.id] }, frame: kafka('3') },
      { kind: 'kick', id: '4', target: { type: 'clients', ids: [c!.id] }, frame: JSON.stringify({ type: 'kicked', message: 'bye' }) },
      { kind: 'deliver', id: '5', target: { type: 'all' }, frame: kafka('5') },
      { kind: 'deliver', id: '6', target: { type: 'clients', ids: [c!.id, a!.id] }, frame: direct('6') },
    ];
    await h.bus.publish(h.config.topics.out, commands.map((cmd) => ({ key: 'k', value: encodeCommand(cmd) })));
    expect((await c!.closed).code).toBe(4000);
    await Promise.all([a!, b!].map((x) => x.until((f) => f.some((y) => y.message === '5'))));
    await a!.next('direct', (f) => f.message === '6');
    const seen = (x: TestClient) => x.frames.slice(1).map((f) => `${f.type}:${String(f.message)}`);
    expect(seen(a!)).toEqual(['kafka:1', 'kafka:5', 'direct:6']);
    expect(seen(b!)).toEqual(['kafka:1', 'direct:2', 'kafka:3', 'kafka:5']);
    expect(seen(c!)).toEqual(['kafka:1', 'kafka:3', 'kicked:bye']);
  });
});
