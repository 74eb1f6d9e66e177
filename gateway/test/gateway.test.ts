import type { Server } from 'node:http';
import WebSocket from 'ws';
import { createGateway, createGatewayServer, type Gateway } from '@cmf/gateway';
import {
  createLogger,
  decodeRecord,
  encodeRecord,
  listen,
  loadConfig,
  MemoryBus,
  Metrics,
  topicSpecs,
  WsInRecordSchema,
  type Config,
  type WsInRecord,
  type WsOutRecord,
} from '@cmf/shared';
import { Collector } from '../../test/support/collector.js';
import { TestClient } from '../../test/support/test-client.js';

/** A gateway alone on the memory bus: the test plays the worker, reading ws-in and writing ws-out. */
interface Harness {
  bus: MemoryBus;
  config: Config;
  gateway: Gateway;
  server: Server;
  url: string;
  wsIn: Collector;
  inRecords(): WsInRecord[];
  command(command: WsOutRecord): Promise<void>;
}

const open: { close(): Promise<unknown> }[] = [];

async function setup(env: Record<string, string> = {}): Promise<Harness> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env });
  const bus = new MemoryBus();
  await bus.ensureTopics(topicSpecs(config));
  const wsIn = new Collector();
  await bus.subscribe({ topic: config.topics.in, fromBeginning: true, onBatch: wsIn.onBatch });
  const metrics = new Metrics();
  const gateway = await createGateway({ bus, config, logger: createLogger('silent'), metrics });
  const server = createGatewayServer(gateway, metrics);
  const port = await listen(server, 0, '127.0.0.1');
  open.push({
    close: async () => {
      await gateway.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await bus.close();
    },
  });
  return {
    bus,
    config,
    gateway,
    server,
    url: `ws://127.0.0.1:${port}`,
    wsIn,
    inRecords: () => wsIn.received.map((r) => decodeRecord(WsInRecordSchema, r.value ?? '')),
    command: async (command) => {
      await bus.publish(config.topics.out, [{ key: 'k', value: encodeRecord(command) }]);
    },
  };
}

const frameOf = (frame: object): string => JSON.stringify(frame);

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

describe('gateway', () => {
  test('welcome is the first frame; ids are unique and carry the client- prefix; connects are relayed', async () => {
    const h = await setup();
    const [a, b] = await Promise.all([TestClient.connect(h.url), TestClient.connect(h.url)]);
    open.push(a!, b!);
    expect(a!.frames[0]).toEqual({ type: 'welcome', clientId: a!.id, resumeToken: expect.stringMatching(/^r1\.client-/) });
    expect(a!.id).toMatch(/^client-[a-z0-9]+-\d+$/);
    expect(a!.id).not.toBe(b!.id);
    await h.wsIn.until(() => h.inRecords().filter((r) => r.kind === 'connect').length === 2);
    expect(h.inRecords().filter((r) => r.kind === 'connect').map((r) => (r as { clientId: string }).clientId).sort()).toEqual(
      [a!.id, b!.id].sort(),
    );
  });

  test('frames are relayed as received, text or binary, without being parsed', async () => {
    const h = await setup();
    const a = await TestClient.connect(h.url);
    open.push(a);
    a.send('not json at all');
    a.ws.send(Buffer.from('{"type":"broadcast","message":"bin"}'), { binary: true });
    await h.wsIn.until(() => h.inRecords().filter((r) => r.kind === 'frame').length === 2);
    const data = h.inRecords().flatMap((r) => (r.kind === 'frame' ? [r.data] : []));
    expect(data).toEqual(['not json at all', '{"type":"broadcast","message":"bin"}']);
  });

  test('ws-out commands reach their targets; a command id seen before is dropped', async () => {
    const h = await setup();
    const [a, b] = await Promise.all([TestClient.connect(h.url), TestClient.connect(h.url)]);
    open.push(a!, b!);
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
    open.push(a!, b!);
    const kicked = { type: 'kicked', message: 'All clients disconnected.' };
    await h.bus.publish(h.config.topics.out, [
      { key: 'k', value: encodeRecord({ kind: 'kick', id: 'k1', target: { type: 'all', except: [a!.id] }, frame: frameOf(kicked) }) },
      {
        key: 'k',
        value: encodeRecord({ kind: 'deliver', id: 'd1', target: { type: 'all' }, frame: frameOf({ type: 'kafka', from: 'x', message: 'after', timestamp: 1, id: 'd1' }) }),
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
    open.push(alive);
    const silent = new WebSocket(h.url, { autoPong: false });
    const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    await new Promise((resolve) => silent.once('message', resolve));
    expect(await closed).toBe(1006);
    await h.wsIn.until(() => h.inRecords().some((r) => r.kind === 'disconnect'));
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    expect(h.gateway.clientCount).toBe(1);
  });

  test('a gateway-expired command for this gateway closes its sockets with 1012 without announcing them again', async () => {
    const h = await setup();
    const a = await TestClient.connect(h.url);
    open.push(a);
    await h.command({ kind: 'gateway-expired', id: 'x1', gateway: 'someone-else' });
    await h.command({ kind: 'gateway-expired', id: 'x2', gateway: h.gateway.id });
    expect((await a.closed).code).toBe(1012);
    await h.command({ kind: 'deliver', id: 'x3', target: { type: 'all' }, frame: '{}' });
    expect(h.inRecords().filter((r) => r.kind === 'disconnect')).toHaveLength(0);
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
    open.push(other!);
    big!.send('x'.repeat(1025));
    expect((await big!.closed).code).toBe(1009);
    other!.send('still fine');
    await h.wsIn.until(() => h.inRecords().some((r) => r.kind === 'frame' && r.data === 'still fine'));
    expect(h.inRecords().some((r) => r.kind === 'frame' && r.data.length > 1024)).toBe(false);
  });

  test('/health reports its clients and the bus; /ready is 200 while running', async () => {
    const h = await setup();
    const a = await TestClient.connect(h.url);
    open.push(a);
    const base = h.url.replace('ws:', 'http:');
    const health = (await (await fetch(`${base}/health`)).json()) as Record<string, unknown>;
    expect(health).toEqual({ status: 'healthy', timestamp: expect.any(String), clients: 1, kafka: 'not-configured', component: 'gateway', gateway: h.gateway.id });
    expect(new Date(health.timestamp as string).toISOString()).toBe(health.timestamp);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
