import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startAllInOne, type AllInOne } from '@cmf/all-in-one';
import { createLogger, loadConfig } from '@cmf/shared';
import { readmeCodeBlocks } from './support/readme.js';
import { TestClient } from './support/test-client.js';

const run = promisify(execFile);

// The README's "Try it" curl lines, in their order.
const curls = readmeCodeBlocks()
  .filter((block) => block.section === 'Try it' && block.lang === 'bash')
  .flatMap((block) => block.lines)
  .filter((line) => line.startsWith('curl '));

let server: AllInOne;

/** Runs one README line with bash, the server's port in place of 8088, and parses what curl printed. */
async function curl(route: RegExp): Promise<unknown> {
  const line = curls.find((l) => route.test(l));
  if (!line) throw new Error(`README.md "Try it" has no curl line for ${route}`);
  const { stdout } = await run('bash', ['-c', line.replaceAll('localhost:8088', `localhost:${server.port}`)], { timeout: 30_000 });
  return JSON.parse(stdout);
}

beforeAll(async () => {
  server = await startAllInOne(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }), createLogger('silent'));
});

afterAll(async () => {
  await server?.close();
});

test('the README shows curl for health, the client list, a broadcast and kick-all', () => {
  expect(curls).toHaveLength(4);
  for (const route of [/ localhost:8088\/health$/, / localhost:8088\/clients$/, /-X POST localhost:8088\/broadcast /, /-X POST localhost:8088\/clients\/kick-all /]) {
    expect(curls.filter((line) => route.test(line))).toHaveLength(1);
  }
});

test("the README's curl lines, as written, against a running server", async () => {
  const client = await TestClient.connect(`ws://127.0.0.1:${server.port}`);
  try {
    // Announced means written to the presence view that /health and /clients read.
    await client.next('client-list', (f) => (f.clients as string[]).includes(client.id));
    expect(await curl(/\/health$/)).toMatchObject({ status: 'healthy', timestamp: expect.any(String), clients: 1, kafka: 'not-configured', component: 'all-in-one' });

    expect(await curl(/\/clients$/)).toMatchObject({
      count: 1,
      clients: [{ id: client.id, gateway: server.gateway.id, connectedAt: expect.any(String), status: 'connected' }],
    });

    expect(await curl(/\/broadcast /)).toMatchObject({ status: 'accepted' });
    await client.next('kafka', (f) => f.from === 'server' && f.message === 'Maintenance in 5 minutes');

    expect(await curl(/\/kick-all /)).toMatchObject({ status: 'accepted', clients: 1 });
    await client.next('kicked');
    expect((await client.closed).code).toBe(4000);
  } finally {
    await client.close();
  }
});
