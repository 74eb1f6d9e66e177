import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { startAllInOne, type AllInOne } from '@cmf/all-in-one';
import { createLogger, loadConfig } from '@cmf/shared';
import { ServiceProcess } from '../../test/support/service-process.js';
import { launchChromium } from './support/chromium.js';
import { DESKTOP, PHONE, SimulatorPage, type Viewport } from './support/simulator-page.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pageFile = `${root}client-simulator/dist/client-simulator.html`;
const TITLE = 'CMF client simulator';
const XSS = `<img src=x onerror="document.title='pwned'">`;

const hkt = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Hong_Kong',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

let browser: Browser;
let server: AllInOne;
let base: string;
let open: SimulatorPage[] = [];

async function openPage(url = `${base}/`, viewport?: Viewport): Promise<SimulatorPage> {
  const page = await SimulatorPage.open(browser, url, viewport);
  open.push(page);
  return page;
}

/** Connects every page, then waits until each sees all of them. */
async function connectAll(...pages: SimulatorPage[]): Promise<void> {
  for (const page of pages) await page.connect();
  for (const page of pages) await page.waitForClients(...pages.map((p) => p.id));
}

beforeAll(async () => {
  // First, so that a machine without Chromium fails here, saying so.
  browser = await launchChromium();
  execFileSync(process.execPath, [`${root}client-simulator/build.js`], { stdio: 'pipe' });
  server = await startAllInOne(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }), createLogger('silent'));
  base = `http://127.0.0.1:${server.port}`;
});

afterEach(async () => {
  const pages = open;
  open = [];
  await Promise.all(pages.map((page) => page.close()));
  // No uncaught exception, console error or CSP violation on any page.
  expect(pages.flatMap((page) => page.errors)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('the all-in-one server serves the built page at /', async () => {
  const response = await fetch(`${base}/`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await response.text()).toBe(readFileSync(pageFile, 'utf8'));
});

test('two pages connect and see each other in the client list, each highlighting itself', async () => {
  const [a, b] = [await openPage(), await openPage()];
  expect(await a.serverUrl()).toBe(`ws://127.0.0.1:${server.port}`);
  expect(await a.state()).toBe('idle');
  await a.connect();
  await b.connect();
  expect(await a.statusText()).toBe(`Connected as ${a.id}`);
  expect(a.id).toMatch(new RegExp(`^client-${server.gateway.id}-\\d+$`));
  await a.waitForClients(a.id, b.id);
  await b.waitForClients(a.id, b.id);
  expect(await a.page.locator('#client-list .client--self').getAttribute('data-client-id')).toBe(a.id);
  expect(await b.page.locator('#client-list .client--self').getAttribute('data-client-id')).toBe(b.id);
  await a.waitForEntry('welcome', `Connected as ${a.id}`);
  await a.waitForEntry('presence', 'connected');
});

test('pages exchange a broadcast and a direct message, with toasts and times in HKT', async () => {
  const [a, b] = [await openPage(), await openPage()];
  await connectAll(a, b);

  await a.say('Hello from page A');
  const atB = await b.waitForEntry('broadcast', 'Hello from page A');
  await a.waitForEntry('broadcast', 'Hello from page A');
  expect(await atB.locator('.entry__who').textContent()).toBe(a.id);
  await b.toasts('broadcast').filter({ hasText: 'Hello from page A' }).waitFor();
  expect(await a.toasts('broadcast').count()).toBe(0); // our own broadcast coming back is no news
  expect(await a.page.inputValue('#message')).toBe('');

  // The page shows the server's timestamp in Hong Kong time, whatever the browser's zone.
  const time = atB.locator('time');
  const shown = await time.textContent();
  expect(shown).toMatch(/^\d\d:\d\d:\d\d HKT$/);
  expect(shown).toBe(`${hkt.format(new Date((await time.getAttribute('datetime')) ?? ''))} HKT`);

  await a.pick(b.id);
  expect(await a.page.locator('#target').inputValue()).toBe(b.id);
  expect(await a.page.locator('#send').textContent()).toBe('Send direct');
  expect(await a.client(b.id).getAttribute('aria-pressed')).toBe('true');
  await a.say('psst, only for B');
  const direct = await b.waitForEntry('direct', 'psst, only for B');
  expect(await direct.locator('.entry__who').textContent()).toBe(a.id);
  await b.toasts('direct').filter({ hasText: 'psst, only for B' }).waitFor();
  await a.waitForEntry('sent', 'psst, only for B');

  // Picking the target again goes back to broadcasting.
  await a.pick(b.id);
  expect(await a.page.locator('#send').textContent()).toBe('Broadcast');
  await a.say('and now everyone');
  await b.waitForEntry('broadcast', 'and now everyone');
  expect(await a.entries('direct').count()).toBe(0);
});

test('message text is never HTML: the XSS string arrives as text and runs nothing', async () => {
  const [a, b] = [await openPage(), await openPage()];
  await connectAll(a, b);
  await a.say(XSS);
  await b.waitForEntry('broadcast', XSS);
  await a.waitForEntry('broadcast', XSS);
  await b.toasts('broadcast').filter({ hasText: XSS }).waitFor();
  // A later message has arrived too: anything the first could have started has had its chance.
  await a.say('after the XSS');
  await b.waitForEntry('broadcast', 'after the XSS');
  for (const page of [a, b]) {
    expect(await page.page.title()).toBe(TITLE);
    expect(await page.page.locator('#log img').count()).toBe(0);
    expect(await page.page.locator('img').count()).toBe(0);
  }
  expect(await b.toasts('broadcast').filter({ hasText: XSS }).locator('.toast__text').textContent()).toBe(XSS);
});

test('a kicked page shows it was kicked; kick all spares the sender', async () => {
  const [a, b, c] = [await openPage(), await openPage(), await openPage()];
  await connectAll(a, b, c);

  await a.pick(b.id);
  expect(await a.page.locator('#kick-one').getAttribute('title')).toBe(`Kick ${b.id}`);
  await a.page.click('#kick-one');
  expect(await b.waitForState('closed')).toBe('Closed: kicked, You have been kicked out. (4000 Kicked)');
  await b.waitForEntry('kicked', 'You have been kicked out.');
  await b.toasts('kicked').waitFor();
  expect(await b.clientIds()).toEqual([]);
  await a.waitForClientGone(b.id);
  await c.waitForClientGone(b.id);
  expect(await a.page.locator('#target').inputValue()).toBe(''); // the target left

  await a.page.click('#kick-all');
  expect(await c.waitForState('closed')).toBe('Closed: kicked, All clients disconnected. (4000 Kicked)');
  await a.waitForClientGone(c.id);
  expect(await a.state()).toBe('open');
  await a.say('still here');
  await a.waitForEntry('broadcast', 'still here');
});

test('?url= points a page at a second server, whose shutdown the page reports', async () => {
  // The second server is `npm start`'s entry point as a real process, on the memory bus.
  const second = await ServiceProcess.start('all-in-one', { KAFKA_BROKERS: '', KAFKA_BROKER: '' });
  try {
    const served = await fetch(`${second.url}/`);
    expect(served.status).toBe(200);
    expect(await served.text()).toContain(`<title>${TITLE}</title>`);

    const local = await openPage();
    await local.connect();
    const remote = await openPage(`${base}/?url=${encodeURIComponent(second.wsUrl)}`);
    expect(await remote.serverUrl()).toBe(second.wsUrl);
    await remote.connect();
    expect(remote.id.split('-')[1]).not.toBe(server.gateway.id);
    expect(await remote.clientIds()).toEqual([remote.id]);
    expect(await local.clientIds()).not.toContain(remote.id);

    await second.stop();
    expect(await remote.waitForState('closed')).toBe('Closed: server shutdown, 1001 Server shutting down');
    expect(await local.state()).toBe('open');
  } finally {
    await second.kill();
  }
});

test('opened as a file, the page defaults to ws://localhost:8088 and takes ?url=', async () => {
  const file = pathToFileURL(pageFile).href;
  const standalone = await openPage(file);
  expect(await standalone.serverUrl()).toBe('ws://localhost:8088');
  const pointed = await openPage(`${file}?url=${encodeURIComponent(`ws://127.0.0.1:${server.port}`)}`);
  await pointed.connect();
  expect(pointed.id).toMatch(new RegExp(`^client-${server.gateway.id}-`));
});

test('frames it cannot parse are logged, not fatal; a dropped connection reads as network', async () => {
  const junk = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => junk.once('listening', resolve));
  const dropped = new Promise<void>((resolve) => {
    junk.on('connection', (ws) => {
      ws.send(JSON.stringify({ type: 'welcome', clientId: 'client-junk-1' }));
      ws.send(JSON.stringify({ type: 'client-list', clients: ['client-junk-1', 'client-junk-2'], id: 'j-0' }));
      ws.send('this is not JSON');
      ws.send(JSON.stringify({ type: 'mystery', clientId: 1 }));
      ws.send(JSON.stringify({ type: 'kafka', from: 'client-junk-2', message: 'still alive', timestamp: 0, id: 'j-1' }));
      ws.on('message', () => {
        ws.terminate();
        resolve();
      });
    });
  });
  try {
    const { port } = junk.address() as { port: number };
    const page = await openPage(`${base}/?url=${encodeURIComponent(`ws://127.0.0.1:${port}`)}`);
    expect(await page.connect()).toBe('client-junk-1');
    const alive = await page.waitForEntry('broadcast', 'still alive');
    expect(await alive.locator('time').textContent()).toBe('08:00:00 HKT'); // epoch 0 in Hong Kong
    expect(await page.entries('invalid').allTextContents()).toEqual([
      expect.stringContaining('{"type":"mystery","clientId":1}'),
      expect.stringContaining('Unparseable frame (not JSON): this is not JSON'),
    ]);
    expect(await page.state()).toBe('open');

    await page.say('anything');
    await dropped;
    expect(await page.waitForState('closed')).toBe('Closed: network: connection lost, 1006');
  } finally {
    await new Promise((resolve) => junk.close(resolve));
  }
});

test('is usable at 375 px and on a desktop; screenshots are saved', async () => {
  const alice = await openPage(`${base}/`, DESKTOP);
  const bob = await openPage(`${base}/`, PHONE);
  const carol = await openPage(`${base}/`, DESKTOP);
  await connectAll(alice, bob, carol);

  await carol.say('Deploy finished: v4.0.0 is live');
  await bob.pick(alice.id);
  await bob.say('Can you check the gateway logs?');
  await alice.waitForEntry('direct', 'Can you check the gateway logs?');
  await carol.say(XSS);
  await alice.waitForEntry('broadcast', XSS);
  await alice.say('On it. Everything looks fine from here.');
  await bob.waitForEntry('broadcast', 'On it. Everything looks fine from here.');
  await alice.pick(bob.id);

  // Nothing sticks out sideways at 375 px, and every control is on screen.
  expect(await bob.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
  for (const control of ['#server-url', '#connect', '#disconnect', '#target', '#message', '#send', '#kick-one', '#kick-all']) {
    const box = await bob.page.locator(control).boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
  }

  const shots = [
    { page: alice, name: 'client-simulator-desktop.png' },
    { page: bob, name: 'client-simulator-375.png' },
  ];
  const folders = [`${root}test-results/screenshots`];
  if (process.env.UPDATE_SCREENSHOTS === '1') folders.push(`${root}docs/screenshots`);
  mkdirSync(folders[0]!, { recursive: true });
  for (const { page, name } of shots) {
    await page.page.screenshot({ path: `${folders[0]}/${name}`, fullPage: true, animations: 'disabled' });
    for (const folder of folders.slice(1)) {
      mkdirSync(folder, { recursive: true });
      copyFileSync(`${folders[0]}/${name}`, `${folder}/${name}`);
    }
  }
});
