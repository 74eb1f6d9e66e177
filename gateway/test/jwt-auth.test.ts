import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import WebSocket from 'ws';
import { listen } from '@cmf/shared';
import { TestClient } from '../../test/support/test-client.js';
import { closeAll, setup, track, upgradeStatus, type Harness } from './support/gateway-harness.js';

afterEach(closeAll);

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const now = () => Math.floor(Date.now() / 1000);

function hs256(claims: JWTPayload, secret = SECRET): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
}

/** The gateway's log lines about refused upgrades. */
const refusals = (h: Harness) => h.logs.filter((l) => l.msg === 'upgrade refused');

describe('JWT with JWT_SECRET (HS256)', () => {
  const env = { JWT_SECRET: SECRET, JWT_AUDIENCE: 'cmf, cmf-staging', JWT_ISSUER: 'https://auth.example' };
  const valid = { sub: 'alice', aud: 'cmf', iss: 'https://auth.example', roles: ['user'] };

  test('a valid token in ?token= or Authorization: Bearer (any case) connects; its sub and roles travel with every frame', async () => {
    const h = await setup(env);
    const token = await hs256({ ...valid, exp: now() + 60 });
    const viaQuery = await TestClient.connect(`${h.url}/?token=${token}`);
    const viaHeader = new WebSocket(h.url, { headers: { Authorization: `bEaReR ${token}` } });
    track(viaQuery);
    await new Promise((resolve) => viaHeader.once('message', resolve));
    viaQuery.send('one');
    viaQuery.send('two');
    viaHeader.send('three');
    await h.wsIn.until(() => h.frames().length === 3);
    const frames = h.inRecords().filter((r) => r.kind === 'frame');
    expect(frames.map((r) => r.auth)).toEqual(Array(3).fill({ sub: 'alice', roles: ['user'] }));
    viaHeader.close();
  });

  test.each([
    ['no token', undefined, /No token/],
    ['an expired token', { ...valid, exp: now() - 10 }, /"exp" claim timestamp check failed/],
    ['a token without exp', valid, /missing required "exp" claim/],
    ['a wrong audience', { ...valid, aud: 'someone-else', exp: now() + 60 }, /unexpected "aud" claim value/],
    ['a wrong issuer', { ...valid, iss: 'https://evil.example', exp: now() + 60 }, /unexpected "iss" claim value/],
    ['a token signed with another secret', { ...valid, exp: now() + 60, secret: 'another-secret-of-at-least-32-characters' }, /signature verification failed/],
    ['garbage', 'not.a.jwt', /Invalid token/],
  ])('%s: 401 on the upgrade, no socket, the reason in the log and never the token', async (_label, claims, reason) => {
    const h = await setup(env);
    let token: string | undefined;
    if (typeof claims === 'string') token = claims;
    else if (claims) {
      const { secret, ...rest } = claims as JWTPayload & { secret?: string };
      token = await hs256(rest, secret);
    }
    expect(await upgradeStatus(token ? `${h.url}/?token=${token}` : h.url)).toBe(401);
    expect(h.gateway.clientCount).toBe(0);
    expect(h.inRecords()).toEqual([expect.objectContaining({ kind: 'gateway-heartbeat' })]);
    expect(refusals(h)).toEqual([expect.objectContaining({ status: 401, reason: expect.stringMatching(reason) })]);
    if (token) expect(JSON.stringify(h.logs)).not.toContain(token);
  });

  test('the 401 body says why', async () => {
    const h = await setup(env);
    const ws = new WebSocket(h.url);
    ws.on('error', () => undefined);
    const body = await new Promise<string>((resolve) =>
      ws.once('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(text));
      }),
    );
    expect(JSON.parse(body)).toEqual({ error: { code: 'upgrade-refused', message: 'No token: pass ?token=<JWT> or Authorization: Bearer <JWT>' } });
  });

  test('roles come from JWT_ROLES_CLAIM: a dotted path, or a space-separated string', async () => {
    const h = await setup({ JWT_SECRET: SECRET, JWT_ROLES_CLAIM: 'realm_access.roles' });
    const nested = await TestClient.connect(`${h.url}/?token=${await hs256({ sub: 'bob', realm_access: { roles: ['admin', 7] }, exp: now() + 60 })}`);
    const h2 = await setup({ JWT_SECRET: SECRET, JWT_ROLES_CLAIM: 'scope' });
    const spaced = await TestClient.connect(`${h2.url}/?token=${await hs256({ scope: 'read admin', exp: now() + 60 })}`);
    track(nested, spaced);
    nested.send('n');
    spaced.send('s');
    await h.wsIn.until(() => h.frames().length === 1);
    await h2.wsIn.until(() => h2.frames().length === 1);
    expect(h.inRecords().find((r) => r.kind === 'frame')?.auth).toEqual({ sub: 'bob', roles: ['admin'] });
    expect(h2.inRecords().find((r) => r.kind === 'frame')?.auth).toEqual({ roles: ['read', 'admin'] });
  });
});

describe('JWT with JWT_JWKS_URL', () => {
  let jwks: Server;
  let jwksUrl: string;
  let served = 0;
  let signing: CryptoKey;
  let stranger: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    const other = await generateKeyPair('ES256');
    signing = pair.privateKey;
    stranger = other.privateKey;
    const body = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
    jwks = createServer((_req, res) => {
      served += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    jwksUrl = `http://127.0.0.1:${await listen(jwks, 0, '127.0.0.1')}/jwks.json`;
  });

  afterAll(() => new Promise((resolve) => jwks.close(resolve)));

  const es256 = (key: CryptoKey, claims: JWTPayload, kid = 'k1') => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).sign(key);

  test('a token signed by a key of the set connects; one signed by another key, or HS256 with the public key, gets 401', async () => {
    const h = await setup({ JWT_JWKS_URL: jwksUrl });
    const good = await TestClient.connect(`${h.url}/?token=${await es256(signing, { sub: 'svc', roles: ['admin'], exp: now() + 60 })}`);
    track(good);
    good.send('hi');
    await h.wsIn.until(() => h.frames().length === 1);
    expect(h.inRecords().find((r) => r.kind === 'frame')?.auth).toEqual({ sub: 'svc', roles: ['admin'] });
    expect(await upgradeStatus(`${h.url}/?token=${await es256(stranger, { sub: 'x', exp: now() + 60 })}`)).toBe(401);
    expect(await upgradeStatus(`${h.url}/?token=${await es256(stranger, { sub: 'x', exp: now() + 60 }, 'unknown')}`)).toBe(401);
    expect(await upgradeStatus(`${h.url}/?token=${await hs256({ sub: 'x', exp: now() + 60 })}`)).toBe(401);
    expect(refusals(h).map((l) => l.reason)).toEqual([
      'Invalid token: signature verification failed',
      expect.stringMatching(/no applicable key found/),
      expect.stringMatching(/Invalid token: .*alg/),
    ]);
    expect(served).toBeGreaterThanOrEqual(1);
  });

  test('a key set that cannot be fetched is 503, not 401: the fault is the server’s', async () => {
    const h = await setup({ JWT_JWKS_URL: 'http://127.0.0.1:1/jwks.json' });
    expect(await upgradeStatus(`${h.url}/?token=${await es256(signing, { sub: 'svc', exp: now() + 60 })}`)).toBe(503);
    expect(refusals(h)).toEqual([expect.objectContaining({ status: 503, reason: 'Token keys unavailable: try again later' })]);
    expect(h.logs.filter((l) => l.msg === 'token keys unavailable')).toEqual([
      expect.objectContaining({ level: 'warn', jwksUrl: 'http://127.0.0.1:1/jwks.json', err: expect.anything() }),
    ]);
  });
});
