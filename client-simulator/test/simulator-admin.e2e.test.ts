import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { startAllInOne, type AllInOne } from '@cmf/all-in-one';
import { createLogger, loadConfig } from '@cmf/shared';
import { buildAndServe, pageFile, Pages } from './support/simulator-env.js';
import { DESKTOP, SIZES, type SimulatorPage } from './support/simulator-page.js';
import { PageServer } from './support/page-server.js';
import { TestClient } from '../../test/support/test-client.js';

/** The admin view (issue 12) over the admin REST API, served with the page or apart from it, and the page's security headers (issue 10). */
const pages = new Pages();
let server: AllInOne;
let base: string;
const cleanup: (() => Promise<unknown>)[] = [];

const allInOne = (env: Record<string, string> = {}): Promise<AllInOne> =>
  startAllInOne(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env }), createLogger('silent'));

beforeAll(async () => {
  await pages.launch();
  server = await buildAndServe();
  base = `http://127.0.0.1:${server.port}`;
});

afterEach(async () => {
  const errors = await pages.closeAll();
  for (const step of cleanup.splice(0).reverse()) await step();
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await pages.close();
  await server?.close();
});

/** The health list as term → value. */
async function health(page: SimulatorPage): Promise<Record<string, string>> {
  const terms = await page.page.locator('#health dt').allTextContents();
  const values = await page.page.locator('#health dd').allTextContents();
  return Object.fromEntries(terms.map((t, i) => [t, values[i]!]));
}

const row = (page: SimulatorPage, id: string) => page.page.locator(`#admin-clients tr[data-client-id="${id}"]`);

describe.each(SIZES)('at %s size', (_name, size) => {
  test('served with the API: health with the Kafka state, every client with its gateway, kick one, server broadcast, kick all after a confirmation', async () => {
    const page = await pages.open(`${base}/`, size);
    const one = await page.connect();
    const two = await page.addClient();
    await page.admin();
    expect(await page.page.locator('#admin-url').inputValue()).toBe(base);
    await row(page, two.id).waitFor();
    expect(await health(page)).toEqual({ Status: 'healthy', Kafka: 'not-configured', Clients: '2', Component: 'all-in-one', Gateway: server.gateway.id });
    expect(await page.page.locator('#admin-count').textContent()).toBe('2');
    expect(await row(page, one).locator('td').allTextContents()).toEqual([
      `${one}Client 1`,
      server.gateway.id,
      expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d HKT$/),
      'Kick',
    ]);
    expect(await row(page, one).isVisible()).toBe(true);

    await row(page, two.id).getByRole('button', { name: `Kick ${two.id}` }).click();
    // The result shows once the API has answered.
    await page.page.locator('#admin-result', { hasText: 'Kick of' }).waitFor();
    expect(await page.page.locator('#admin-result').textContent()).toBe(`Kick of ${two.id} accepted.`);
    await row(page, two.id).waitFor({ state: 'detached' });
    expect(await two.waitForState('closed')).toBe('Closed: kicked, You have been kicked out. (4000 Kicked)');

    await page.page.fill('#admin-message', 'Maintenance in 5 minutes');
    await page.page.press('#admin-message', 'Enter');
    await page.page.locator('#admin-result', { hasText: 'Broadcast accepted' }).waitFor();
    const broadcast = await page.waitForEntry('broadcast', 'Maintenance in 5 minutes');
    expect(await broadcast.locator('.entry__who').textContent()).toBe('server');

    await page.page.click('#admin-kick-all');
    const dialog = page.page.locator('dialog[open]');
    expect(await dialog.locator('.confirm__message').textContent()).toBe(
      "All 1 client on every gateway will be disconnected (close code 4000), this page's included.",
    );
    await dialog.locator('.confirm__cancel').click();
    expect(await page.state()).toBe('open');
    await page.page.click('#admin-kick-all');
    await dialog.locator('.confirm__ok').click();
    expect(await page.waitForState('closed')).toBe('Closed: kicked, All clients disconnected. (4000 Kicked)');
    await page.page.locator('#admin-clients .clients-table__empty', { hasText: 'No client is connected.' }).waitFor();
  });
});

test('with ADMIN_TOKEN: a 401 says to enter the token; the token then works and stays in the tab only', async () => {
  const guarded = await allInOne({ ADMIN_TOKEN: 's3cret-token' });
  cleanup.push(() => guarded.close());
  const url = `http://127.0.0.1:${guarded.port}/`;
  const page = await pages.open(url, DESKTOP);
  await page.connect();
  await page.admin();
  const result = page.page.locator('#admin-result');
  await result.filter({ hasText: '401' }).waitFor();
  expect(await result.textContent()).toBe('Client list: 401 unauthorized: Missing or invalid bearer token. Enter the admin token above.');
  expect((await health(page)).Status).toBe('healthy'); // /health is public
  // Chromium logs the 401 it was given; expected here.
  expect(page.errors.splice(0)).toEqual(['console: Failed to load resource: the server responded with a status of 401 (Unauthorized)']);

  await page.page.fill('#admin-token', 's3cret-token');
  await page.page.click('#admin-connection button[type="submit"]');
  await row(page, page.id).waitFor();
  expect(await result.textContent()).toBe('');
  expect(await page.page.evaluate('sessionStorage.getItem("cmf-admin-token")')).toBe('s3cret-token');
  expect(await page.page.evaluate('localStorage.length')).toBe(0);
  expect(page.page.url()).not.toContain('s3cret');
  // A reload of the tab keeps it; another tab does not have it.
  await page.page.reload();
  expect(await page.page.locator('#admin-token').inputValue()).toBe('s3cret-token');
  const other = await page.context.newPage();
  await other.goto(url);
  expect(await other.locator('#admin-token').inputValue()).toBe('');
  await other.close();
  await page.page.click('#admin-tab');
  await page.page.click('#admin-forget');
  expect(await page.page.evaluate('sessionStorage.getItem("cmf-admin-token")')).toBeNull();
});

test('served apart (serve-simulator.js): the admin view works against an API that allows its origin, and says what to set when not', async () => {
  const pageServer = await PageServer.start({});
  cleanup.push(() => pageServer.stop());
  const allowed = await allInOne({ ADMIN_CORS_ORIGINS: pageServer.url, ALLOWED_ORIGINS: pageServer.url });
  cleanup.push(() => allowed.close());
  const closed = await allInOne();
  cleanup.push(() => closed.close());
  const target = (api: AllInOne): string =>
    `${pageServer.url}/?url=${encodeURIComponent(`ws://127.0.0.1:${api.port}`)}&admin=${encodeURIComponent(`http://127.0.0.1:${api.port}`)}`;

  const page = await pages.open(target(allowed), DESKTOP);
  await page.connect();
  await page.admin();
  await row(page, page.id).waitFor();
  expect(await row(page, page.id).locator('td').nth(1).textContent()).toBe(allowed.gateway.id);
  expect((await health(page)).Gateway).toBe(allowed.gateway.id);
  // Shown, the view follows the cluster on its own.
  const newcomer = await TestClient.connect(`ws://127.0.0.1:${allowed.port}`);
  cleanup.push(() => newcomer.close());
  await row(page, newcomer.id).waitFor({ timeout: 8_000 });
  await row(page, page.id).getByRole('button', { name: `Kick ${page.id}` }).click();
  expect(await page.waitForState('closed')).toBe('Closed: kicked, You have been kicked out. (4000 Kicked)');

  const refused = await pages.open(target(closed), DESKTOP);
  await refused.admin();
  const result = refused.page.locator('#admin-result');
  await result.filter({ hasText: 'Could not reach' }).waitFor();
  expect(await result.textContent()).toBe(
    `Health: Could not reach the admin API at http://127.0.0.1:${closed.port}. Is it running, and is ${pageServer.url} in its ADMIN_CORS_ORIGINS? ` +
      `Client list: Could not reach the admin API at http://127.0.0.1:${closed.port}. Is it running, and is ${pageServer.url} in its ADMIN_CORS_ORIGINS?`,
  );
  // Chromium reports each refused call; nothing else went wrong.
  const corsErrors = refused.errors.splice(0);
  expect(corsErrors.length).toBeGreaterThan(0);
  for (const error of corsErrors) expect(error).toMatch(/blocked by CORS policy|net::ERR_FAILED/);
});

test('both servers send the CSP as a header with frame-ancestors, nosniff and no referrer; Chromium refuses to frame the page', async () => {
  const built = readFileSync(pageFile, 'utf8');
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(built)![1]!;
  const pageServer = await PageServer.start({ SIMULATOR_GATEWAY_URL: `ws://127.0.0.1:${server.port}`, SIMULATOR_ADMIN_URL: base });
  cleanup.push(() => pageServer.stop());
  for (const url of [`${base}/`, `${base}/client-simulator.html`, `${pageServer.url}/?url=x&admin=y`]) {
    const response = await fetch(url);
    expect([url, response.status]).toEqual([url, 200]);
    expect(response.headers.get('content-security-policy')).toBe(`${meta}; frame-ancestors 'none'`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await response.text()).toBe(built);
  }
  expect(meta).toContain("script-src 'sha256-");
  const redirect = await fetch(`${pageServer.url}/`, { redirect: 'manual' });
  expect(redirect.headers.get('location')).toBe(`/?url=${encodeURIComponent(`ws://127.0.0.1:${server.port}`)}&admin=${encodeURIComponent(base)}`);

  // Another site tries to frame the page: Chromium refuses, for both servers.
  const framing: Server = createServer((req, res) => {
    const src = req.url === '/standalone' ? `${pageServer.url}/?url=x&admin=y` : `${base}/`;
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>framer</title><iframe src="${src}"></iframe>`);
  });
  await new Promise<void>((resolve) => framing.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => framing.close(resolve)));
  const framer = `http://127.0.0.1:${(framing.address() as { port: number }).port}`;
  const context = await pages.browser.newContext();
  cleanup.push(() => context.close());
  for (const path of ['/', '/standalone']) {
    const tab = await context.newPage();
    const refusals: string[] = [];
    tab.on('console', (msg) => {
      if (msg.text().includes("frame-ancestors 'none'")) refusals.push(msg.text());
    });
    await tab.goto(`${framer}${path}`);
    for (let waited = 0; refusals.length === 0 && waited < 5_000; waited += 100) await tab.waitForTimeout(100);
    expect([path, refusals.length]).toEqual([path, 1]);
    const frame = tab.frames().find((f) => f !== tab.mainFrame())!;
    expect(await frame.locator('#server-url').count()).toBe(0);
  }
});
