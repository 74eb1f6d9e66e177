import { CLOCK_PRESENCE_KEY, CmfError, decodeRecord, encodeRecord, partitionOf, PresenceRecordSchema, type WsInRecord } from '@cmf/shared';
import { T, closeHarnesses, connectedNotice, disconnectedNotice, isFrame, setup, ticksBetween, type Harness } from './worker-harness.js';

afterEach(closeHarnesses);

describe('worker', () => {
  test('is ready once it has joined its group, and not after close', async () => {
    const h = await setup();
    expect(h.worker.ready).toBe(true);
    await h.worker.close();
    expect(h.worker.ready).toBe(false);
  });

  describe('client frames', () => {
    test.each(['broadcast-all', 'broadcast'])('%s → one deliver to all, a kafka frame from the sender', async (type) => {
      const h = await setup();
      await h.frame('client-g1-1', { type, message: 'hello everyone' }, T + 5);
      await h.frame('client-g1-1', { type: 'broadcast-all', message: 'marker' });
      await h.waitFor(isFrame('kafka', { message: 'marker' }));
      const got = h.commands().filter(isFrame('kafka', { message: 'hello everyone' }));
      expect(got).toHaveLength(1);
      const [command] = got;
      expect(command).toMatchObject({ kind: 'deliver', key: 'client-g1-1', target: { type: 'all' } });
      expect(command!.frame).toEqual({ type: 'kafka', from: 'client-g1-1', message: 'hello everyone', timestamp: T + 5 });
    });

    test('every error a frame causes echoes its ref; a ref that is not a string of at most 64 characters is itself the error', async () => {
      const h = await setup();
      await h.frame('client-g1-1', { type: 'dance', ref: 'r-1' });
      await h.frame('client-g1-1', { type: 'broadcast-one', targetId: 'client-nobody-1', message: 'x', ref: 'r-2' });
      await h.frame('client-g1-1', { type: 'broadcast', ref: 'r-3' });
      await h.frame('client-g1-1', { type: 'broadcast', message: 'x', ref: 'r'.repeat(65) });
      await h.frame('client-g1-1', { type: 'broadcast', message: 'x', ref: 7 });
      await h.frame('client-g1-1', { type: 'broadcast', message: 'marker', ref: 'r-4' });
      await h.waitFor(isFrame('kafka', { message: 'marker' }));
      expect(h.commands().filter(isFrame('error')).map((c) => c.frame)).toEqual([
        { type: 'error', code: 'unknown-command', message: 'Unknown command', ref: 'r-1' },
        expect.objectContaining({ code: 'unknown-target', field: 'targetId', ref: 'r-2' }),
        expect.objectContaining({ code: 'invalid-field', field: 'message', ref: 'r-3' }),
        { type: 'error', code: 'invalid-field', field: 'ref', message: 'Invalid field "ref": expected a string of at most 64 characters' },
        { type: 'error', code: 'invalid-field', field: 'ref', message: 'Invalid field "ref": expected a string of at most 64 characters' },
      ]);
    });

    test('the sender needs not be known to broadcast, and every broadcast gets its own id', async () => {
      const h = await setup();
      for (let i = 0; i < 5; i += 1) await h.frame('client-gx-1', { type: 'broadcast', message: `m${i}` });
      await h.out.until(() => h.commands().filter(isFrame('kafka')).length === 5);
      const ids = h.commands().map((c) => c.id);
      expect(new Set(ids).size).toBe(5);
      expect(h.commands().map((c) => (c.frame as { message: string }).message)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    });

    test('broadcast-one to a connected target → a direct frame to that target only', async () => {
      const h = await setup();
      await h.connect('client-g2-7', 'g2');
      await h.frame('client-g1-1', { type: 'broadcast-one', targetId: 'client-g2-7', message: 'psst' }, T + 9);
      const command = await h.waitFor(isFrame('direct'));
      expect(command).toMatchObject({ kind: 'deliver', key: 'client-g1-1', target: { type: 'clients', ids: ['client-g2-7'] } });
      expect(command.frame).toEqual({ type: 'direct', from: 'client-g1-1', message: 'psst', timestamp: T + 9 });
    });

    test('broadcast-one to an unknown target → an error to the sender, nothing to anyone else', async () => {
      const h = await setup();
      await h.frame('client-g1-1', { type: 'broadcast-one', targetId: 'client-nobody-1', message: 'psst' });
      const command = await h.waitFor(isFrame('error'));
      expect(command).toMatchObject({ kind: 'deliver', target: { type: 'clients', ids: ['client-g1-1'] } });
      expect(command.frame).toMatchObject({ type: 'error', code: 'unknown-target', field: 'targetId' });
      expect((command.frame as { message: string }).message).toContain('client-nobody-1');
      expect(h.commands().filter(isFrame('direct'))).toHaveLength(0);
    });

    test('broadcast-one to a client that has disconnected → error', async () => {
      const h = await setup();
      await h.connect('client-g1-2');
      await h.send({ kind: 'disconnect', clientId: 'client-g1-2', gateway: 'g1', at: T + 1 });
      await h.waitFor(disconnectedNotice('client-g1-2'));
      await h.frame('client-g1-1', { type: 'broadcast-one', targetId: 'client-g1-2', message: 'late' });
      const command = await h.waitFor((c) => c.frame?.type === 'error' || c.frame?.type === 'direct');
      expect(command.frame).toMatchObject({ type: 'error', code: 'unknown-target' });
    });

    test('kick-one → a kick command for the target with "You have been kicked out."', async () => {
      const h = await setup();
      await h.connect('client-g2-3', 'g2');
      await h.frame('client-g1-1', { type: 'kick-one', targetId: 'client-g2-3' });
      const command = await h.waitFor((c) => c.kind === 'kick');
      expect(command).toMatchObject({ key: 'client-g1-1', target: { type: 'clients', ids: ['client-g2-3'] } });
      expect(command.frame).toEqual({ type: 'kicked', message: 'You have been kicked out.' });
    });

    test('kick-one of an unknown target → an error to the sender and no kick', async () => {
      const h = await setup();
      await h.frame('client-g1-1', { type: 'kick-one', targetId: 'client-ghost-1' });
      const command = await h.waitFor(isFrame('error'));
      expect(command).toMatchObject({ target: { type: 'clients', ids: ['client-g1-1'] }, frame: { code: 'unknown-target' } });
      expect(h.commands().filter((c) => c.kind === 'kick')).toHaveLength(0);
    });

    test('kick-all → kicks everyone but the sender with "All clients disconnected."', async () => {
      const h = await setup();
      await h.frame('client-g1-1', { type: 'kick-all' });
      const command = await h.waitFor((c) => c.kind === 'kick');
      expect(command).toMatchObject({ key: 'client-g1-1', target: { type: 'all', except: ['client-g1-1'] } });
      expect(command.frame).toEqual({ type: 'kicked', message: 'All clients disconnected.' });
    });

    test.each([
      ['not JSON', 'hello?', { code: 'invalid-format', message: 'Invalid message format' }],
      ['a JSON array', '[1,2]', { code: 'invalid-format', message: 'Invalid message format' }],
      ['an unknown type', '{"type":"dance"}', { code: 'unknown-command', message: 'Unknown command' }],
      ['a frame without type', '{"message":"x"}', { code: 'invalid-field', field: 'type' }],
      ['a broadcast without message', '{"type":"broadcast"}', { code: 'invalid-field', field: 'message' }],
      ['a kick-one without targetId', '{"type":"kick-one"}', { code: 'invalid-field', field: 'targetId' }],
    ])('%s → an error frame to the sender only', async (_name, data, expected) => {
      const h = await setup();
      await h.frame('client-g1-4', data);
      const command = await h.waitFor(isFrame('error'));
      expect(command).toMatchObject({ kind: 'deliver', key: 'client-g1-4', target: { type: 'clients', ids: ['client-g1-4'] } });
      expect(command.frame).toMatchObject({ type: 'error', ...expected });
    });

    describe('with ALLOW_CLIENT_KICK=false', () => {
      test.each([
        ['kick-one', { type: 'kick-one', targetId: 'client-g2-1' }],
        ['kick-all', { type: 'kick-all' }],
      ])('%s → error code forbidden, and no kick', async (_name, frame) => {
        const h = await setup({ ALLOW_CLIENT_KICK: 'false' });
        await h.connect('client-g2-1', 'g2');
        await h.frame('client-g1-1', frame);
        await h.frame('client-g1-1', { type: 'broadcast', message: 'marker' });
        await h.waitFor(isFrame('kafka', { message: 'marker' }));
        const errors = h.commands().filter(isFrame('error'));
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatchObject({ target: { type: 'clients', ids: ['client-g1-1'] }, frame: { code: 'forbidden' } });
        expect(h.commands().filter((c) => c.kind === 'kick')).toHaveLength(0);
      });

      test('broadcasts still work', async () => {
        const h = await setup({ ALLOW_CLIENT_KICK: 'false' });
        await h.frame('client-g1-1', { type: 'broadcast-all', message: 'still here' });
        await h.waitFor(isFrame('kafka', { message: 'still here' }));
      });
    });

    describe('who may kick', () => {
      /** A kick-one from client-g1-1 (as `auth`, or anonymous), then a marker; resolves to the kicks and errors it caused. */
      async function kickFrom(h: Harness, auth?: { sub?: string; roles: string[] }) {
        await h.connect('client-g2-1', 'g2');
        const frame = (data: object) => ({ kind: 'frame' as const, clientId: 'client-g1-1', gateway: 'g1', receivedAt: T, data: JSON.stringify(data), ...(auth ? { auth } : {}) });
        await h.send(frame({ type: 'kick-one', targetId: 'client-g2-1' }), frame({ type: 'kick-all' }), frame({ type: 'broadcast', message: 'marker' }));
        await h.waitFor(isFrame('kafka', { message: 'marker' }));
        return { kicks: h.commands().filter((c) => c.kind === 'kick').length, errors: h.commands().filter(isFrame('error')).map((c) => c.frame) };
      }

      test('an authenticated connection with JWT_ADMIN_ROLE may kick, whatever ALLOW_CLIENT_KICK says', async () => {
        expect(await kickFrom(await setup({ ALLOW_CLIENT_KICK: 'false' }), { sub: 'root', roles: ['user', 'admin'] })).toEqual({ kicks: 2, errors: [] });
        expect(await kickFrom(await setup({ JWT_ADMIN_ROLE: 'ops' }), { roles: ['ops'] })).toEqual({ kicks: 2, errors: [] });
      });

      test('an authenticated connection without it gets forbidden twice and kicks no one, even with ALLOW_CLIENT_KICK=true', async () => {
        const forbidden = { type: 'error', code: 'forbidden', message: 'Kicking needs the admin role' };
        expect(await kickFrom(await setup({ ALLOW_CLIENT_KICK: 'true' }), { sub: 'eve', roles: ['user'] })).toEqual({ kicks: 0, errors: [forbidden, forbidden] });
        expect(await kickFrom(await setup({ JWT_ADMIN_ROLE: 'ops' }), { roles: ['admin'] })).toEqual({
          kicks: 0,
          errors: Array(2).fill({ ...forbidden, message: 'Kicking needs the ops role' }),
        });
      });

      test('anonymous connections may kick by default only while no ADMIN_TOKEN or JWT is configured; an explicit value wins', async () => {
        const forbidden = { type: 'error', code: 'forbidden', message: 'Kicking is disabled on this server' };
        expect(await kickFrom(await setup())).toEqual({ kicks: 2, errors: [] });
        expect(await kickFrom(await setup({ ADMIN_TOKEN: 'secret' }))).toEqual({ kicks: 0, errors: [forbidden, forbidden] });
        expect(await kickFrom(await setup({ JWT_JWKS_URL: 'https://auth.example/jwks.json' }))).toEqual({ kicks: 0, errors: [forbidden, forbidden] });
        expect(await kickFrom(await setup({ ADMIN_TOKEN: 'secret', ALLOW_CLIENT_KICK: 'true' }))).toEqual({ kicks: 2, errors: [] });
      });
    });
  });

  describe('presence', () => {
    test('connect → presence written, then client-list, then client-connected, to everyone', async () => {
      const h = await setup();
      await h.send({ kind: 'connect', clientId: 'client-g1-1', gateway: 'g1', at: T + 3 });
      await h.waitFor(connectedNotice('client-g1-1'));
      // The presence write was acknowledged before the announcement went out.
      const written = h.presence.received.map((r) => ({ key: r.key, value: decodeRecord(PresenceRecordSchema, r.value!) }));
      expect(written).toEqual(
        expect.arrayContaining([
          { key: 'client:client-g1-1', value: { kind: 'client', clientId: 'client-g1-1', gateway: 'g1', connectedAt: T + 3, source: expect.any(String) } },
          { key: 'gateway:g1', value: { kind: 'gateway', gateway: 'g1', lastSeen: T + 3 } },
        ]),
      );
      const announcements = h.commands();
      expect(announcements.map((c) => c.frame?.type)).toEqual(['client-list', 'client-connected']);
      expect(announcements[0]!.frame).toEqual({ type: 'client-list', clients: ['client-g1-1'] });
      for (const c of announcements) expect(c).toMatchObject({ kind: 'deliver', key: 'presence', target: { type: 'all' } });
    });

    test('the client list holds every connected client, oldest first, across gateways', async () => {
      const h = await setup();
      await h.connect('client-g1-1', 'g1', T + 1);
      await h.connect('client-g2-1', 'g2', T + 2);
      await h.connect('client-g1-2', 'g1', T + 3);
      const lists = h.commands().filter(isFrame('client-list'));
      expect(lists.at(-1)!.frame).toEqual({ type: 'client-list', clients: ['client-g1-1', 'client-g2-1', 'client-g1-2'] });
    });

    test('connects in one batch are announced with one client list, each client connected once', async () => {
      const h = await setup();
      await h.send(
        { kind: 'connect', clientId: 'a', gateway: 'g1', at: T + 1 },
        { kind: 'connect', clientId: 'b', gateway: 'g1', at: T + 2 },
      );
      await h.waitFor(connectedNotice('b'));
      const frames = h.commands().map((c) => c.frame);
      expect(frames.filter((f) => f?.type === 'client-connected').map((f) => (f as { clientId: string }).clientId).sort()).toEqual(['a', 'b']);
      const lists = frames.filter((f) => f?.type === 'client-list');
      expect(lists.at(-1)).toEqual({ type: 'client-list', clients: ['a', 'b'] });
      // Each client-connected follows a client list that already holds that client.
      frames.forEach((f, i) => {
        if (f?.type !== 'client-connected') return;
        const before = frames.slice(0, i).filter((x) => x?.type === 'client-list');
        expect((before.at(-1) as { clients: string[] }).clients).toContain(f.clientId);
      });
    });

    test.each([
      ['in one batch', true],
      ['in separate batches', false],
    ])('a duplicated connect record is announced once (%s)', async (_name, together) => {
      const h = await setup();
      const connect: WsInRecord = { kind: 'connect', clientId: 'client-g1-1', gateway: 'g1', at: T };
      if (together) await h.send(connect, connect);
      else {
        await h.send(connect);
        await h.send(connect);
      }
      await h.connect('marker', 'g1', T + 1);
      expect(h.commands().filter(connectedNotice('client-g1-1'))).toHaveLength(1);
      expect(h.presence.received.filter((r) => r.key === 'client:client-g1-1')).toHaveLength(1);
    });

    test('disconnect → client-disconnected, then a client list without it; presence tombstoned', async () => {
      const h = await setup();
      await h.connect('client-g1-1');
      await h.connect('client-g1-2', 'g1', T + 1);
      const before = h.out.received.length;
      await h.send({ kind: 'disconnect', clientId: 'client-g1-1', gateway: 'g1', at: T + 2, code: 1000 });
      await h.waitFor(disconnectedNotice('client-g1-1'));
      await h.out.until((r) => r.length >= before + 2);
      const after = h.commands().slice(before);
      expect(after.map((c) => c.frame)).toEqual([
        { type: 'client-disconnected', clientId: 'client-g1-1' },
        { type: 'client-list', clients: ['client-g1-2'] },
      ]);
      const tombstone = h.presence.received.filter((r) => r.key === 'client:client-g1-1').at(-1);
      expect(tombstone?.value).toBeNull();
    });

    test.each([
      ['in one batch', true],
      ['in separate batches', false],
    ])('a duplicated disconnect record is announced once (%s)', async (_name, together) => {
      const h = await setup();
      await h.connect('client-g1-1');
      const disconnect: WsInRecord = { kind: 'disconnect', clientId: 'client-g1-1', gateway: 'g1', at: T + 1 };
      if (together) await h.send(disconnect, disconnect);
      else {
        await h.send(disconnect);
        await h.send(disconnect);
      }
      await h.connect('marker', 'g1', T + 2);
      expect(h.commands().filter(disconnectedNotice('client-g1-1'))).toHaveLength(1);
    });

    test('a disconnect of a client that never connected is not announced', async () => {
      const h = await setup();
      await h.send({ kind: 'disconnect', clientId: 'client-g1-99', gateway: 'g1', at: T });
      await h.connect('marker');
      expect(h.commands().filter(isFrame('client-disconnected'))).toHaveLength(0);
    });

    test('connect and disconnect of one client in one batch: both announced, in order', async () => {
      const h = await setup();
      await h.send(
        { kind: 'connect', clientId: 'brief', gateway: 'g1', at: T },
        { kind: 'disconnect', clientId: 'brief', gateway: 'g1', at: T + 1 },
      );
      await h.waitFor(disconnectedNotice('brief'));
      await h.connect('marker', 'g1', T + 2);
      const types = h.commands().filter((c) => c.frame && 'clientId' in c.frame && c.frame.clientId === 'brief').map((c) => c.frame!.type);
      expect(types).toEqual(['client-connected', 'client-disconnected']);
      expect(h.commands().filter(isFrame('client-list')).at(-1)!.frame).toEqual({ type: 'client-list', clients: ['marker'] });
    });

    test('a gateway silent longer than GATEWAY_TIMEOUT_MS: its clients announced gone once, and gateway-expired', async () => {
      const h = await setup();
      const timeout = h.config.GATEWAY_TIMEOUT_MS;
      await h.send({ kind: 'gateway-heartbeat', gateway: 'g-dead', at: T });
      await h.connect('client-dead-1', 'g-dead', T);
      await h.connect('client-dead-2', 'g-dead', T + 1);
      await h.connect('client-live-1', 'g-live', T + 2);
      // The workers tick every second; g-live keeps heartbeating; g-dead goes silent.
      await h.send(...ticksBetween(T, T + timeout));
      await h.send({ kind: 'gateway-heartbeat', gateway: 'g-live', at: T + timeout });
      await h.send({ kind: 'tick', at: T + timeout + 1 });
      const expired = await h.waitFor((c) => c.kind === 'gateway-expired');
      // Its last record was the connect at T + 1: the gateway closes the sockets it opened by then.
      expect(expired).toMatchObject({ gateway: 'g-dead', key: 'presence', lastSeen: T + 1 });
      await h.waitFor(disconnectedNotice('client-dead-2'));
      // Later ticks find nothing more to expire.
      await h.send({ kind: 'tick', at: T + timeout + 2 });
      await h.send({ kind: 'gateway-heartbeat', gateway: 'g-live', at: T + timeout + 3 });
      await h.connect('marker', 'g-live', T + timeout + 4);
      const cmds = h.commands();
      expect(cmds.filter((c) => c.kind === 'gateway-expired')).toHaveLength(1);
      expect(cmds.filter(disconnectedNotice('client-dead-1'))).toHaveLength(1);
      expect(cmds.filter(disconnectedNotice('client-dead-2'))).toHaveLength(1);
      expect(cmds.filter(disconnectedNotice('client-live-1'))).toHaveLength(0);
      expect(cmds.filter(isFrame('client-list')).at(-1)!.frame).toEqual({ type: 'client-list', clients: ['client-live-1', 'marker'] });
      const last = (key: string) => h.presence.received.filter((r) => r.key === key).at(-1);
      expect(last('gateway:g-dead')?.value).toBeNull();
      expect(last('client:client-dead-1')?.value).toBeNull();
      expect(last('gateway:g-live')?.value).not.toBeNull();
    });

    test('a gateway that heartbeats within the timeout is not expired', async () => {
      const h = await setup();
      const timeout = h.config.GATEWAY_TIMEOUT_MS;
      await h.connect('client-g1-1', 'g1', T);
      for (let at = T + timeout / 2; at <= T + 3 * timeout; at += timeout / 2) {
        await h.send({ kind: 'gateway-heartbeat', gateway: 'g1', at }, { kind: 'tick', at: at + 1 });
      }
      await h.connect('marker', 'g1', T + 3 * timeout + 2);
      expect(h.commands().filter((c) => c.kind === 'gateway-expired')).toHaveLength(0);
      expect(h.commands().filter(isFrame('client-disconnected'))).toHaveLength(0);
    });

    test('gateway-down: its clients are announced gone, with no gateway-expired', async () => {
      const h = await setup();
      await h.connect('client-g1-1', 'g1');
      await h.connect('client-g2-1', 'g2', T + 1);
      await h.send({ kind: 'gateway-down', gateway: 'g1', at: T + 2 });
      await h.waitFor(disconnectedNotice('client-g1-1'));
      await h.connect('marker', 'g2', T + 3);
      expect(h.commands().filter((c) => c.kind === 'gateway-expired')).toHaveLength(0);
      expect(h.commands().filter(isFrame('client-list')).at(-1)!.frame).toEqual({ type: 'client-list', clients: ['client-g2-1', 'marker'] });
    });

    test('after an outage longer than GATEWAY_TIMEOUT_MS, the gateways are given a fresh start, not expired by ticks held back', async () => {
      // Ticks come every second and a gap of 3 s reads as a stall: an outage of 6 s leaves a gap of
      // at least 5 s whatever the ticks' phase; the gateway expires 2 s after its last heartbeat.
      const h = await setup({ GATEWAY_TIMEOUT_MS: '3000' });
      const start = Date.now();
      await h.send({ kind: 'gateway-heartbeat', gateway: 'g1', at: start });
      await h.connect('client-g1-1', 'g1', start);
      // Kafka is away: the worker's ticks and the gateway's heartbeats wait, until their timeouts.
      h.bus.down();
      await new Promise((resolve) => setTimeout(resolve, 6000));
      const back = Date.now();
      h.bus.up();
      // The presence owner has reached the time the bus came back; then the gateway heartbeats again.
      const clockAt = () => h.presence.received.filter((r) => r.key === CLOCK_PRESENCE_KEY).map((r) => (JSON.parse(r.value!) as { at: number }).at);
      await h.presence.until(() => clockAt().some((at) => at >= back), 5000);
      await h.send({ kind: 'gateway-heartbeat', gateway: 'g1', at: Date.now() });
      await h.connect('marker', 'g1', Date.now());
      expect(h.commands().filter(disconnectedNotice('client-g1-1'))).toHaveLength(0);
      expect(h.commands().filter((c) => c.kind === 'gateway-expired')).toHaveLength(0);
    });

    test('the worker’s own ticks expire a silent gateway when nothing else arrives', async () => {
      const h = await setup({ GATEWAY_HEARTBEAT_MS: '10', GATEWAY_TIMEOUT_MS: '50' });
      await h.connect('client-quiet-1', 'quiet', Date.now());
      await h.waitFor((c) => c.kind === 'gateway-expired' && c.gateway === 'quiet', 5000);
      await h.waitFor(disconnectedNotice('client-quiet-1'));
    });
  });

  describe('admin records', () => {
    test('broadcast → a kafka frame to all from "server", stamped with the record time', async () => {
      const h = await setup();
      await h.send({ kind: 'admin', requestId: 'r1', at: T + 7, command: { type: 'broadcast', message: 'maintenance at noon' } });
      const command = await h.waitFor(isFrame('kafka'));
      expect(command).toMatchObject({ kind: 'deliver', key: 'admin', target: { type: 'all' } });
      expect(command.frame).toEqual({ type: 'kafka', from: 'server', message: 'maintenance at noon', timestamp: T + 7 });
    });

    test('kick-one → a kick for that client', async () => {
      const h = await setup();
      await h.send({ kind: 'admin', requestId: 'r2', at: T, command: { type: 'kick-one', targetId: 'client-g1-1' } });
      const command = await h.waitFor((c) => c.kind === 'kick');
      expect(command).toMatchObject({ key: 'admin', target: { type: 'clients', ids: ['client-g1-1'] } });
      expect(command.frame).toEqual({ type: 'kicked', message: 'You have been kicked out.' });
    });

    test('kick-all → a kick for every client, nobody excepted', async () => {
      const h = await setup();
      await h.send({ kind: 'admin', requestId: 'r3', at: T, command: { type: 'kick-all' } });
      const command = await h.waitFor((c) => c.kind === 'kick');
      expect(command.target).toEqual({ type: 'all' });
      expect(command.frame).toEqual({ type: 'kicked', message: 'All clients disconnected.' });
    });

    test('admin kicks are not subject to ALLOW_CLIENT_KICK', async () => {
      const h = await setup({ ALLOW_CLIENT_KICK: 'false' });
      await h.send({ kind: 'admin', requestId: 'r4', at: T, command: { type: 'kick-all' } });
      await h.waitFor((c) => c.kind === 'kick');
    });
  });

  describe('bad records', () => {
    test('a record that is not JSON goes to the dead-letter topic and does not block the next one', async () => {
      const h = await setup();
      const next: WsInRecord = { kind: 'frame', clientId: 'client-g1-1', gateway: 'g1', receivedAt: T, data: '{"type":"broadcast","message":"after"}' };
      await h.bus.publish(h.config.topics.in, [
        { key: 'client-g1-1', value: Buffer.from('definitely not json') },
        { key: 'client-g1-1', value: encodeRecord(next) },
      ]);
      await h.waitFor(isFrame('kafka', { message: 'after' }));
      await h.dead.count(1);
      const letter = JSON.parse(h.dead.received[0]!.value!);
      expect(letter).toEqual({
        error: 'record is not JSON',
        code: 'invalid-record',
        source: {
          topic: h.config.topics.in,
          partition: partitionOf('client-g1-1', h.config.KAFKA_IN_PARTITIONS),
          offset: '0',
          key: 'client-g1-1',
        },
        value: 'definitely not json',
      });
      expect(h.dead.received[0]!.key).toBe('client-g1-1');
    });

    test('JSON that is not a ws-in record, and a null value, are dead-lettered naming the problem', async () => {
      const h = await setup();
      await h.bus.publish(h.config.topics.in, [
        { key: 'k', value: encodeRecord({ kind: 'frame', clientId: 'c', gateway: 'g', receivedAt: 'yesterday', data: '' }) },
        { key: 'k', value: null },
      ]);
      await h.dead.count(2);
      const letters = h.dead.values().map((v) => JSON.parse(v!) as { error: string; value: string | null });
      expect(letters[0]!.error).toContain('receivedAt');
      expect(letters[1]!.value).toBeNull();
      await h.frame('k', { type: 'broadcast', message: 'still working' });
      await h.waitFor(isFrame('kafka', { message: 'still working' }));
      expect(h.commands().filter(isFrame('error'))).toHaveLength(0);
    });
  });

  describe('redelivery', () => {
    test('processing the same input twice gives the same command ids', async () => {
      const h = await setup();
      await h.connect('client-g2-1', 'g2');
      // The commands land, then the publish "fails": the batch is handed again and processed twice.
      h.bus.failNextPublish(h.config.topics.out, true);
      await h.send(
        { kind: 'frame', clientId: 'client-g1-1', gateway: 'g1', receivedAt: T, data: '{"type":"broadcast","message":"twice"}' },
        { kind: 'frame', clientId: 'client-g1-1', gateway: 'g1', receivedAt: T, data: '{"type":"broadcast-one","targetId":"client-g2-1","message":"dm"}' },
        { kind: 'frame', clientId: 'client-g1-1', gateway: 'g1', receivedAt: T, data: '{"type":"kick-all"}' },
        { kind: 'frame', clientId: 'client-g1-1', gateway: 'g1', receivedAt: T, data: 'oops' },
      );
      const fromSender = () => h.commands().filter((c) => c.key === 'client-g1-1');
      await h.out.until(() => fromSender().length === 8);
      const [first, second] = [fromSender().slice(0, 4), fromSender().slice(4)];
      expect(second).toEqual(first);
      expect(new Set(first.map((c) => c.id)).size).toBe(4);
    });

    test('each command id is unique to its input', async () => {
      const h = await setup();
      await h.connect('a', 'g1', T);
      await h.connect('b', 'g1', T + 1);
      await h.frame('a', { type: 'broadcast', message: 'x' });
      await h.frame('b', { type: 'broadcast', message: 'x' });
      await h.send({ kind: 'admin', requestId: 'r', at: T, command: { type: 'broadcast', message: 'x' } });
      await h.out.until(() => h.commands().filter(isFrame('kafka')).length === 3);
      const ids = h.commands().map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    test('a connect whose announcement failed to publish is still announced when the batch is retried', async () => {
      const h = await setup();
      h.bus.failNextPublish(h.config.topics.out, false);
      await h.send({ kind: 'connect', clientId: 'client-g1-1', gateway: 'g1', at: T });
      await h.presence.until((r) => r.some((x) => x.key === 'client:client-g1-1' && x.value !== null));
      await h.waitFor(connectedNotice('client-g1-1'), 2000);
    });

    test('a disconnect whose announcement failed to publish is still announced when the batch is retried', async () => {
      const h = await setup();
      await h.connect('client-g1-1');
      h.bus.failNextPublish(h.config.topics.out, false);
      await h.send({ kind: 'disconnect', clientId: 'client-g1-1', gateway: 'g1', at: T + 1 });
      await h.presence.until((r) => r.some((x) => x.key === 'client:client-g1-1' && x.value === null));
      await h.waitFor(disconnectedNotice('client-g1-1'), 2000);
    });
  });

  describe('frames sharing a batch with presence events', () => {
    /** A client id whose frames land in the same ws-in partition as presence events. */
    const idOnPresencePartition = (partitions: number, not: string[] = []): string => {
      for (let n = 1; ; n += 1) {
        const id = `client-gp-${n}`;
        if (!not.includes(id) && partitionOf(id, partitions) === partitionOf('presence', partitions)) return id;
      }
    };

    test('a target connected earlier in the same batch is found', async () => {
      const h = await setup();
      const sender = idOnPresencePartition(h.config.KAFKA_IN_PARTITIONS);
      await h.send(
        { kind: 'connect', clientId: 'client-new-1', gateway: 'g2', at: T },
        { kind: 'frame', clientId: sender, gateway: 'g1', receivedAt: T, data: '{"type":"broadcast-one","targetId":"client-new-1","message":"hi"}' },
      );
      const command = await h.waitFor((c) => c.frame?.type === 'direct' || c.frame?.type === 'error');
      expect(command.frame).toMatchObject({ type: 'direct', from: sender });
    });

    test('a target disconnected earlier in the same batch is unknown', async () => {
      const h = await setup();
      const sender = idOnPresencePartition(h.config.KAFKA_IN_PARTITIONS);
      await h.connect('client-gone-1', 'g2');
      await h.send(
        { kind: 'disconnect', clientId: 'client-gone-1', gateway: 'g2', at: T + 1 },
        { kind: 'frame', clientId: sender, gateway: 'g1', receivedAt: T + 2, data: '{"type":"broadcast-one","targetId":"client-gone-1","message":"hi"}' },
      );
      const command = await h.waitFor((c) => c.frame?.type === 'direct' || c.frame?.type === 'error');
      expect(command.frame).toMatchObject({ type: 'error', code: 'unknown-target' });
    });
  });

  describe('presence that scales', () => {
    const connectAs = (h: Harness, clientId: string, presence: 'full' | 'delta' | 'none', at = T) =>
      h.send({ kind: 'connect', clientId, gateway: 'g1', at, presence });
    const lists = (h: Harness) => h.commands().filter(isFrame('client-list'));

    test('a delta newcomer gets its own list; deltas go to full and delta sockets; a none newcomer gets no list', async () => {
      const h = await setup();
      await h.connect('client-full-1', 'g1', T);
      await connectAs(h, 'client-delta-1', 'delta', T + 2000);
      await h.waitFor(connectedNotice('client-delta-1'));
      const own = lists(h).find((c) => c.target?.type === 'clients');
      expect(own).toMatchObject({ target: { type: 'clients', ids: ['client-delta-1'] }, frame: { type: 'client-list', clients: ['client-full-1', 'client-delta-1'] } });
      expect(h.commands().find(connectedNotice('client-delta-1'))!.target).toEqual({ type: 'all', presence: 'delta' });
      await connectAs(h, 'client-none-1', 'none', T + 2001);
      await h.waitFor(connectedNotice('client-none-1'));
      expect(lists(h).filter((c) => c.target?.type === 'clients' && c.target.ids.includes('client-none-1'))).toHaveLength(0);
    });

    test('announcements are coalesced: a second connect within PRESENCE_LIST_INTERVAL_MS gets its own list at once, its notice and the full list go out with the next record after the interval', async () => {
      const h = await setup({ PRESENCE_LIST_INTERVAL_MS: '1000' });
      await h.connect('a', 'g1', T);
      await h.send({ kind: 'connect', clientId: 'b', gateway: 'g1', at: T + 10 });
      await h.waitFor((c) => c.target?.type === 'clients' && c.target.ids[0] === 'b');
      const toEveryone = () => lists(h).filter((c) => c.target?.type === 'all');
      expect(toEveryone().map((c) => c.frame)).toEqual([{ type: 'client-list', clients: ['a'] }]);
      expect(lists(h).at(-1)).toMatchObject({ target: { type: 'clients', ids: ['b'] }, frame: { type: 'client-list', clients: ['a', 'b'] } });
      expect(h.commands().filter(isFrame('client-connected')).map((c) => c.frame)).toEqual([{ type: 'client-connected', clientId: 'a' }]);
      await h.send({ kind: 'tick', at: T + 1010 });
      await h.waitFor(connectedNotice('b'));
      expect(toEveryone()[1]).toMatchObject({ target: { type: 'all', presence: 'full' }, frame: { type: 'client-list', clients: ['a', 'b'] } });
      // The list, then the notice: the original order.
      const types = h.commands().map((c) => c.frame?.type);
      expect(types.lastIndexOf('client-list')).toBeLessThan(types.lastIndexOf('client-connected'));
    });

    test('a burst past PRESENCE_NOTICE_MAX in one interval: no notice per change, one list to full and delta sockets instead', async () => {
      const h = await setup({ PRESENCE_LIST_INTERVAL_MS: '1000', PRESENCE_NOTICE_MAX: '3', PRESENCE_FULL_LIST_MAX: '4', PRESENCE_PARTIAL_LIST_MAX: '2' });
      await h.connect('c0', 'g1', T);
      await h.send(...Array.from({ length: 10 }, (_, i): WsInRecord => ({ kind: 'connect', clientId: `c${i + 1}`, gateway: 'g1', at: T + 1 + i })));
      await h.waitFor((c) => c.target?.type === 'clients' && c.target.ids[0] === 'c10');
      expect(h.commands().filter(isFrame('client-connected'))).toHaveLength(1);
      await h.send({ kind: 'tick', at: T + 1020 });
      const summary = await h.waitFor((c) => c.frame?.type === 'client-list' && c.target?.type === 'all' && (c.frame as { total?: number }).total === 11);
      // Past PRESENCE_FULL_LIST_MAX it names the oldest PRESENCE_PARTIAL_LIST_MAX.
      expect(summary).toMatchObject({ target: { type: 'all', presence: 'delta' }, frame: { clients: ['c0', 'c1'], truncated: true } });
      // Each socket got one notice and two lists for 11 connects; every newcomer its own list.
      expect(h.commands().filter(isFrame('client-connected'))).toHaveLength(1);
      expect(lists(h).filter((c) => c.target?.type === 'all')).toHaveLength(2);
      expect(lists(h).filter((c) => c.target?.type === 'clients')).toHaveLength(10);
    });

    test('a client that comes and goes within one interval: its connect and its disconnect go out together, in that order', async () => {
      const h = await setup({ PRESENCE_LIST_INTERVAL_MS: '1000' });
      await h.connect('a', 'g1', T);
      await h.send({ kind: 'connect', clientId: 'blink', gateway: 'g1', at: T + 5 }, { kind: 'disconnect', clientId: 'blink', gateway: 'g1', at: T + 6 });
      await h.connect('c', 'g1', T + 2000);
      const about = h.commands().filter((c) => c.frame && 'clientId' in c.frame && c.frame.clientId === 'blink');
      expect(about.map((c) => c.frame?.type)).toEqual(['client-connected', 'client-disconnected']);
    });

    test('beyond PRESENCE_FULL_LIST_MAX no full list goes out; a newcomer gets the oldest PRESENCE_PARTIAL_LIST_MAX ids with total and truncated', async () => {
      const h = await setup({ PRESENCE_FULL_LIST_MAX: '3', PRESENCE_PARTIAL_LIST_MAX: '2', PRESENCE_LIST_INTERVAL_MS: '1' });
      for (let i = 1; i <= 5; i += 1) await h.connect(`c${i}`, 'g1', T + i * 10);
      const toEveryone = lists(h).filter((c) => c.target?.type === 'all').map((c) => (c.frame as { clients: string[] }).clients.length);
      expect(Math.max(...toEveryone)).toBeLessThanOrEqual(3);
      expect(lists(h).at(-1)).toMatchObject({
        target: { type: 'clients', ids: ['c5'] },
        frame: { type: 'client-list', clients: ['c1', 'c2'], total: 5, truncated: true },
      });
      // Changes still reach everyone, one small frame each.
      expect(h.commands().filter(isFrame('client-connected'))).toHaveLength(5);
    });

    test('a gateway silent for GATEWAY_TIMEOUT_MS is expired by the tick that reaches the timeout, not later', async () => {
      const h = await setup({ GATEWAY_TIMEOUT_MS: '5000' });
      await h.send({ kind: 'gateway-heartbeat', gateway: 'g-dead', at: T });
      await h.connect('client-dead-1', 'g-dead', T);
      await h.send(...ticksBetween(T, T + 4000));
      await h.send({ kind: 'tick', at: T + 4001 });
      expect(h.commands().filter((c) => c.kind === 'gateway-expired')).toHaveLength(0);
      await h.send({ kind: 'tick', at: T + 5000 });
      await h.waitFor((c) => c.kind === 'gateway-expired');
      await h.waitFor(disconnectedNotice('client-dead-1'));
    });

    test('after a stall in the log (an outage, a frozen owner) gateways are judged from its end, not from before it', async () => {
      const h = await setup({ GATEWAY_TIMEOUT_MS: '5000' });
      await h.send({ kind: 'gateway-heartbeat', gateway: 'g1', at: T });
      await h.connect('client-g1-1', 'g1', T);
      // Nothing for 20 s, then the cluster is back: g1 gets a full timeout to heartbeat again.
      await h.send({ kind: 'tick', at: T + 20_000 });
      await h.send(...ticksBetween(T + 20_000, T + 23_000));
      await h.connect('marker-1', 'g2', T + 23_500);
      expect(h.commands().filter((c) => c.kind === 'gateway-expired')).toHaveLength(0);
      // Still silent a full timeout after the stall (less the tick expiry runs on): now it is dead.
      await h.send(...ticksBetween(T + 23_000, T + 25_000));
      await h.waitFor((c) => c.kind === 'gateway-expired' && c.gateway === 'g1');
    });
  });

  describe('frames that came too late, refs, poison', () => {
    test('a frame appended after its deadline is dropped: its sender was told bus-unavailable', async () => {
      const h = await setup();
      await h.connect('client-g1-1');
      await h.send(
        { kind: 'frame', clientId: 'client-g1-1', gateway: 'g1', receivedAt: T, deadline: Date.now() - 1, data: '{"type":"broadcast","message":"late"}' },
        { kind: 'frame', clientId: 'client-g1-1', gateway: 'g1', receivedAt: T, deadline: Date.now() + 60_000, data: '{"type":"broadcast","message":"on time"}' },
      );
      await h.waitFor(isFrame('kafka', { message: 'on time' }));
      expect(h.commands().filter(isFrame('kafka', { message: 'late' }))).toHaveLength(0);
    });

    test("every error a frame causes echoes its ref; a bad ref is itself the error", async () => {
      const h = await setup();
      await h.connect('client-g1-1');
      await h.frame('client-g1-1', { type: 'dance', ref: 'r1' });
      await h.frame('client-g1-1', { type: 'broadcast-one', targetId: 'client-nobody-1', message: 'x', ref: 'r2' });
      await h.frame('client-g1-1', { type: 'broadcast', ref: 'r3' });
      await h.frame('client-g1-1', { type: 'broadcast', message: 'x', ref: 'r'.repeat(65) });
      await h.out.until(() => h.commands().filter(isFrame('error')).length === 4);
      expect(h.commands().filter(isFrame('error')).map((c) => c.frame)).toEqual([
        { type: 'error', code: 'unknown-command', message: 'Unknown command', ref: 'r1' },
        { type: 'error', code: 'unknown-target', message: 'Client client-nobody-1 not found', field: 'targetId', ref: 'r2' },
        { type: 'error', code: 'invalid-field', field: 'message', message: 'Invalid field "message": required, expected a string', ref: 'r3' },
        { type: 'error', code: 'invalid-field', field: 'ref', message: 'Invalid field "ref": expected a string of at most 64 characters' },
      ]);
    });

    test('a record that fails permanently on every attempt is dead-lettered after WORKER_MAX_ATTEMPTS; the rest of its batch goes through', async () => {
      const h = await setup({ WORKER_MAX_ATTEMPTS: '3' });
      await h.connect('client-g1-1');
      h.bus.refuse(h.config.topics.out, 'poison', new CmfError('record-too-large', 'too large for the broker'));
      await h.send(
        { kind: 'frame', clientId: 'client-g1-1', gateway: 'g1', receivedAt: T, data: '{"type":"broadcast","message":"before"}' },
        { kind: 'frame', clientId: 'client-g1-1', gateway: 'g1', receivedAt: T, data: '{"type":"broadcast","message":"poison"}' },
        { kind: 'frame', clientId: 'client-g1-1', gateway: 'g1', receivedAt: T, data: '{"type":"broadcast","message":"after"}' },
      );
      await h.waitFor(isFrame('kafka', { message: 'after' }));
      await h.dead.count(1);
      const letter = JSON.parse(h.dead.received[0]!.value!);
      expect(letter).toMatchObject({ code: 'record-too-large', error: 'too large for the broker', source: { topic: h.config.topics.in, key: 'client-g1-1' } });
      expect(JSON.parse(letter.value)).toMatchObject({ data: '{"type":"broadcast","message":"poison"}' });
      expect(h.bus.refusals).toBeGreaterThanOrEqual(3);
      expect(h.commands().filter(isFrame('kafka', { message: 'before' }))).toHaveLength(1);
    });
  });
});
