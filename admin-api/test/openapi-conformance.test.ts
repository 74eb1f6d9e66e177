import type { Server } from 'node:http';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import { routes, type Route } from '@cmf/admin-api';
import { type Answer, type Call, call } from './support/http-call.js';
import { closeAll, setup, type Harness } from './support/admin-harness.js';

/**
 * Every route, in every situation it can answer, in each access mode: each answer's status must be
 * declared for that route in the document the app serves in that mode, its body must validate
 * against the declared schema and carry the declared headers; and the document must declare no
 * status the route was not seen to send.
 */

const TOKEN = 'conformance-token';
const LIMIT = 3;
const BODY_TIMEOUT_MS = 200;
const KNOWN = 'client-known-1';

interface Operation {
  responses: Record<string, { headers?: Record<string, unknown>; content: Record<string, { schema: object }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

const modes = [
  { mode: 'token', env: { ADMIN_TOKEN: TOKEN, ADMIN_AUTH_FAILURE_LIMIT: String(LIMIT) } },
  { mode: 'loopback', env: {} },
  { mode: 'open', env: { ADMIN_ALLOW_REMOTE: 'true' } },
] as const;

const all: Pick<Route, 'method' | 'path'>[] = [...routes, { method: 'get', path: '/openapi.json' }];
const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');
const concrete = (path: string, id: string): string => path.replace(/:\w+/g, encodeURIComponent(id));
/** The route's example body (POST routes declare one). */
function example(route: Pick<Route, 'method' | 'path'>): object {
  const found = routes.find((r) => r.path === route.path && r.method === route.method);
  return found?.method === 'post' ? (found.bodyExample as object) : {};
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
(ajvFormats.default as unknown as (a: Ajv2020) => void)(ajv);

afterAll(closeAll);

describe.each(modes)('in $mode mode', ({ mode, env }) => {
  let h: Harness;
  let local: Server;
  let document: Document;
  const seen = new Map<string, Set<number>>();
  const auth: Record<string, string> = mode === 'token' ? { authorization: `Bearer ${TOKEN}` } : {};
  let remotes = 0;
  /** A server whose every connection comes from another, new remote address. */
  const remote = (): Promise<Server> => h.serve(`203.0.113.${++remotes}`);

  beforeAll(async () => {
    h = await setup({ ...env, HTTP_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS) });
    await h.addClient(KNOWN);
    local = await h.serve();
    document = (await call(local, { method: 'get', path: '/openapi.json', headers: auth })).json as Document;
  });

  /** Sends, checks the answer against the document, and records its status for the route. */
  async function check(route: Pick<Route, 'method' | 'path'>, server: Server, c: Call): Promise<Answer> {
    const answer = await call(server, c);
    const label = `${route.method.toUpperCase()} ${route.path} (${c.method} ${c.path}, ${JSON.stringify(c.headers ?? {})})`;
    expect({ label, securityHeaders: answer.headers['x-content-type-options'] === 'nosniff' && !!answer.headers['content-security-policy'] }).toEqual({
      label,
      securityHeaders: true,
    });
    const operation = document.paths[openApiPath(route.path)]![route.method]!;
    const declared = operation.responses[String(answer.status)];
    expect({ label, status: answer.status, declared: declared !== undefined }).toEqual({ label, status: answer.status, declared: true });
    const [mediaType, { schema }] = Object.entries(declared!.content)[0]!;
    expect({ label, contentType: answer.headers['content-type']?.split(';')[0] }).toEqual({ label, contentType: mediaType });
    const body = mediaType === 'application/json' ? answer.json : answer.text;
    const validate = ajv.compile(schema);
    expect({ label, status: answer.status, errors: validate(body) ? null : validate.errors, body }).toMatchObject({ label, errors: null });
    for (const header of Object.keys(declared!.headers ?? {})) {
      expect({ label, header, present: answer.headers[header.toLowerCase()] !== undefined }).toEqual({ label, header, present: true });
    }
    const key = `${route.method} ${route.path}`;
    seen.set(key, (seen.get(key) ?? new Set()).add(answer.status));
    return answer;
  }

  const json = (body: unknown, headers: Record<string, string> = auth): Pick<Call, 'body' | 'headers'> => ({
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });

  test.each(all)('$method $path: success, unknown id, from another host', async (route) => {
    const base = { method: route.method, path: concrete(route.path, KNOWN) };
    const withBody = route.method === 'post' ? json(example(route)) : { headers: auth };
    await check(route, local, { ...base, ...withBody });
    await check(route, local, { ...base, path: concrete(route.path, 'client-nobody-1'), ...withBody });
    await check(route, await remote(), { ...base, ...withBody });
  });

  test.each(all)('$method $path: no token, wrong tokens, then too many wrong tokens', async (route) => {
    const base = { method: route.method, path: concrete(route.path, KNOWN) };
    const body = (headers: Record<string, string>) => (route.method === 'post' ? json(example(route), headers) : { headers });
    const server = await remote();
    await check(route, server, { ...base, ...body({}) });
    for (let i = 0; i < LIMIT; i++) await check(route, server, { ...base, ...body({ authorization: `Bearer wrong-${i}` }) });
    const answer = await check(route, server, { ...base, ...body(auth) });
    if (mode === 'token' && !['/health', '/ready', '/metrics'].includes(route.path)) expect(answer.status).toBe(429);
  });

  test.each(all.filter((r) => r.method === 'post'))('$method $path: every kind of bad body', async (route) => {
    const base = { method: route.method, path: concrete(route.path, KNOWN) };
    const bodies: Pick<Call, 'body' | 'headers'>[] = [
      { body: '{"message": ', headers: { 'content-type': 'application/json', ...auth } },
      json([1, 2]),
      json(null),
      json('text'),
      ...Object.keys(example(route)).map((field) => json({ ...example(route), [field]: null })),
      json({ message: 'x'.repeat(h.config.MAX_PAYLOAD_BYTES) }),
      // The cross-site "simple" request a page elsewhere could send: no preflight, text/plain.
      { body: '{}', headers: { 'content-type': 'text/plain', origin: 'https://elsewhere.example', ...auth } },
      { body: '{}', headers: { ...auth } },
      { body: '{}', headers: { 'content-type': 'application/json; charset=latin1', ...auth } },
      { body: '{}', headers: { 'content-type': 'application/json', 'content-encoding': 'compress', ...auth } },
    ];
    for (const b of bodies) await check(route, local, { ...base, ...b });
    await check(route, local, { ...base, headers: { 'content-type': 'application/json', ...auth }, body: '{', stallAt: 100 });
  });

  test.each(routes.filter((r) => r.method === 'get' && r.query))('$method $path: query parameters, good and bad', async (route) => {
    for (const query of ['?limit=1', '?limit=10000&cursor=0.x', '?limit=0', '?limit=10001', '?limit=abc', '?cursor=not-a-cursor']) {
      await check(route, local, { method: 'get', path: `${route.path}${query}`, headers: auth });
    }
  });

  test('undeclared methods on every known path: 405 with the Allow of the document', async () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      const declared = Object.keys(operations).map((m) => m.toUpperCase());
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !declared.includes(m))) {
        const answer = await call(local, { method, path: concrete(path.replace(/\{(\w+)\}/g, ':$1'), KNOWN), headers: auth });
        const allow = String(answer.headers.allow).split(', ').filter((m) => m !== 'HEAD' && m !== 'OPTIONS');
        expect({ path, method, status: answer.status, allow }).toEqual({ path, method, status: 405, allow: declared });
      }
    }
  });

  test('with the bus down, then: the document declares exactly what each route was seen to send', async () => {
    await h.bus.close();
    for (const route of all) {
      await check(route, local, { method: route.method, path: concrete(route.path, KNOWN), ...(route.method === 'post' ? json(example(route)) : { headers: auth }) });
    }
    for (const route of all) {
      const declared = Object.keys(document.paths[openApiPath(route.path)]![route.method]!.responses).map(Number).sort();
      const sent = [...(seen.get(`${route.method} ${route.path}`) ?? [])].sort();
      expect({ route: `${route.method} ${route.path}`, sent }).toEqual({ route: `${route.method} ${route.path}`, sent: declared });
    }
  });
});
