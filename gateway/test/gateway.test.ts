import { randomBytes } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import WebSocket from 'ws';
import { encodeCommand } from '@cmf/shared';
import { TestClient } from '../../test/support/test-client.js';
import { closeAll, setup, track } from './support/gateway-harness.js';

const frameOf = (frame: object): string => JSON.stringify(frame);

/** A client-to-server WebSocket frame (masked, as RFC 6455 requires), for a client that ignores the protocol. */
function maskedFrame(opcode: number, payload: Buffer): Buffer {
  if (payload.length > 125) throw new Error('short frames only');
  const mask = randomBytes(4);
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]);
}

/**
 * A raw WebSocket client that keeps sending after the server began closing: what a client does
 * whose frames were on the wire (or in a frozen gateway's socket buffer) when the close began.
 * Resolves with the socket once upgraded and with everything the server sent so far.
 */
async function rawClient(url: string): Promise<{ socket: Socket; received: () => Buffer; until(check: (b: Buffer) => boolean): Promise<void> }> {
  const { hostname, port } = new URL(url);
  const socket = connectTcp(Number(port), hostname);
  let received = Buffer.alloc(0);
  const waiting: (() => void)[] = [];
  socket.on('data', (chunk) => {
    received = Buffer.concat([received, chunk]);
    waiting.splice(0).forEach((w) => w());
  });
  const until = async (check: (b: Buffer) => boolean): Promise<void> => {
    while (!check(received)) await new Promise<void>((resolve) => waiting.push(resolve));
  };
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `GET / HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await until((b) => b.includes('"type":"welcome"'));
  return { socket, received: () => received, until };
}

afterEach(closeAll);

describe('gateway', () => {
  test('welcome is the first frame; ids are unique and carry the client- prefix; connects are relayed', async () => {
    const h = await setup();
    const [a, b] = await Promise.all([TestClient.connect(h.url), TestClient.connect(h.url)]);
    track(a!, b!);
    expect(a!.frames[0]).toEqual({ type: 'welcome', clientId: a!.id, resumeToken: expect.stringMatching(/^r1\.client-/) });
    expect(a!.id).toMatch(/^client-[a-z0-9]+-\d+$/);
    expect(a!.id).not.toBe(b!.id);
    await h.wsIn.until(() => h.inRecords().filter((r) => r.kind === 'connect').length === 2);
    expect(h.inRecords().filter((r) => r.kind === 'connect').map((r) => (r as { clientId: string }).clientId).sort()).toEqual(
      [a!.id, b!.id].sort(),
    );
  });

  test('text frames are relayed as received, without being parsed', async () => {
    const h = await setup();
    const a = await TestClient.connect(h.url);
    track(a);
    a.send('not json at all');
    a.send('{"type":"broadcast","message":"é ✓"}');
    await h.wsIn.until(() => h.frames().length === 2);
    expect(h.frames()).toEqual(['not json at all', '{"type":"broadcast","message":"é ✓"}']);
    expect(h.inRecords().find((r) => r.kind === 'frame')).not.toHaveProperty('auth');
  });

  test('a binary frame closes that socket with 1003 and is not relayed; invalid UTF-8 in a text frame closes with 1007', async () => {
    const h = await setup();
    const [binary, invalid, other] = await Promise.all([TestClient.connect(h.url), TestClient.connect(h.url), TestClient.connect(h.url)]);
    track(other!);
    binary!.ws.send(Buffer.from('{"type":"broadcast","message":"bin"}'), { binary: true });
    // ws sends these bytes as a text frame unchecked: 0xc3 0x28 is not UTF-8.
    invalid!.ws.send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { binary: false });
    expect(await binary!.closed).toEqual({ code: 1003, reason: 'Binary frames are not accepted: send JSON text' });
    expect((await invalid!.closed).code).toBe(1007);
    other!.send('still fine');
    await h.wsIn.until(() => h.frames().includes('still fine'));
    expect(h.frames()).toEqual(['still fine']);
    const closes = await h.metrics();
    expect(closes).toContain('cmf_gateway_closes_total{code="1003"} 1');
    expect(closes).toContain('cmf_gateway_closes_total{code="1007"} 1');
    // The disconnect records carry the code too.
    await h.wsIn.until(() => h.inRecords().filter((r) => r.kind === 'disconnect').length === 2);
    const codes = h.inRecords().flatMap((r) => (r.kind === 'disconnect' ? [[r.clientId, r.code]] : []));
    expect(new Map(codes as [string, number][])).toEqual(new Map([[binary!.id, 1003], [invalid!.id, 1007]]));
  });

  test('ws-out commands reach their targets; a command id seen before is dropped', async () => {
    const h = await setup();
    const [a, b] = await Promise.all([TestClient.connect(h.url), TestClient.connect(h.url)]);
    track(a!, b!);
    const hello = { type: 'kafka', from: 'x', message: 'hello', timestamp: 1, id: 'm1' };
    await h.command({ kind: 'deliver', id: 'm1', target: { type: 'all' }, frame: frameOf(hello) });
    await h.command({ kind: 'deliver', id: 'm1', target: { type: 'all' }, frame: frameOf(hello) });
    const only = { type: 'direct', from: 'x', message: 'just b', timestamp: 2, id: 'm2' };
    await h.command({ kind: 'deliver', id: 'm2', target: { type: 'clients', ids: [b!.id] }, frame: frameOf(only) });
    await h.command({ kind: 'deliver', id: 'm3', target: { type: 'all' }, frame: frameOf({ ...hello, message: 'end', id: 'm3' }) });
    await Promise.all([a!, b!].map((c) => c.next('kafka', (f) => f.message === 'end')));
    expect(a!.of('kafka').map((f) => f.message)).toEqual(['hello', 'end']);
    expect(b!.of('kafka').map((f) => f.message)).toEqual(['hello', 'end']);
    expect(a!.of('direct')).toHaveLength(0);
    expect(b!.of('direct')).toEqual([only]);
  });

  test('a kick writes the kicked frame, closes with 4000, sends nothing after it, and announces the disconnect once', async () => {
    const h = await setup();
    const [a, b] = await Promise.all([TestClient.connect(h.url), TestClient.connect(h.url)]);
    track(a!, b!);
    const kicked = { type: 'kicked', message: 'All clients disconnected.' };
    await h.bus.publish(h.config.topics.out, [
      { key: 'k', value: encodeCommand({ kind: 'kick', id: 'k1', target: { type: 'all', except: [a!.id] }, frame: frameOf(kicked) }) },
      {
        key: 'k',
        value: encodeCommand({ kind: 'deliver', id: 'd1', target: { type: 'all' }, frame: frameOf({ type: 'kafka', from: 'x', message: 'after', timestamp: 1, id: 'd1' }) }),
      },
    ]);
    expect((await b!.closed).code).toBe(4000);
    // The first record of ws-out: its id, the position after it, is 1.
    expect(b!.frames.slice(1)).toEqual([{ ...kicked, id: '1' }]);
    await a!.next('kafka', (f) => f.message === 'after');
    await h.wsIn.until(() => h.inRecords().some((r) => r.kind === 'disconnect'));
    expect(h.inRecords().filter((r) => r.kind === 'disconnect' && r.clientId === b!.id)).toHaveLength(1);
  });

  test('a socket that stops answering pings is terminated; the others stay', async () => {
    const h = await setup({ PING_INTERVAL_MS: '100' });
    const alive = await TestClient.connect(h.url);
    track(alive);
    const silent = new WebSocket(h.url, { autoPong: false });
    const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    await new Promise((resolve) => silent.once('message', resolve));
    expect(await closed).toBe(1006);
    await h.wsIn.until(() => h.inRecords().some((r) => r.kind === 'disconnect'));
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    expect(h.gateway.clientCount).toBe(1);
  });

  test('a gateway-expired command closes the sockets opened by its lastSeen with 1012, and their disconnects are published', async () => {
    const h = await setup();
    const old = await TestClient.connect(h.url);
    track(old);
    await h.command({ kind: 'gateway-expired', id: 'x1', gateway: 'someone-else' });
    // The cluster dropped the gateway after `lastSeen`; a client taken in since (after a freeze) stays.
    const lastSeen = Date.now();
    while (Date.now() === lastSeen) await new Promise((resolve) => setImmediate(resolve));
    const since = await TestClient.connect(h.url);
    track(since);
    await h.command({ kind: 'gateway-expired', id: 'x2', gateway: h.gateway.id, lastSeen });
    expect((await old.closed).code).toBe(1012);
    // The presence owner ignores the disconnect of a client it dropped; a client it did not drop is not left listed.
    await h.wsIn.until(() => h.inRecords().some((r) => r.kind === 'disconnect'));
    expect(h.inRecords().filter((r) => r.kind === 'disconnect').map((r) => (r as { clientId: string }).clientId)).toEqual([old.id]);
    since.send('still here');
    await h.wsIn.until(() => h.inRecords().some((r) => r.kind === 'frame' && r.data === 'still here'));
    expect(since.ws.readyState).toBe(WebSocket.OPEN);
    // Without lastSeen (an older worker), every socket goes.
    await h.command({ kind: 'gateway-expired', id: 'x3', gateway: h.gateway.id });
    expect((await since.closed).code).toBe(1012);
  });

  test('nothing a client sends after the gateway began closing its socket is relayed: it may already be announced gone', async () => {
    const h = await setup();
    const late = await rawClient(h.url);
    const other = await TestClient.connect(h.url);
    track(other);
    const lateId = /"clientId":"([^"]+)"/.exec(late.received().toString())![1]!;
    await h.command({ kind: 'kick', id: 'k1', target: { type: 'clients', ids: [lateId] }, frame: frameOf({ type: 'kicked', message: 'You have been kicked out.' }) });
    // The server's close frame (opcode 8) has arrived; this client sends a frame anyway, then its close.
    await late.until((b) => b.includes(Buffer.from([0x88])));
    late.socket.write(Buffer.concat([maskedFrame(0x1, Buffer.from('sent after the close began')), maskedFrame(0x8, Buffer.from([0x03, 0xf4]))]));
    await new Promise((resolve) => late.socket.once('close', resolve));
    // The other client's frame, sent afterwards, is relayed: by then the late one would have been.
    other.send('after it');
    await h.wsIn.until(() => h.inRecords().some((r) => r.kind === 'frame' && r.data === 'after it'));
    expect(h.inRecords().flatMap((r) => (r.kind === 'frame' ? [r.data] : []))).toEqual(['after it']);
  });

  test('close(): sockets get 1001, each disconnect is announced, then gateway-down; new upgrades get 503', async () => {
    const h = await setup();
    const clients = await Promise.all([TestClient.connect(h.url), TestClient.connect(h.url)]);
    const closing = h.gateway.close();
    for (const c of clients) expect((await c.closed).code).toBe(1001);
    await closing;
    const kinds = h.inRecords().map((r) => r.kind);
    expect(kinds.filter((k) => k === 'disconnect')).toHaveLength(2);
    expect(kinds.at(-1)).toBe('gateway-down');
    const refused = new WebSocket(h.url);
    const status = await new Promise<number | undefined>((resolve) => {
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      refused.once('error', () => resolve(undefined));
    });
    expect(status).toBe(503);
    expect(await (await fetch(h.url.replace('ws:', 'http:') + '/ready')).json()).toEqual({ ready: false });
  });

  test('an oversized frame closes that socket with 1009 and nobody else', async () => {
    const h = await setup({ MAX_PAYLOAD_BYTES: '1024' });
    const [big, other] = await Promise.all([TestClient.connect(h.url), TestClient.connect(h.url)]);
    track(other!);
    big!.send('x'.repeat(1025));
    expect((await big!.closed).code).toBe(1009);
    other!.send('still fine');
    await h.wsIn.until(() => h.inRecords().some((r) => r.kind === 'frame' && r.data === 'still fine'));
    expect(h.inRecords().some((r) => r.kind === 'frame' && r.data.length > 1024)).toBe(false);
    expect(await h.metrics()).toContain('cmf_gateway_closes_total{code="1009"} 1');
  });

  test('/health reports its clients and the bus; /ready is 200 while running', async () => {
    const h = await setup();
    const a = await TestClient.connect(h.url);
    track(a);
    const base = h.url.replace('ws:', 'http:');
    const health = (await (await fetch(`${base}/health`)).json()) as Record<string, unknown>;
    expect(health).toEqual({ status: 'healthy', timestamp: expect.any(String), clients: 1, kafka: 'not-configured', component: 'gateway', gateway: h.gateway.id });
    expect(new Date(health.timestamp as string).toISOString()).toBe(health.timestamp);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
