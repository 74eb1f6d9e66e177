import request from 'supertest';
import type { Express } from 'express';
import { AdminRecordSchema, decodeRecord, HealthSchema } from '@cmf/shared';
import { routes } from '@cmf/admin-api';
import { closeAll, expectProblem, setup, type Harness } from './support/admin-harness.js';

const TOKEN = 's3cret-token';

afterEach(closeAll);

const adminRecords = (h: Harness) => h.wsIn.received.map((r) => ({ key: r.key, record: decodeRecord(AdminRecordSchema, r.value!) }));

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
      await h.addClient('client-b-1', 'b', Date.UTC(2024, 5, 1, 12, 0, 1));
      await h.addClient('client-a-1', 'a', Date.UTC(2024, 5, 1, 12, 0, 0));
      await h.addClient('client-gone-1', 'a', Date.UTC(2024, 5, 1, 12, 0, 2));
      await h.removeClient('client-gone-1');
      const res = await request(h.app).get('/clients').expect(200);
      expect(res.body).toEqual({
        count: 2,
        clients: [
          { id: 'client-a-1', gateway: 'a', connectedAt: '2024-06-01T12:00:00.000Z', status: 'connected' },
          { id: 'client-b-1', gateway: 'b', connectedAt: '2024-06-01T12:00:01.000Z', status: 'connected' },
        ],
      });
    });

    test('pages: `limit` per page, `nextCursor` to go on, `count` of all; clients leaving between pages shift nothing', async () => {
      const h = await setup();
      for (let i = 0; i < 25; i += 1) await h.addClient(`client-p-${String(i).padStart(2, '0')}`, 'g1', Date.UTC(2024, 0, 1) + i);
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const res = await request(h.app).get(`/clients?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`).expect(200);
        expect(res.body.count).toBe(pages.length === 0 ? 25 : 24);
        pages.push(res.body.clients.map((c: { id: string }) => c.id));
        cursor = res.body.nextCursor;
        // A client of the first page leaves while the caller reads the next ones.
        if (pages.length === 1) await h.removeClient('client-p-03');
      } while (cursor);
      expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
      expect(pages.flat()).toEqual(Array.from({ length: 25 }, (_, i) => `client-p-${String(i).padStart(2, '0')}`));
      expect((await request(h.app).get('/clients?limit=0').expect(400)).body).toMatchObject({ error: { code: 'invalid-query', field: 'limit' } });
    });

    test('a client whose connection dropped and whose id is kept for a resume is listed as away', async () => {
      const h = await setup();
      await h.addClient('client-a-1', 'a', Date.UTC(2024, 5, 1, 12, 0, 0), { since: Date.UTC(2024, 5, 1, 12, 5, 0) });
      await h.addClient('client-b-1', 'b', Date.UTC(2024, 5, 1, 12, 0, 1));
      const res = await request(h.app).get('/clients').expect(200);
      expect(res.body.count).toBe(2);
      expect(res.body.clients.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
        ['client-a-1', 'away'],
        ['client-b-1', 'connected'],
      ]);
    });
  });

  describe('POST /clients/kick-all', () => {
    test('202 and one admin kick-all record on ws-in', async () => {
      const h = await setup();
      await h.addClient('client-g1-1');
      const res = await request(h.app).post('/clients/kick-all').send({}).expect(202);
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
      const a = await request(h.app).post('/clients/kick-all').send({}).expect(202);
      const b = await request(h.app).post('/clients/kick-all').send({}).expect(202);
      expect(a.body.requestId).not.toBe(b.body.requestId);
    });
  });

  describe('POST /clients/:id/kick', () => {
    test('404 JSON error for a client that is not connected, and nothing sent', async () => {
      const h = await setup();
      const res = await request(h.app).post('/clients/client-nobody-1/kick').send({}).expect(404).expect('content-type', /json/);
      expectProblem(res.body, 'not-found');
      expect(res.body.error.message).toContain('client-nobody-1');
      await h.addClient('marker');
      await request(h.app).post('/clients/marker/kick').send({}).expect(202);
      await h.wsIn.count(1);
      expect(adminRecords(h).map((r) => r.record.command)).toEqual([{ type: 'kick-one', targetId: 'marker' }]);
    });

    test('202 and an admin kick-one record for a known client, even one that connected just now', async () => {
      const h = await setup();
      await h.addClient('client-g2-5', 'g2');
      const res = await request(h.app).post('/clients/client-g2-5/kick').send({}).expect(202);
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
      await request(h.app).post('/clients/client-g1-1/kick').send({}).expect(404);
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
    ['post', '/nope'],
    ['get', '/clients/nobody'],
  ])('%s %s → 404 JSON error', async (method, path) => {
    const h = await setup();
    const res = await call(h.app, method, path).expect(404).expect('content-type', /json/);
    expectProblem(res.body, 'not-found');
  });

  test.each([
    ['post', '/clients', 'GET, HEAD, OPTIONS'],
    ['delete', '/clients', 'GET, HEAD, OPTIONS'],
    ['get', '/broadcast', 'POST, OPTIONS'],
    ['put', '/broadcast', 'POST, OPTIONS'],
    ['get', '/clients/kick-all', 'POST, OPTIONS'],
    ['patch', '/health', 'GET, HEAD, OPTIONS'],
  ])('%s %s → 405 with Allow: %s', async (method, path, allow) => {
    const h = await setup();
    const res = await call(h.app, method, path).expect(405).expect('allow', allow).expect('content-type', /json/);
    expectProblem(res.body, 'method-not-allowed');
    expect(h.wsIn.received).toHaveLength(0);
  });

  test('the cross-site "simple" request a page elsewhere could send (text/plain, empty body, foreign Origin) → 415, nothing sent', async () => {
    const h = await setup();
    await h.addClient('client-g1-1');
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await request(h.app).post('/clients/kick-all').set('origin', 'https://evil.example').set('content-type', type).send('').expect(415);
      expectProblem(res.body, 'unsupported-media-type');
      expect(res.body.error.message).toContain('Content-Type: application/json');
    }
    await request(h.app).post('/clients/kick-all').expect(415);
    expect(h.wsIn.received).toHaveLength(0);
  });

  test('a command without parameters takes {} or an empty JSON body; anything but an object is 400', async () => {
    const h = await setup();
    await request(h.app).post('/clients/kick-all').send({}).expect(202);
    await request(h.app).post('/clients/kick-all').set('content-type', 'application/json').send('').expect(202);
    await request(h.app).post('/clients/kick-all').set('content-type', 'application/json; charset=utf-8').send('{"extra":1}').expect(202);
    for (const body of ['[]', '"x"', '1', 'null']) {
      await request(h.app).post('/clients/kick-all').set('content-type', 'application/json').send(body).expect(400);
    }
    await h.wsIn.count(3);
    expect(h.wsIn.received).toHaveLength(3);
  });

  test('OPTIONS on a known path: 204 with Allow; HEAD on a GET route answers its headers', async () => {
    const h = await setup();
    await request(h.app).options('/broadcast').expect(204).expect('allow', 'POST, OPTIONS');
    await request(h.app).head('/health').expect(200).expect('content-type', /json/);
  });

  describe('with ADMIN_TOKEN set', () => {
    const adminRoutes = [...routes.filter((r) => r.access === 'admin'), { method: 'get', path: '/openapi.json' }].map((r) => [r.method, r.path]);

    /** A request to the route with a valid body where it takes one. */
    const valid = (app: Express, method: string, path: string): request.Test => {
      const req = call(app, method, concrete(path, 'client-g1-1'));
      return method === 'post' ? req.send(path === '/broadcast' ? { message: 'authorised' } : {}) : req;
    };

    test('/health, /ready and /metrics are public', async () => {
      const h = await setup({ ADMIN_TOKEN: TOKEN });
      expect(routes.filter((r) => r.access === 'public').map((r) => r.path).sort()).toEqual(['/health', '/metrics', '/ready']);
      await request(h.app).get('/health').expect(200);
      await request(h.app).get('/ready').expect(200);
      await request(h.app).get('/metrics').expect(200);
    });

    test.each(adminRoutes)('%s %s → 401 without a token', async (method, path) => {
      const h = await setup({ ADMIN_TOKEN: TOKEN });
      await h.addClient('client-g1-1');
      const res = await valid(h.app, method!, path!).expect(401).expect('www-authenticate', 'Bearer');
      expectProblem(res.body, 'unauthorized');
      expect(h.wsIn.received).toHaveLength(0);
    });

    test.each(adminRoutes)('%s %s → 401 with a wrong token', async (method, path) => {
      const h = await setup({ ADMIN_TOKEN: TOKEN });
      await h.addClient('client-g1-1');
      for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Bearer ${TOKEN.toUpperCase()}`, TOKEN, `Basic ${TOKEN}`, 'Bearer ', `Bearer${TOKEN}`]) {
        await valid(h.app, method!, path!).set('authorization', authorization).expect(401);
      }
      expect(h.wsIn.received).toHaveLength(0);
    });

    test.each(adminRoutes)('%s %s works with the right bearer token, the scheme in any case', async (method, path) => {
      const h = await setup({ ADMIN_TOKEN: TOKEN });
      await h.addClient('client-g1-1');
      for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
        const res = await valid(h.app, method!, path!).set('authorization', `${scheme} ${TOKEN}`);
        expect({ scheme, status: res.status }).toEqual({ scheme, status: method === 'post' ? 202 : 200 });
      }
    });

    test('an unauthenticated request is refused before its body is looked at', async () => {
      const h = await setup({ ADMIN_TOKEN: TOKEN });
      await request(h.app).post('/broadcast').set('content-type', 'application/json').send('{"message": ').expect(401);
      await request(h.app).post('/broadcast').send({ message: 'x'.repeat(2000) }).expect(401);
      await request(h.app).post('/broadcast').set('content-type', 'text/plain').send('hi').expect(401);
    });
  });

  describe('GET /openapi.json', () => {
    type Paths = Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { name: string }[]; security?: unknown[] }>>;

    test('is an OpenAPI 3.1 document of every route, /openapi.json included, and nothing else', async () => {
      const h = await setup();
      const res = await request(h.app).get('/openapi.json').expect(200);
      expect(res.body.openapi).toBe('3.1.0');
      const paths = res.body.paths as Paths;
      const documented = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
      const served = [...routes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`), 'get /openapi.json'];
      expect(documented.sort()).toEqual(served.sort());
      for (const route of routes) {
        const operation = paths[route.path.replace(/:(\w+)/g, '{$1}')]![route.method]!;
        const query = route.method === 'get' && route.query ? Object.keys(route.query.shape) : [];
        expect((operation.parameters ?? []).map((p) => p.name)).toEqual([...[...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]), ...query]);
      }
    });

    test('declares bearer security only when a token is configured, and then not on the public routes', async () => {
      const open = await setup();
      const withoutToken = (await request(open.app).get('/openapi.json').expect(200)).body;
      expect(withoutToken.security).toBeUndefined();
      expect(withoutToken.components?.securitySchemes).toBeUndefined();
      expect(JSON.stringify(withoutToken)).not.toMatch(/bearer/i);

      const guarded = await setup({ ADMIN_TOKEN: TOKEN });
      const withToken = (await request(guarded.app).get('/openapi.json').set('authorization', `Bearer ${TOKEN}`).expect(200)).body;
      expect(withToken.security).toEqual([{ bearer: [] }]);
      expect(withToken.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
      const paths = withToken.paths as Paths;
      for (const route of routes) {
        const op = paths[route.path.replace(/:(\w+)/g, '{$1}')]![route.method]!;
        expect({ route: route.path, public: op.security?.length === 0, has401: '401' in op.responses }).toEqual({
          route: route.path,
          public: route.access === 'public',
          has401: route.access === 'admin',
        });
      }
    });

    test("/ready's 503 and /health's 200 are the shared probe schemas", async () => {
      const h = await setup();
      const { paths } = (await request(h.app).get('/openapi.json').expect(200)).body as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: unknown }> }> }>> };
      const schemaOf = (path: string, status: number) => paths[path]!.get!.responses[status]!.content['application/json']!.schema;
      expect(schemaOf('/ready', 503)).toEqual(schemaOf('/ready', 200));
      expect(schemaOf('/ready', 503)).toEqual({ type: 'object', properties: { ready: { type: 'boolean' } }, required: ['ready'], additionalProperties: false });
      expect(schemaOf('/health', 200)).toMatchObject({ required: ['status', 'timestamp', 'clients', 'kafka', 'component'] });
    });
  });
});
