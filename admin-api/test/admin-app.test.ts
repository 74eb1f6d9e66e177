import request from 'supertest';
import type { Express } from 'express';
import {
  AdminRecordSchema,
  clientPresenceKey,
  createLogger,
  decodeRecord,
  encodeRecord,
  HealthSchema,
  loadConfig,
  MemoryBus,
  PresenceView,
  topicSpecs,
  type ClientPresence,
  type Config,
} from '@cmf/shared';
import { createAdminApp, openApiDocument, routes } from '@cmf/admin-api';
import { Collector } from '../../test/support/collector.js';

const logger = createLogger('silent');
const TOKEN = 's3cret-token';

interface Harness {
  app: Express;
  bus: MemoryBus;
  config: Config;
  view: PresenceView;
  /** What reaches ws-in, where admin commands go. */
  wsIn: Collector;
  addClient(clientId: string, gateway?: string, connectedAt?: number): Promise<void>;
  removeClient(clientId: string): Promise<void>;
}

const open: Harness[] = [];

async function setup(env: Record<string, string> = {}): Promise<Harness> {
  const config = loadConfig({ LOG_LEVEL: 'silent', MAX_PAYLOAD_BYTES: '1024', ...env });
  const bus = new MemoryBus();
  await bus.ensureTopics(topicSpecs(config));
  const wsIn = new Collector();
  await bus.subscribe({ topic: config.topics.in, onBatch: wsIn.onBatch });
  const view = await PresenceView.start(bus, config.topics.presence, logger);
  const h: Harness = {
    app: createAdminApp({ bus, config, logger, view }),
    bus,
    config,
    view,
    wsIn,
    addClient: async (clientId, gateway = 'g1', connectedAt = Date.UTC(2024, 0, 2, 3, 4, 5, 678)) => {
      const value: ClientPresence = { kind: 'client', clientId, gateway, connectedAt };
      await bus.publish(config.topics.presence, [{ key: clientPresenceKey(clientId), value: encodeRecord(value) }]);
    },
    removeClient: async (clientId) => {
      await bus.publish(config.topics.presence, [{ key: clientPresenceKey(clientId), value: null }]);
    },
  };
  open.push(h);
  return h;
}

afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.view.close();
    await h.bus.close();
  }
});

const adminRecords = (h: Harness) => h.wsIn.received.map((r) => ({ key: r.key, record: decodeRecord(AdminRecordSchema, r.value!) }));

const expectProblem = (body: unknown, code: string): void => {
  expect(body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
};

/** An Express path as a request path: parameters filled with `id`. */
const concrete = (path: string, id: string): string => path.replace(/:\w+|\{\w+\}/g, encodeURIComponent(id));

const call = (app: Express, method: string, path: string): request.Test => {
  switch (method) {
    case 'get':
      return request(app).get(path);
    case 'post':
      return request(app).post(path);
    case 'put':
      return request(app).put(path);
    case 'patch':
      return request(app).patch(path);
    case 'delete':
      return request(app).delete(path);
    default:
      throw new Error(`no such method in this test: ${method}`);
  }
};

describe('admin API', () => {
  describe('GET /health', () => {
    test('status, ISO timestamp, client count and kafka "not-configured" on the memory bus', async () => {
      const h = await setup();
      await h.addClient('client-g1-1');
      await h.addClient('client-g1-2');
      await h.view.sync();
      const before = Date.now();
      const res = await request(h.app).get('/health').expect(200).expect('content-type', /json/);
      expect(res.body).toEqual({ status: 'healthy', timestamp: expect.any(String), clients: 2, kafka: 'not-configured', component: 'admin-api' });
      expect(HealthSchema.parse(res.body)).toEqual(res.body);
      const stamp = Date.parse(res.body.timestamp);
      expect(new Date(stamp).toISOString()).toBe(res.body.timestamp);
      expect(stamp).toBeGreaterThanOrEqual(before - 1);
      expect(stamp).toBeLessThanOrEqual(Date.now() + 1);
    });

    test('with brokers configured it reports the bus state: connected, then disconnected and degraded', async () => {
      const h = await setup({ KAFKA_BROKERS: 'kafka-0:9092' });
      expect((await request(h.app).get('/health').expect(200)).body).toMatchObject({ status: 'healthy', kafka: 'connected' });
      await h.bus.close();
      expect((await request(h.app).get('/health').expect(200)).body).toMatchObject({ status: 'degraded', kafka: 'disconnected' });
    });
  });

  describe('GET /ready', () => {
    test('200 while the bus answers, 503 once it does not', async () => {
      const h = await setup();
      expect((await request(h.app).get('/ready').expect(200)).body).toEqual({ ready: true });
      await h.bus.close();
      expect((await request(h.app).get('/ready').expect(503)).body).toEqual({ ready: false });
    });
  });

  describe('GET /clients', () => {
    test('lists no one on an empty cluster', async () => {
      const h = await setup();
      expect((await request(h.app).get('/clients').expect(200)).body).toEqual({ count: 0, clients: [] });
    });

    test('lists the clients written to the presence topic just before, oldest first, with ISO times', async () => {
      const h = await setup();
      await h.addClient('client-a-1', 'a', Date.UTC(2024, 5, 1, 12, 0, 0));
      await h.addClient('client-b-1', 'b', Date.UTC(2024, 5, 1, 12, 0, 1));
      await h.addClient('client-gone-1', 'a', Date.UTC(2024, 5, 1, 12, 0, 2));
      await h.removeClient('client-gone-1');
      const res = await request(h.app).get('/clients').expect(200);
      expect(res.body).toEqual({
        count: 2,
        clients: [
          { id: 'client-a-1', gateway: 'a', connectedAt: '2024-06-01T12:00:00.000Z' },
          { id: 'client-b-1', gateway: 'b', connectedAt: '2024-06-01T12:00:01.000Z' },
        ],
      });
    });
  });

  describe('POST /clients/kick-all', () => {
    test('202 and one admin kick-all record on ws-in', async () => {
      const h = await setup();
      await h.addClient('client-g1-1');
      const res = await request(h.app).post('/clients/kick-all').expect(202);
      expect(res.body).toEqual({ status: 'accepted', requestId: expect.any(String), clients: 1 });
      await h.wsIn.count(1);
      const [sent] = adminRecords(h);
      expect(sent).toEqual({
        key: 'admin',
        record: { kind: 'admin', requestId: res.body.requestId, at: expect.any(Number), command: { type: 'kick-all' } },
      });
    });

    test('each request gets its own request id', async () => {
      const h = await setup();
      const a = await request(h.app).post('/clients/kick-all').expect(202);
      const b = await request(h.app).post('/clients/kick-all').expect(202);
      expect(a.body.requestId).not.toBe(b.body.requestId);
    });
  });

  describe('POST /clients/:id/kick', () => {
    test('404 JSON error for a client that is not connected, and nothing sent', async () => {
      const h = await setup();
      const res = await request(h.app).post('/clients/client-nobody-1/kick').expect(404).expect('content-type', /json/);
      expectProblem(res.body, 'not-found');
      expect(res.body.error.message).toContain('client-nobody-1');
      await h.addClient('marker');
      await request(h.app).post('/clients/marker/kick').expect(202);
      await h.wsIn.count(1);
      expect(adminRecords(h).map((r) => r.record.command)).toEqual([{ type: 'kick-one', targetId: 'marker' }]);
    });

    test('202 and an admin kick-one record for a known client, even one that connected just now', async () => {
      const h = await setup();
      await h.addClient('client-g2-5', 'g2');
      const res = await request(h.app).post('/clients/client-g2-5/kick').expect(202);
      expect(res.body).toEqual({ status: 'accepted', requestId: expect.any(String), clientId: 'client-g2-5' });
      await h.wsIn.count(1);
      expect(adminRecords(h)[0]).toMatchObject({
        key: 'admin',
        record: { requestId: res.body.requestId, command: { type: 'kick-one', targetId: 'client-g2-5' } },
      });
    });

    test('404 for a client that has disconnected', async () => {
      const h = await setup();
      await h.addClient('client-g1-1');
      await h.removeClient('client-g1-1');
      await h.view.sync();
      await request(h.app).post('/clients/client-g1-1/kick').expect(404);
    });
  });

  describe('POST /broadcast', () => {
    test('202 and an admin broadcast record carrying the message', async () => {
      const h = await setup();
      const res = await request(h.app).post('/broadcast').send({ message: 'hello, all', ignored: true }).expect(202);
      expect(res.body).toEqual({ status: 'accepted', requestId: expect.any(String) });
      await h.wsIn.count(1);
      expect(adminRecords(h)[0]).toMatchObject({
        key: 'admin',
        record: { requestId: res.body.requestId, command: { type: 'broadcast', message: 'hello, all' } },
      });
    });

    test('an empty message is accepted', async () => {
      const h = await setup();
      await request(h.app).post('/broadcast').send({ message: '' }).expect(202);
    });

    test('malformed JSON → 400 invalid-json, nothing sent', async () => {
      const h = await setup();
      const res = await request(h.app).post('/broadcast').set('content-type', 'application/json').send('{"message": ').expect(400);
      expectProblem(res.body, 'invalid-json');
      expect(h.wsIn.received).toHaveLength(0);
    });

    test.each([
      ['missing', {}],
      ['a number', { message: 42 }],
      ['null', { message: null }],
      ['an object', { message: { text: 'hi' } }],
    ])('a message that is %s → 400 naming field "message"', async (_name, body) => {
      const h = await setup();
      const res = await request(h.app).post('/broadcast').send(body).expect(400);
      expect(res.body).toEqual({ error: { code: 'invalid-field', field: 'message', message: expect.stringContaining('"message"') } });
      expect(h.wsIn.received).toHaveLength(0);
    });

    test('a body over MAX_PAYLOAD_BYTES → 413', async () => {
      const h = await setup();
      const res = await request(h.app).post('/broadcast').send({ message: 'x'.repeat(2000) }).expect(413);
      expectProblem(res.body, 'too-large');
    });

    test('503 bus-unavailable when the command cannot be published', async () => {
      const h = await setup();
      await h.bus.close();
      const res = await request(h.app).post('/broadcast').send({ message: 'lost' }).expect(503);
      expectProblem(res.body, 'bus-unavailable');
    });
  });

  test.each([
    ['get', '/nope'],
    ['post', '/clients'],
    ['get', '/broadcast'],
    ['get', '/clients/kick-all'],
  ])('%s %s → 404 JSON error', async (method, path) => {
    const h = await setup();
    const res = await call(h.app, method, path).expect(404).expect('content-type', /json/);
    expectProblem(res.body, 'not-found');
  });

  describe('with ADMIN_TOKEN set', () => {
    const protectedRoutes = [...routes.filter((r) => !r.public).map((r) => ({ method: r.method, path: r.path })), { method: 'get', path: '/openapi.json' }];

    test('/health, /ready and /metrics are public', async () => {
      const h = await setup({ ADMIN_TOKEN: TOKEN });
      expect(routes.filter((r) => r.public).map((r) => r.path).sort()).toEqual(['/health', '/metrics', '/ready']);
      await request(h.app).get('/health').expect(200);
      await request(h.app).get('/ready').expect(200);
      await request(h.app).get('/metrics').expect(200);
    });

    test.each(protectedRoutes.map((r) => [r.method, r.path]))('%s %s → 401 without a token', async (method, path) => {
      const h = await setup({ ADMIN_TOKEN: TOKEN });
      await h.addClient('client-g1-1');
      const res = await call(h.app, method, concrete(path, 'client-g1-1')).expect(401).expect('www-authenticate', 'Bearer');
      expectProblem(res.body, 'unauthorized');
      expect(h.wsIn.received).toHaveLength(0);
    });

    test.each(protectedRoutes.map((r) => [r.method, r.path]))('%s %s → 401 with a wrong token', async (method, path) => {
      const h = await setup({ ADMIN_TOKEN: TOKEN });
      await h.addClient('client-g1-1');
      for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Bearer ${TOKEN.toUpperCase()}`, TOKEN, `Basic ${TOKEN}`, 'Bearer ']) {
        await call(h.app, method, concrete(path, 'client-g1-1')).set('authorization', authorization).expect(401);
      }
      expect(h.wsIn.received).toHaveLength(0);
    });

    test.each(protectedRoutes.map((r) => [r.method, r.path]))('%s %s works with the right bearer token', async (method, path) => {
      const h = await setup({ ADMIN_TOKEN: TOKEN });
      await h.addClient('client-g1-1');
      const req = call(h.app, method, concrete(path, 'client-g1-1')).set('authorization', `Bearer ${TOKEN}`);
      const res = await (path === '/broadcast' ? req.send({ message: 'authorised' }) : req);
      expect(res.status).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(300);
    });

    test('an unauthenticated request is refused before its body is looked at', async () => {
      const h = await setup({ ADMIN_TOKEN: TOKEN });
      await request(h.app).post('/broadcast').set('content-type', 'application/json').send('{"message": ').expect(401);
      await request(h.app).post('/broadcast').send({ message: 'x'.repeat(2000) }).expect(401);
    });
  });

  describe('GET /openapi.json', () => {
    test('is an OpenAPI 3.1 document, the same one openApiDocument() builds', async () => {
      const h = await setup();
      const res = await request(h.app).get('/openapi.json').expect(200);
      expect(res.body.openapi).toBe('3.1.0');
      expect(res.body).toEqual(openApiDocument());
    });

    test('every route appears under its OpenAPI path and method', async () => {
      const h = await setup();
      const { paths } = (await request(h.app).get('/openapi.json').expect(200)).body as {
        paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { name: string }[] }>>;
      };
      for (const route of routes) {
        const openApiPath = route.path.replace(/:(\w+)/g, '{$1}');
        const operation = paths[openApiPath]?.[route.method];
        expect({ route: `${route.method} ${route.path}`, documented: operation !== undefined }).toEqual({
          route: `${route.method} ${route.path}`,
          documented: true,
        });
        const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
        expect((operation!.parameters ?? []).map((p) => p.name)).toEqual(params);
        expect(Object.keys(operation!.responses).length).toBeGreaterThan(0);
      }
      const documented = Object.values(paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
      expect(documented).toBe(routes.length);
    });

    test('every documented path and method answers something other than 404', async () => {
      const h = await setup();
      await h.addClient('client-g1-1');
      const { paths } = (await request(h.app).get('/openapi.json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
      const answers: string[] = [];
      for (const [path, operations] of Object.entries(paths)) {
        for (const method of Object.keys(operations)) {
          const req = call(h.app, method, concrete(path, 'client-g1-1'));
          const res = await (method === 'post' ? req.send({ message: 'from the document' }) : req);
          answers.push(`${method} ${path} → ${res.status}`);
          expect(`${method} ${path} → ${res.status}`).not.toMatch(/→ 404$/);
        }
      }
      expect(answers).toHaveLength(routes.length);
    });

    test('documents 401 on the protected routes only', () => {
      const { paths } = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
      for (const route of routes) {
        const op = paths[route.path.replace(/:(\w+)/g, '{$1}')]![route.method]!;
        expect({ route: route.path, has401: '401' in op.responses }).toEqual({ route: route.path, has401: !route.public });
      }
    });
  });
});
