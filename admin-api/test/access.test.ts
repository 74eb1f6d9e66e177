import { REMOTE_ADDRESS, closeAll, expectProblem, setup } from './support/admin-harness.js';
import { call } from './support/http-call.js';

afterEach(closeAll);

const TOKEN = 'access-token';
const kickAll = { method: 'post', path: '/clients/kick-all', body: '{}', headers: { 'content-type': 'application/json' } };

describe('without ADMIN_TOKEN', () => {
  test('another host gets 403 on every admin route, saying how to open it, and nothing is sent', async () => {
    const h = await setup();
    const remote = await h.serve(REMOTE_ADDRESS);
    for (const c of [{ method: 'get', path: '/clients' }, { method: 'get', path: '/cluster' }, { method: 'get', path: '/openapi.json' }, kickAll]) {
      const answer = await call(remote, c);
      expect({ path: c.path, status: answer.status }).toEqual({ path: c.path, status: 403 });
      expectProblem(answer.json, 'loopback-only');
      expect((answer.json as { error: { message: string } }).error.message).toMatch(/set ADMIN_TOKEN.*ADMIN_ALLOW_REMOTE=true/i);
    }
    expect(h.wsIn.received).toHaveLength(0);
  });

  test('the address is the TCP peer: a forwarded header claiming loopback changes nothing', async () => {
    const h = await setup();
    const remote = await h.serve(REMOTE_ADDRESS);
    const claims: Record<string, string>[] = [{ 'x-forwarded-for': '127.0.0.1' }, { forwarded: 'for=127.0.0.1' }, { 'x-real-ip': '127.0.0.1' }, { host: 'localhost' }];
    for (const headers of claims) {
      expect((await call(remote, { ...kickAll, headers: { ...kickAll.headers, ...headers } })).status).toBe(403);
    }
    expect(h.wsIn.received).toHaveLength(0);
  });

  test('a request from this machine addressed to another host name (DNS rebinding) gets 403 too', async () => {
    const h = await setup();
    const local = await h.serve();
    const answer = await call(local, { ...kickAll, headers: { ...kickAll.headers, host: 'rebound.evil.example:8088', origin: 'http://rebound.evil.example:8088' } });
    expect(answer.status).toBe(403);
    expectProblem(answer.json, 'loopback-only');
    expect((answer.json as { error: { message: string } }).error.message).toMatch(/localhost, 127\.0\.0\.1 or \[::1\]/);
    for (const host of ['localhost:8088', '127.0.0.1:8088', '[::1]:8088']) {
      expect((await call(local, { method: 'get', path: '/clients', headers: { host } })).status).toBe(200);
    }
    expect((await call(local, { method: 'get', path: '/health', headers: { host: 'rebound.evil.example' } })).status).toBe(200);
    expect(h.wsIn.received).toHaveLength(0);
  });

  test('the probes and /metrics still answer another host (kubelet and Prometheus are not on loopback)', async () => {
    const h = await setup();
    const remote = await h.serve(REMOTE_ADDRESS);
    for (const path of ['/health', '/ready', '/metrics']) expect((await call(remote, { method: 'get', path })).status).toBe(200);
  });

  test('this machine may do everything, on 127.0.0.1 and on any other loopback address', async () => {
    const h = await setup();
    expect((await call(await h.serve(), kickAll)).status).toBe(202);
    expect((await call(await h.serve('127.0.0.53'), { method: 'get', path: '/clients' })).status).toBe(200);
    expect((await call(await h.serve('::1'), { method: 'get', path: '/clients' })).status).toBe(200);
    expect((await call(await h.serve('::ffff:127.0.0.1'), { method: 'get', path: '/clients' })).status).toBe(200);
    await h.wsIn.count(1);
  });

  test('ADMIN_ALLOW_REMOTE=true opens the admin routes to every address', async () => {
    const h = await setup({ ADMIN_ALLOW_REMOTE: 'true' });
    const remote = await h.serve(REMOTE_ADDRESS);
    expect((await call(remote, kickAll)).status).toBe(202);
    expect((await call(remote, { method: 'get', path: '/clients' })).status).toBe(200);
  });
});

describe('with ADMIN_TOKEN', () => {
  test('another host with the token may do everything; ADMIN_ALLOW_REMOTE does not lift the token', async () => {
    const h = await setup({ ADMIN_TOKEN: TOKEN, ADMIN_ALLOW_REMOTE: 'true' });
    const remote = await h.serve(REMOTE_ADDRESS);
    expect((await call(remote, { ...kickAll, headers: { ...kickAll.headers, authorization: `bearer ${TOKEN}` } })).status).toBe(202);
    expect((await call(remote, kickAll)).status).toBe(401);
    expect((await call(await h.serve(), kickAll)).status).toBe(401);
  });

  test('ADMIN_AUTH_FAILURE_LIMIT wrong tokens from one address: 429 with Retry-After for it, even with the right token, until the window ends', async () => {
    const h = await setup({ ADMIN_TOKEN: TOKEN, ADMIN_AUTH_FAILURE_LIMIT: '3', ADMIN_AUTH_FAILURE_WINDOW_MS: '1500' });
    const attacker = await h.serve(REMOTE_ADDRESS);
    const bystander = await h.serve('198.51.100.9');
    const clients = (server: typeof attacker, token: string) => call(server, { method: 'get', path: '/clients', headers: { authorization: `Bearer ${token}` } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await clients(attacker, `guess-${i}`)).status);
    const blocked = await clients(attacker, TOKEN);
    statuses.push(blocked.status, (await clients(attacker, 'guess-4')).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expectProblem(blocked.json, 'too-many-failures');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(2);
    // Another address is not held responsible, and the public routes stay open to the attacker.
    expect((await clients(bystander, TOKEN)).status).toBe(200);
    expect((await call(attacker, { method: 'get', path: '/health' })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await clients(attacker, TOKEN)).status).toBe(200);
  });

  test('an IPv6 /64 counts as one address: rotating within it does not reset the count', async () => {
    const h = await setup({ ADMIN_TOKEN: TOKEN, ADMIN_AUTH_FAILURE_LIMIT: '2' });
    const wrong = { method: 'get', path: '/clients', headers: { authorization: 'Bearer wrong' } };
    expect((await call(await h.serve('2001:db8:1:2::a'), wrong)).status).toBe(401);
    expect((await call(await h.serve('2001:db8:1:2:ffff::b'), wrong)).status).toBe(401);
    const right = { method: 'get', path: '/clients', headers: { authorization: `Bearer ${TOKEN}` } };
    expect((await call(await h.serve('2001:db8:1:2::c'), right)).status).toBe(429);
    expect((await call(await h.serve('2001:db8:1:3::c'), right)).status).toBe(200);
  });

  test('requests without any token are refused but not counted: they guess nothing', async () => {
    const h = await setup({ ADMIN_TOKEN: TOKEN, ADMIN_AUTH_FAILURE_LIMIT: '2' });
    const remote = await h.serve(REMOTE_ADDRESS);
    for (let i = 0; i < 5; i++) expect((await call(remote, { method: 'get', path: '/clients' })).status).toBe(401);
    expect((await call(remote, { method: 'get', path: '/clients', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});
