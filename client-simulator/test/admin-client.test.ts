import { createAdminClient, readClients, readHealth, toAdminBaseUrl } from '../page/admin-client.js';
import { defaultAdminUrl, STANDALONE_ADMIN_URL } from '../page/server-url.js';

interface Call {
  url: string;
  init: RequestInit;
}

/** A fetch that records calls and answers with the given status and body (or throws, as a refused CORS call does). */
function fakeFetch(status: number, body: unknown): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fake = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    if (status === 0) throw new TypeError('Failed to fetch');
    return new Response(body === undefined ? 'not json' : JSON.stringify(body), { status, statusText: status === 401 ? 'Unauthorized' : '' });
  }) as unknown as typeof fetch;
  return { fetch: fake, calls };
}

const health = { status: 'healthy', timestamp: '2026-01-01T00:00:00.000Z', clients: 2, kafka: 'connected', component: 'admin-api' };

test('every POST sends Content-Type: application/json and a JSON body; the token goes as a bearer header', async () => {
  const { fetch, calls } = fakeFetch(202, { status: 'accepted', requestId: 'r' });
  const api = createAdminClient({ baseUrl: 'http://admin:8089', token: 'tok', fetch });
  expect(await api.kickAll()).toEqual({ ok: true, status: 202, data: { status: 'accepted', requestId: 'r' } });
  await api.kick('client-a/1');
  await api.broadcast('Maintenance <b>soon</b>');
  expect(calls.map((c) => [c.init.method, c.url, c.init.body])).toEqual([
    ['POST', 'http://admin:8089/clients/kick-all', '{}'],
    ['POST', 'http://admin:8089/clients/client-a%2F1/kick', '{}'],
    ['POST', 'http://admin:8089/broadcast', '{"message":"Maintenance <b>soon</b>"}'],
  ]);
  for (const { init } of calls) {
    expect(init.headers).toEqual({ accept: 'application/json', authorization: 'Bearer tok', 'content-type': 'application/json' });
    expect(init.credentials).toBe('omit');
  }
});

test('GETs carry no body and no token when none is set; answers are checked before use', async () => {
  const ok = fakeFetch(200, health);
  expect(await createAdminClient({ baseUrl: 'http://a', fetch: ok.fetch }).health()).toEqual({ ok: true, status: 200, data: health });
  expect(ok.calls[0]!.init).toMatchObject({ method: 'GET', headers: { accept: 'application/json' } });
  expect(ok.calls[0]!.init.body).toBeUndefined();
  const odd = fakeFetch(200, { status: 'healthy' });
  expect(await createAdminClient({ baseUrl: 'http://a', fetch: odd.fetch }).health()).toEqual({ ok: false, status: 200, message: 'GET /health: unexpected answer from http://a' });
});

test("failures say what the API said, or that it could not be reached and which origin to allow", async () => {
  const denied = fakeFetch(401, { error: { code: 'unauthorized', message: 'Missing or invalid bearer token' } });
  expect(await createAdminClient({ baseUrl: 'http://a', fetch: denied.fetch }).clients()).toEqual({
    ok: false,
    status: 401,
    message: '401 unauthorized: Missing or invalid bearer token',
  });
  const bare = fakeFetch(502, undefined);
  expect(await createAdminClient({ baseUrl: 'http://a', fetch: bare.fetch }).clients()).toEqual({ ok: false, status: 502, message: '502 error' });
  const refused = fakeFetch(0, undefined);
  expect(await createAdminClient({ baseUrl: 'http://admin:8089', fetch: refused.fetch, pageOrigin: 'http://sim:8080' }).health()).toEqual({
    ok: false,
    message: 'Could not reach the admin API at http://admin:8089. Is it running, and is http://sim:8080 in its ADMIN_CORS_ORIGINS?',
  });
  expect(await createAdminClient({ baseUrl: 'http://sim:8080', fetch: refused.fetch, pageOrigin: 'http://sim:8080' }).health()).toEqual({
    ok: false,
    message: 'Could not reach the admin API at http://sim:8080. Is it running?',
  });
});

test('health and client list readers accept the documented shapes only', () => {
  expect(readHealth({ ...health, gateway: 'g1', extra: 1 })).toEqual({ ...health, gateway: 'g1' });
  expect(readHealth({ ...health, clients: '2' })).toBeUndefined();
  expect(readHealth([health])).toBeUndefined();
  const list = { count: 1, clients: [{ id: 'client-g1-1', gateway: 'g1', connectedAt: '2026-01-01T00:00:00.000Z' }] };
  expect(readClients(list)).toEqual(list);
  expect(readClients({ count: 1, clients: [{ id: 'client-g1-1' }] })).toBeUndefined();
  expect(readClients({ clients: [] })).toBeUndefined();
});

test("the admin address: ?admin=, else the page's own origin, else the all-in-one default; typed addresses are normalised", () => {
  expect(defaultAdminUrl({ protocol: 'http:', host: 'localhost:8088', search: '' })).toBe('http://localhost:8088');
  expect(defaultAdminUrl({ protocol: 'https:', host: 'sim.example.com', search: '?admin=https%3A%2F%2Fadmin.example.com' })).toBe('https://admin.example.com');
  expect(defaultAdminUrl({ protocol: 'file:', host: '', search: '' })).toBe(STANDALONE_ADMIN_URL);
  expect(toAdminBaseUrl(' http://localhost:8089/ ')).toBe('http://localhost:8089');
  expect(toAdminBaseUrl('localhost:8089')).toBe('http://localhost:8089');
  expect(toAdminBaseUrl('https://ops.example.com/cmf/admin/')).toBe('https://ops.example.com/cmf/admin');
  expect(toAdminBaseUrl('javascript:alert(1)')).toBeUndefined();
  expect(toAdminBaseUrl('ws://localhost:8088')).toBeUndefined();
  expect(toAdminBaseUrl('')).toBeUndefined();
});
