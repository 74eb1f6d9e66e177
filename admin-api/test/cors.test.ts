import request from 'supertest';
import { createLogger, loadConfig, MemoryBus, PresenceView, topicSpecs } from '@cmf/shared';
import { createAdminApp } from '@cmf/admin-api';

const logger = createLogger('silent');
const SIMULATOR = 'http://simulator.cmf.localhost';
const views: PresenceView[] = [];

async function app(env: Record<string, string>) {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
  const bus = new MemoryBus();
  await bus.ensureTopics(topicSpecs(config));
  const view = await PresenceView.start(bus, config.topics.presence, logger);
  views.push(view);
  return createAdminApp({ bus, config, logger, view });
}

afterAll(async () => {
  await Promise.all(views.map((v) => v.close()));
});

const corsHeaders = (headers: Record<string, string>): string[] => Object.keys(headers).filter((h) => h.startsWith('access-control-'));

test('without ADMIN_CORS_ORIGINS the API sends no CORS header at all, not even to a preflight', async () => {
  const api = await app({});
  const get = await request(api).get('/clients').set('Origin', SIMULATOR);
  expect(get.status).toBe(200);
  expect(corsHeaders(get.headers)).toEqual([]);
  const preflight = await request(api).options('/clients/kick-all').set('Origin', SIMULATOR).set('Access-Control-Request-Method', 'POST');
  expect(corsHeaders(preflight.headers)).toEqual([]);
});

test('a configured origin gets its preflight answered (methods, Authorization and Content-Type) and its responses readable', async () => {
  const api = await app({ ADMIN_CORS_ORIGINS: `${SIMULATOR}, https://ops.example.com`, ADMIN_TOKEN: 'tok' });
  const preflight = await request(api)
    .options('/clients/kick-all')
    .set('Origin', SIMULATOR)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'authorization, content-type');
  expect(preflight.status).toBe(204);
  expect(preflight.headers).toMatchObject({
    'access-control-allow-origin': SIMULATOR,
    'access-control-allow-methods': 'GET, POST',
    'access-control-allow-headers': 'Authorization, Content-Type',
    'access-control-max-age': '600',
    vary: 'Origin',
  });
  expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
  for (const path of ['/health', '/clients', '/broadcast', '/clients/client-x-1/kick']) {
    const answer = await request(api).options(path).set('Origin', 'https://ops.example.com').set('Access-Control-Request-Method', 'POST');
    expect([path, answer.status, answer.headers['access-control-allow-origin']]).toEqual([path, 204, 'https://ops.example.com']);
  }
  // The actual request: the token check still applies, and even its 401 is readable by the page.
  const denied = await request(api).get('/clients').set('Origin', SIMULATOR);
  expect(denied.status).toBe(401);
  expect(denied.headers['access-control-allow-origin']).toBe(SIMULATOR);
  const allowed = await request(api).get('/clients').set('Origin', SIMULATOR).set('Authorization', 'Bearer tok');
  expect(allowed.status).toBe(200);
  expect(allowed.headers['access-control-allow-origin']).toBe(SIMULATOR);
});

test('any other origin gets no CORS header, only Vary, so the browser refuses it', async () => {
  const api = await app({ ADMIN_CORS_ORIGINS: SIMULATOR });
  for (const origin of ['https://evil.example.com', `${SIMULATOR}:8080`, 'https://simulator.cmf.localhost', 'null']) {
    const preflight = await request(api).options('/clients/kick-all').set('Origin', origin).set('Access-Control-Request-Method', 'POST');
    expect([origin, corsHeaders(preflight.headers)]).toEqual([origin, []]);
    const get = await request(api).get('/health').set('Origin', origin);
    expect([origin, corsHeaders(get.headers), get.headers.vary]).toEqual([origin, [], 'Origin']);
  }
  // Same-origin and non-browser callers send no Origin: unchanged.
  const curl = await request(api).get('/health');
  expect(curl.status).toBe(200);
  expect(corsHeaders(curl.headers)).toEqual([]);
});

test('ADMIN_CORS_ORIGINS accepts exact origins only, and says which value is wrong', () => {
  expect(loadConfig({ ADMIN_CORS_ORIGINS: ' http://a.example:8080 ,https://b.example ' }).ADMIN_CORS_ORIGINS).toEqual(['http://a.example:8080', 'https://b.example']);
  expect(loadConfig({}).ADMIN_CORS_ORIGINS).toBeUndefined();
  for (const bad of ['*', 'https://b.example/', 'https://b.example/path', 'HTTPS://B.EXAMPLE', 'b.example', 'ftp://b.example']) {
    expect(() => loadConfig({ ADMIN_CORS_ORIGINS: `https://ok.example,${bad}` })).toThrow(/ADMIN_CORS_ORIGINS=.*an exact origin/);
  }
});
