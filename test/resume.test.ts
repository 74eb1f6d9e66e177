import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { eventually } from './support/eventually.js';
import { MemoryCluster, type MemoryGateway } from './support/memory-cluster.js';
import { TestClient, type Frame } from './support/test-client.js';

/**
 * Resume on the memory bus: two gateways and a worker in this process. The same scenarios run on
 * Kafka, gateways as processes, in resume.int.test.ts.
 */

let cluster: MemoryCluster;
const open: TestClient[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await cluster?.stop();
});

async function connect(url: string): Promise<TestClient> {
  const c = await TestClient.connect(url);
  open.push(c);
  return c;
}

async function resume(url: string, token: string, last?: string, params: Record<string, string> = {}): Promise<TestClient> {
  const c = await TestClient.resume(url, token, last, params);
  open.push(c);
  return c;
}

/** Waits until every client's latest list holds all of them: their connects are settled everywhere. */
async function settled(...clients: TestClient[]): Promise<void> {
  const ids = clients.map((c) => c.id);
  await Promise.all(clients.map((c) => c.until(() => ids.every((id) => c.lastClientList()?.includes(id)))));
}

/** Two gateways and a worker; a client on the first (`away`) and one on the second (`sender`), both settled. */
async function twoGateways(env: Record<string, string> = {}) {
  cluster = await MemoryCluster.start(2, env);
  const [g1, g2] = cluster.gateways as [MemoryGateway, MemoryGateway];
  const away = await connect(g1.url);
  const sender = await connect(g2.url);
  await settled(away, sender);
  return { g1, g2, away, sender };
}

/** Its network dies; resolves once the client saw its socket end. */
async function drop(client: TestClient): Promise<void> {
  client.drop();
  await client.closed;
}

/** The kafka and direct frames of one test run, as `b:<n>` / `d:<n>`, in arrival order. */
const messagesOf = (frames: Frame[], run: string): string[] =>
  frames
    .filter((f) => (f.type === 'kafka' || f.type === 'direct') && String(f.message).startsWith(run))
    .map((f) => `${f.type === 'kafka' ? 'b' : 'd'}:${String(f.message).slice(run.length + 1)}`);

describe('resume on the memory bus', () => {
  test('a client dropped mid-stream resumes on the other gateway: exactly the frames it missed, in order, then live; nobody else notices', async () => {
    cluster = await MemoryCluster.start(2);
    const [g1, g2] = cluster.gateways as [MemoryGateway, MemoryGateway];
    const away = await connect(g1.url);
    const sender = await connect(g2.url);
    const watcher = await connect(g1.url);
    await settled(away, sender, watcher);
    const token = away.welcome().resumeToken as string;
    expect(typeof token).toBe('string');
    const run = randomUUID().slice(0, 8);
    const expected: string[] = [];
    const send = (i: number): void => {
      sender.send({ type: 'broadcast', message: `${run}:${i}` });
      sender.send({ type: 'broadcast-one', targetId: away.id, message: `${run}:${i}` });
      expected.push(`b:${i}`, `d:${i}`);
    };
    for (let i = 0; i < 40; i += 1) send(i);
    await away.until((f) => messagesOf(f, run).length >= 30);
    const noticesBefore = [sender, watcher].map((o) => o.frames.filter((f) => f.clientId === away.id).length);
    await drop(away);
    const before = messagesOf(away.frames, run);
    const last = away.lastId()!;
    for (let i = 40; i < 100; i += 1) send(i);
    await watcher.until((f) => messagesOf(f, run).filter((m) => m.startsWith('b')).length === 100);

    const back = await resume(g2.url, token, last);
    expect(back.frames[0]).toMatchObject({ type: 'welcome', clientId: away.id, resumed: true, complete: true, resumeToken: expect.any(String) });
    expect(back.welcome().resumeToken).not.toBe(token);
    for (let i = 100; i < 120; i += 1) send(i);
    await back.until((f) => messagesOf(f, run).length === expected.length - before.length);
    const after = messagesOf(back.frames, run);
    expect([...before, ...after]).toEqual(expected);
    // Ids go up from the old connection to the new one, without a repeat.
    const ids = [...away.frames, ...back.frames].filter((f) => f.type === 'kafka' || f.type === 'direct').map((f) => Number(f.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    // Nobody saw it leave or come back.
    expect([sender, watcher].map((o) => o.frames.filter((f) => f.clientId === away.id).length)).toEqual(noticesBefore);
    expect([sender, watcher].flatMap((o) => o.of('client-disconnected'))).toEqual([]);
  });

  test('without `last`, the replay starts after the last frame the client is known to have had (its last answered ping)', async () => {
    const { g2, away, sender } = await twoGateways({ PING_INTERVAL_MS: '100' });
    sender.send({ type: 'broadcast', message: 'before' });
    await away.next('kafka', (f) => f.message === 'before');
    // Two ping rounds: one sent after 'before' was written has been answered.
    await new Promise((r) => setTimeout(r, 250));
    await drop(away);
    sender.send({ type: 'broadcast', message: 'while away' });
    await sender.next('kafka', (f) => f.message === 'while away');
    // The old gateway has seen the end: its disconnect record carries that position.
    await new Promise((r) => setTimeout(r, 50));
    const back = await resume(g2.url, away.welcome().resumeToken as string);
    expect(back.frames[0]).toMatchObject({ resumed: true, complete: true });
    await back.next('kafka', (f) => f.message === 'while away');
    sender.send({ type: 'broadcast', message: 'live' });
    await back.next('kafka', (f) => f.message === 'live');
    expect(back.of('kafka').map((f) => f.message)).toEqual(['while away', 'live']);
  });

  test('taking over a connection that is still open: the old one is closed with 4001 and gets nothing more', async () => {
    cluster = await MemoryCluster.start(2);
    const [g1, g2] = cluster.gateways as [MemoryGateway, MemoryGateway];
    const old = await connect(g1.url);
    const sender = await connect(g2.url);
    await settled(old, sender);
    const taker = await resume(g2.url, old.welcome().resumeToken as string, old.lastId());
    expect(taker.frames[0]).toMatchObject({ type: 'welcome', clientId: old.id, resumed: true });
    expect(await old.closed).toEqual({ code: 4001, reason: 'Resumed elsewhere' });
    sender.send({ type: 'broadcast-one', targetId: old.id, message: 'to the new one' });
    await taker.next('direct', (f) => f.message === 'to the new one');
    expect(old.of('direct')).toHaveLength(0);
    expect(sender.of('client-disconnected')).toHaveLength(0);
  });

  test("with JWT on, a resume token serves only its own user: another user's valid JWT gets resume-refused and takes nothing over", async () => {
    const secret = 'a-jwt-secret-for-this-test-of-32-chars!';
    const jwt = (sub: string): Promise<string> =>
      new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(secret));
    cluster = await MemoryCluster.start(2, { JWT_SECRET: secret });
    const [g1, g2] = cluster.gateways as [MemoryGateway, MemoryGateway];
    const alice = await connect(`${g1.url}/?token=${await jwt('alice')}`);
    const bob = await connect(`${g2.url}/?token=${await jwt('bob')}`);
    await settled(alice, bob);
    await drop(alice);
    const token = alice.welcome().resumeToken as string;

    const mallory = await resume(g2.url, token, alice.lastId(), { token: await jwt('mallory') });
    expect(mallory.frames[0]).toMatchObject({ type: 'error', code: 'resume-refused' });
    expect(mallory.frames[1]).toMatchObject({ type: 'welcome' });
    expect(mallory.id).not.toBe(alice.id);
    bob.send({ type: 'broadcast-one', targetId: alice.id, message: 'for alice only' });

    const back = await resume(g1.url, token, alice.lastId(), { token: await jwt('alice') });
    expect(back.frames[0]).toMatchObject({ type: 'welcome', clientId: alice.id, resumed: true });
    await back.next('direct', (f) => f.message === 'for alice only');
    expect(mallory.of('direct')).toHaveLength(0);
  });

  test('forged, foreign and tampered tokens are refused with resume-refused, then a fresh welcome; nothing is taken over', async () => {
    cluster = await MemoryCluster.start(2);
    const [g1, g2] = cluster.gateways as [MemoryGateway, MemoryGateway];
    const victim = await connect(g1.url);
    const other = await connect(g2.url);
    await settled(victim, other);
    const otherToken = other.welcome().resumeToken as string;
    const [, , issued, signature] = otherToken.split('.');
    // A token of another cluster (another secret), for a client that cluster really has.
    const elsewhere = await MemoryCluster.start(1, { RESUME_SECRET: 'another-clusters-secret-of-32-chars!!' });
    const stranger = await TestClient.connect(elsewhere.gateways[0]!.url);
    const foreign = stranger.welcome().resumeToken as string;
    await stranger.close();
    await elsewhere.stop();
    const tokens = {
      garbage: 'not-a-token',
      foreign,
      // The other client's signature with the victim's id: a token of another client.
      tampered: `r1.${victim.id}.${issued}.${signature}`,
      forged: `r1.${victim.id}.${issued}.${'A'.repeat(43)}`,
    };
    for (const [name, token] of Object.entries(tokens)) {
      const intruder = await resume(g2.url, token);
      expect({ name, first: intruder.frames[0] }).toMatchObject({ name, first: { type: 'error', code: 'resume-refused' } });
      expect(intruder.frames[1]).toMatchObject({ type: 'welcome', resumeToken: expect.any(String) });
      expect(intruder.frames[1]!.resumed).toBeUndefined();
      expect(intruder.id).not.toBe(victim.id);
      expect(JSON.stringify(intruder.frames[0])).not.toContain(token);
    }
    other.send({ type: 'broadcast-one', targetId: victim.id, message: 'still yours' });
    await victim.next('direct', (f) => f.message === 'still yours');
    expect(victim.ws.readyState).toBe(victim.ws.OPEN);
  });

  test('a gap partly gone from the bus: complete is false, and what is still kept is replayed', async () => {
    // A replay window of about 40 records of this size.
    const { g2, away, sender } = await twoGateways({ MEMORY_BUS_REPLAY_BYTES: '40000' });
    await drop(away);
    const last = away.lastId();
    const filler = 'x'.repeat(800);
    for (let i = 0; i < 200; i += 1) sender.send({ type: 'broadcast', message: `${i}:${filler}` });
    await sender.until((f) => f.filter((x) => x.type === 'kafka').length === 200);
    const back = await resume(g2.url, away.welcome().resumeToken as string, last);
    expect(back.frames[0]).toMatchObject({ type: 'welcome', resumed: true, complete: false });
    await back.until((f) => f.some((x) => x.type === 'kafka' && String(x.message).startsWith('199:')));
    const got = back.of('kafka').map((f) => Number(String(f.message).split(':')[0]));
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(200);
    // The newest ones, in order, without a hole.
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => 200 - got.length + i));
  });

  test('replay skips a command a worker produced twice, whichever side of the drop the first copy was', async () => {
    const { g2, away, sender } = await twoGateways();
    const deliver = (id: string, message: string) =>
      cluster.command({ kind: 'deliver', id, target: { type: 'all' }, replayable: true, frame: JSON.stringify({ type: 'kafka', from: 'server', message, timestamp: 1 }) });
    await deliver('dup-before', 'first copy before the drop');
    await away.next('kafka', (f) => f.message === 'first copy before the drop');
    const last = away.lastId();
    await drop(away);
    await deliver('dup-before', 'first copy before the drop');
    await deliver('dup-after', 'twice while away');
    await deliver('dup-after', 'twice while away');
    await deliver('end', 'end of the gap');
    await sender.next('kafka', (f) => f.message === 'end of the gap');
    const back = await resume(g2.url, away.welcome().resumeToken as string, last);
    await back.next('kafka', (f) => f.message === 'end of the gap');
    expect(back.of('kafka').map((f) => f.message)).toEqual(['twice while away', 'end of the gap']);
  });

  test('a kick while away is part of the gap: replayed up to the kicked frame, then closed with 4000 and announced gone', async () => {
    const { g1, g2, away, sender } = await twoGateways();
    await drop(away);
    // Its gateway has noticed: a kick now finds no socket (one still open would take the kick).
    await eventually(() => g1.gateway.clientCount === 0);
    sender.send({ type: 'broadcast', message: 'before the kick' });
    sender.send({ type: 'kick-one', targetId: away.id });
    sender.send({ type: 'broadcast', message: 'after the kick' });
    await sender.next('kafka', (f) => f.message === 'after the kick');
    const back = await resume(g2.url, away.welcome().resumeToken as string, away.lastId());
    expect((await back.closed).code).toBe(4000);
    expect(back.frames.map((f) => f.type)).toEqual(['welcome', 'kafka', 'kicked']);
    await sender.next('client-disconnected', (f) => f.clientId === away.id);
    const again = await resume(g1.url, away.welcome().resumeToken as string);
    expect(again.frames[0]).toMatchObject({ type: 'error', code: 'resume-refused' });
  });

  test('not back within RESUME_GRACE_MS: client-disconnected exactly once; coming back later within the window is announced as a connect', async () => {
    cluster = await MemoryCluster.start(2, { RESUME_GRACE_MS: '1500' });
    const [g1, g2] = cluster.gateways as [MemoryGateway, MemoryGateway];
    const away = await connect(g1.url);
    const watcher = await connect(g2.url);
    await settled(away, watcher);
    const droppedAt = Date.now();
    await drop(away);
    const departed = await watcher.next('client-disconnected', (f) => f.clientId === away.id, 10_000);
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(1500);
    watcher.send({ type: 'broadcast', message: 'marker' });
    await watcher.next('kafka', (f) => f.message === 'marker');
    expect(watcher.of('client-disconnected').filter((f) => f.clientId === away.id)).toHaveLength(1);
    const back = await resume(g2.url, away.welcome().resumeToken as string, away.lastId());
    expect(back.frames[0]).toMatchObject({ resumed: true, complete: true, clientId: away.id });
    // Its gap holds its own departure and the marker.
    await back.next('kafka', (f) => f.message === 'marker');
    expect(back.of('client-disconnected').map((f) => f.clientId)).toEqual([away.id]);
    // Announced as a connect: once, after its departure.
    await watcher.until(() => watcher.frames.some((f) => f.type === 'client-connected' && f.clientId === away.id && Number(f.id) > Number(departed.id)));
    expect(watcher.frames.filter((f) => f.type === 'client-connected' && f.clientId === away.id && Number(f.id) > Number(departed.id))).toHaveLength(1);
  });
});
