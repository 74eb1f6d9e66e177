import {
  clientPresenceKey,
  createLogger,
  encodeRecord,
  endedPresenceKey,
  gatewayPresenceKey,
  MemoryBus,
  PresenceView,
  type ClientPresence,
  type GatewayPresence,
  type OutgoingRecord,
  type SubscribeOptions,
  type Subscription,
} from '@cmf/shared';

/** A MemoryBus whose deliveries can be held back, so a test can see what waits for them. */
class GatedBus extends MemoryBus {
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => {};

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  release(): void {
    this.open();
  }

  override subscribe(options: SubscribeOptions): Promise<Subscription> {
    return super.subscribe({
      ...options,
      onBatch: async (batch) => {
        await this.gate;
        await options.onBatch(batch);
      },
    });
  }
}

/** Whether `promise` has settled once everything already queued has run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

const TOPIC = 'ws-presence';
const logger = createLogger('silent');

const client = (clientId: string, gateway = 'g1', connectedAt = 1000): ClientPresence => ({
  kind: 'client',
  clientId,
  gateway,
  connectedAt,
});
const gateway = (id: string, lastSeen = 1000): GatewayPresence => ({ kind: 'gateway', gateway: id, lastSeen });
const put = (p: ClientPresence | GatewayPresence): OutgoingRecord => ({
  key: p.kind === 'client' ? clientPresenceKey(p.clientId) : gatewayPresenceKey(p.gateway),
  value: encodeRecord(p),
});

describe('PresenceView', () => {
  let bus: GatedBus;
  const views: PresenceView[] = [];
  const start = async (): Promise<PresenceView> => {
    const view = await PresenceView.start(bus, TOPIC, logger);
    views.push(view);
    return view;
  };

  beforeEach(async () => {
    bus = new GatedBus();
    await bus.ensureTopics([{ name: TOPIC, partitions: 1, compacted: true }]);
  });

  afterEach(async () => {
    await Promise.all(views.splice(0).map((v) => v.close()));
    await bus.close();
  });

  test('starts empty on an empty topic', async () => {
    const view = await start();
    expect(view.size).toBe(0);
    expect([...view.clients()]).toEqual([]);
    expect(view.gateways()).toEqual([]);
  });

  test('start() resolves holding everything already on the topic', async () => {
    await bus.publish(TOPIC, [put(gateway('g1')), put(client('c1')), put(client('c2', 'g1', 2000))]);
    const view = await start();
    expect(view.size).toBe(2);
    expect(view.client('c1')).toEqual(client('c1'));
    expect(view.gateways()).toEqual([gateway('g1')]);
  });

  test('applies client and gateway records published after start, once synced', async () => {
    const view = await start();
    await bus.publish(TOPIC, [put(gateway('g2', 5)), put(client('c1', 'g2', 10))]);
    await view.sync();
    expect(view.client('c1')).toEqual(client('c1', 'g2', 10));
    expect(view.gateways()).toEqual([gateway('g2', 5)]);
  });

  test('the latest record for a key wins', async () => {
    const view = await start();
    await bus.publish(TOPIC, [put(client('c1', 'g1', 1)), put(client('c1', 'g2', 2)), put(gateway('g1', 1)), put(gateway('g1', 9))]);
    await view.sync();
    expect(view.size).toBe(1);
    expect(view.client('c1')?.gateway).toBe('g2');
    expect(view.gateways()).toEqual([gateway('g1', 9)]);
  });

  test('away clients are indexed while they are away; ended sessions are kept apart from the clients', async () => {
    const view = await start();
    const away = { ...client('c1'), away: { since: 5, position: '7' } };
    await bus.publish(TOPIC, [
      put(away),
      put(client('c2')),
      { key: endedPresenceKey('c3'), value: encodeRecord({ kind: 'ended', clientId: 'c3', since: 4 }) },
    ]);
    await view.sync();
    expect(view.size).toBe(2);
    expect([...view.away()]).toEqual([away]);
    expect(view.ended('c3')).toEqual({ kind: 'ended', clientId: 'c3', since: 4 });
    expect(view.client('c3')).toBeUndefined();
    // Back: no longer away. Gone: out of the index. The ended record goes with its tombstone.
    await bus.publish(TOPIC, [put(client('c1', 'g2')), { key: endedPresenceKey('c3'), value: null }]);
    await view.sync();
    expect([...view.away()]).toEqual([]);
    expect([...view.endedSessions()]).toEqual([]);
    await bus.publish(TOPIC, [put({ ...client('c2'), away: { since: 9 } }), { key: clientPresenceKey('c2'), value: null }]);
    await view.sync();
    expect([...view.away()]).toEqual([]);
  });

  test('a tombstone removes the client or gateway it is keyed by, and only that one', async () => {
    const view = await start();
    await bus.publish(TOPIC, [put(gateway('g1')), put(gateway('g2')), put(client('c1')), put(client('c2'))]);
    await bus.publish(TOPIC, [
      { key: clientPresenceKey('c1'), value: null },
      { key: gatewayPresenceKey('g1'), value: null },
    ]);
    await view.sync();
    expect(view.client('c1')).toBeUndefined();
    expect([...view.clients()].map((c) => c.clientId)).toEqual(['c2']);
    expect(view.gateways().map((g) => g.gateway)).toEqual(['g2']);
  });

  test('an empty value is a tombstone too', async () => {
    const view = await start();
    await bus.publish(TOPIC, [put(client('c1')), { key: clientPresenceKey('c1'), value: Buffer.alloc(0) }]);
    await view.sync();
    expect(view.size).toBe(0);
  });

  test('a tombstone for a client that was never there changes nothing', async () => {
    const view = await start();
    await bus.publish(TOPIC, [put(client('c1')), { key: clientPresenceKey('nobody'), value: null }]);
    await view.sync();
    expect([...view.clients()].map((c) => c.clientId)).toEqual(['c1']);
  });

  test('clients() lists clients in the order their connects were processed, oldest first; a rewrite keeps its place', async () => {
    const view = await start();
    await bus.publish(TOPIC, [put(client('early', 'g1', 100)), put(client('middle', 'g2', 200)), put(client('late', 'g1', 300))]);
    await bus.publish(TOPIC, [put(client('early', 'g1', 100))]);
    await view.sync();
    expect([...view.clients()].map((c) => c.clientId)).toEqual(['early', 'middle', 'late']);
  });

  test('a record that is not presence is skipped, and the view keeps going', async () => {
    const view = await start();
    await bus.publish(TOPIC, [
      { key: 'client:bad', value: Buffer.from('not json') },
      { key: 'client:worse', value: encodeRecord({ kind: 'client', clientId: 'worse' }) },
      put(client('good')),
    ]);
    await view.sync();
    expect([...view.clients()].map((c) => c.clientId)).toEqual(['good']);
  });

  test('sync() resolves only after every earlier publish has been applied', async () => {
    const view = await start();
    bus.hold();
    await bus.publish(TOPIC, [put(client('c1')), put(gateway('g1'))]);
    await bus.publish(TOPIC, [put(client('c2'))]);
    const synced = view.sync();
    expect(await settled(synced)).toBe(false);
    expect(view.size).toBe(0);
    bus.release();
    await synced;
    expect([...view.clients()].map((c) => c.clientId)).toEqual(['c1', 'c2']);
    expect(view.gateways()).toEqual([gateway('g1')]);
  });

  test('sync() resolves at once when there is nothing new', async () => {
    await bus.publish(TOPIC, [put(client('c1'))]);
    const view = await start();
    bus.hold();
    expect(await settled(view.sync())).toBe(true);
    bus.release();
  });

  test('find() finds a client published just before, waiting for it to be applied', async () => {
    const view = await start();
    bus.hold();
    await bus.publish(TOPIC, [put(client('just-now', 'g7', 42))]);
    expect(view.client('just-now')).toBeUndefined();
    const found = view.find('just-now');
    expect(await settled(found)).toBe(false);
    bus.release();
    await expect(found).resolves.toEqual(client('just-now', 'g7', 42));
  });

  test('find() answers from what it holds without waiting', async () => {
    const view = await start();
    await bus.publish(TOPIC, [put(client('c1'))]);
    await view.sync();
    bus.hold();
    await bus.publish(TOPIC, [{ key: clientPresenceKey('c1'), value: null }]);
    // The tombstone is held back: find() answers from the view as it is, without a sync.
    await expect(view.find('c1')).resolves.toEqual(client('c1'));
    bus.release();
  });

  test('find() resolves undefined for a client that is not connected', async () => {
    const view = await start();
    await bus.publish(TOPIC, [put(client('c1')), { key: clientPresenceKey('c1'), value: null }]);
    await expect(view.find('c1')).resolves.toBeUndefined();
    await expect(view.find('never')).resolves.toBeUndefined();
  });

  test('two views of one topic agree', async () => {
    const a = await start();
    await bus.publish(TOPIC, [put(client('c1')), put(client('c2', 'g2', 2000))]);
    const b = await start();
    await bus.publish(TOPIC, [{ key: clientPresenceKey('c1'), value: null }]);
    await Promise.all([a.sync(), b.sync()]);
    expect([...a.clients()]).toEqual([...b.clients()]);
    expect([...a.clients()].map((c) => c.clientId)).toEqual(['c2']);
  });

  test('sync() rejects with a timeout when the view cannot catch up', async () => {
    const view = await start();
    await view.close();
    await bus.publish(TOPIC, [put(client('c1'))]);
    await expect(view.sync(30)).rejects.toMatchObject({ code: 'timeout' });
  });
});
