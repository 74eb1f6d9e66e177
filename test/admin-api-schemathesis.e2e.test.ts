import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { routes } from '@cmf/admin-api';
import { startAllInOne, type AllInOne } from '@cmf/all-in-one';
import { createLogger, loadConfig } from '@cmf/shared';
import WebSocket from 'ws';
import { schemathesis } from './support/schemathesis.js';

/**
 * schemathesis reads /openapi.json and runs every check it has (status codes, content types,
 * headers and bodies against the schemas, invalid data refused, valid data accepted, auth
 * enforced, 405 with Allow for undeclared methods, ...) against the running server, with and
 * without a token. Any failure or warning fails the test. SCHEMATHESIS_SEED picks another seed.
 */

const run = promisify(execFile);
const TOKEN = 'schemathesis-token';
const config = fileURLToPath(new URL('./schemathesis.toml', import.meta.url));
const SEED = process.env.SCHEMATHESIS_SEED ?? '20260101';

const st = schemathesis();

/**
 * `n` WebSocket clients that reconnect whenever they are kicked, so that GET /clients lists
 * someone whenever schemathesis follows its link to POST /clients/{id}/kick.
 */
function keepConnected(url: string, n: number): { stop(): void } {
  let stopping = false;
  const sockets = new Set<WebSocket>();
  const open = (): void => {
    const ws = new WebSocket(url);
    sockets.add(ws);
    ws.on('error', () => undefined);
    ws.on('close', () => {
      sockets.delete(ws);
      if (!stopping) open();
    });
  };
  for (let i = 0; i < n; i++) open();
  return {
    stop() {
      stopping = true;
      for (const ws of sockets) ws.terminate();
    },
  };
}

describe.each([
  ['without a token (loopback only)', {}, []],
  // Its ignored_auth check wants a 401 for each wrong token it tries: the failed-token limit
  // (tested in admin-api/test/access.test.ts) is raised out of its way.
  ['with ADMIN_TOKEN', { ADMIN_TOKEN: TOKEN, ADMIN_AUTH_FAILURE_LIMIT: '1000000' }, ['-H', `Authorization: Bearer ${TOKEN}`]],
])('schemathesis against the admin API %s', (_label, env, auth) => {
  let server: AllInOne;
  let clients: { stop(): void } | undefined;

  beforeAll(async () => {
    server = await startAllInOne(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env }), createLogger('silent'));
    clients = keepConnected(`ws://127.0.0.1:${server.port}`, 5);
  });

  afterAll(async () => {
    clients?.stop();
    await server?.close();
  });

  test('finds nothing', async () => {
    const args = ['--config-file', config, 'run', `http://127.0.0.1:${server.port}/openapi.json`, '--checks', 'all', '--max-examples', '50', '--seed', SEED, '--no-color', ...auth];
    // schemathesis keeps a cache in its working directory: a scratch one, not the repository.
    const cwd = mkdtempSync(join(tmpdir(), 'cmf-schemathesis-'));
    const { stdout } = await run(st, args, { cwd, timeout: 50_000, maxBuffer: 16 * 1024 * 1024 })
      .catch((err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`schemathesis found problems (seed ${SEED}):\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
      })
      .finally(() => rmSync(cwd, { recursive: true, force: true }));
    // Every operation but the document itself, every phase, and a real number of cases, all passed.
    expect(stdout).toContain(`Selected: ${routes.length}/${routes.length}`);
    expect(stdout).toContain(`Tested: ${routes.length}`);
    for (const phase of ['Examples', 'Coverage', 'Fuzzing', 'Stateful']) expect(stdout).toMatch(new RegExp(`✅ ${phase}`));
    const [, generated, passed] = /(\d+) generated, (\d+) passed/.exec(stdout) ?? [];
    expect(Number(generated)).toBeGreaterThanOrEqual(300);
    expect(passed).toBe(generated);
    expect(stdout).not.toMatch(/failed|warning/i);
  }, 60_000);
});
