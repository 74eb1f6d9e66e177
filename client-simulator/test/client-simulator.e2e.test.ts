import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { WebSocketServer } from 'ws';
import { startAllInOne, type AllInOne } from '@cmf/all-in-one';
import { createLogger, loadConfig } from '@cmf/shared';
import { ServiceProcess } from '../../test/support/service-process.js';
import { buildAndServe, connectAll, pageFile, Pages, root } from './support/simulator-env.js';
import { DESKTOP, inViewport, PHONE, type SimulatorPage, type Viewport } from './support/simulator-page.js';

const TITLE = 'CMF client simulator';
const XSS = `<img src=x onerror="document.title='pwned'">`;

const hkt = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Hong_Kong',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

const pages = new Pages();
let server: AllInOne;
let base: string;

const openPage = (url = `${base}/`, viewport?: Viewport): Promise<SimulatorPage> => pages.open(url, viewport);

beforeAll(async () => {
  await pages.launch();
  server = await buildAndServe();
  base = `http://127.0.0.1:${server.port}`;
});

afterEach(async () => {
  expect(await pages.closeAll()).toEqual([]);
});

afterAll(async () => {
  await pages.close();
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
  expect(await a.part('.client-list .client--self').getAttribute('data-client-id')).toBe(a.id);
  expect(await b.part('.client-list .client--self').getAttribute('data-client-id')).toBe(b.id);
  // The all-in-one server always gives a resume token.
  await a.waitForEntry('welcome', `Connected as ${a.id} (resumable)`);
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
  expect(await a.part('.message').inputValue()).toBe('');

  // The page shows the server's timestamp in Hong Kong time, whatever the browser's zone.
  const time = atB.locator('time');
  const shown = await time.textContent();
  expect(shown).toMatch(/^\d\d:\d\d:\d\d HKT$/);
  expect(shown).toBe(`${hkt.format(new Date((await time.getAttribute('datetime')) ?? ''))} HKT`);

  await a.pick(b.id);
  expect(await a.part('.target').inputValue()).toBe(b.id);
  expect(await a.part('.send').textContent()).toBe('Send direct');
  expect(await a.client(b.id).getAttribute('aria-pressed')).toBe('true');
  await a.say('psst, only for B');
  const direct = await b.waitForEntry('direct', 'psst, only for B');
  expect(await direct.locator('.entry__who').textContent()).toBe(a.id);
  await b.toasts('direct').filter({ hasText: 'psst, only for B' }).waitFor();
  await a.waitForEntry('sent', 'psst, only for B');

  // A direct message goes once: the composer is back to broadcasting.
  expect(await a.part('.target').inputValue()).toBe('');
  expect(await a.part('.send').textContent()).toBe('Broadcast');
  await a.say('and now everyone');
  await b.waitForEntry('broadcast', 'and now everyone');
  expect(await a.entries('direct').count()).toBe(0);
});

test('message text is never HTML: the XSS string arrives as text and runs nothing', async () => {
  const [a, b] = [await openPage(), await openPage()];
  await connectAll(a, b);
  await a.say(XSS);
  const entry = await b.waitForEntry('broadcast', XSS);
  await a.waitForEntry('broadcast', XSS);
  await b.toasts('broadcast').filter({ hasText: XSS }).waitFor();
  // Its JSON view is text too.
  await entry.locator('.entry__json').click();
  expect(await entry.locator('.entry__raw pre').textContent()).toContain(JSON.stringify(XSS).slice(1, -1));
  // A later message has arrived too: anything the first could have started has had its chance.
  await a.say('after the XSS');
  await b.waitForEntry('broadcast', 'after the XSS');
  for (const page of [a, b]) {
    expect(await page.page.title()).toBe(TITLE);
    expect(await page.page.locator('img').count()).toBe(0);
  }
  expect(await b.toasts('broadcast').filter({ hasText: XSS }).locator('.toast__text').textContent()).toBe(XSS);
});

test('a kicked page shows it was kicked and stays disconnected; kick all, once confirmed, spares the sender', async () => {
  const [a, b, c] = [await openPage(), await openPage(), await openPage()];
  await connectAll(a, b, c);

  await a.pick(b.id);
  expect(await a.part('.kick-one').getAttribute('title')).toBe(`Kick ${b.id}`);
  await a.part('.kick-one').click();
  expect(await b.waitForState('closed')).toBe('Closed: kicked, You have been kicked out. (4000 Kicked)');
  await b.waitForEntry('kicked', 'You have been kicked out.');
  await b.toasts('kicked').waitFor();
  expect(await b.clientIds()).toEqual([]);
  await a.waitForClientGone(b.id);
  await c.waitForClientGone(b.id);
  expect(await a.part('.target').inputValue()).toBe(''); // the target left

  await a.part('.kick-all').click();
  await a.page.locator('dialog[open] .confirm__ok').click();
  expect(await c.waitForState('closed')).toBe('Closed: kicked, All clients disconnected. (4000 Kicked)');
  await a.waitForClientGone(c.id);
  expect(await a.state()).toBe('open');
  await a.say('still here');
  await a.waitForEntry('broadcast', 'still here');
  // A kick is final: no reconnect, however long we wait.
  await b.page.waitForTimeout(1500);
  expect(await b.state()).toBe('closed');
  expect(await b.part('.reconnect-now').isHidden()).toBe(true);
});

test('?url= points a page at a second server; its shutdown (1001) is shown and retried, Disconnect stops it', async () => {
  // The second server is `npm start`'s entry point as a real process, on the memory bus.
  // Its pages may connect to it, and so may pages of the first server, which it lists.
  const second = await ServiceProcess.start('all-in-one', { KAFKA_BROKERS: '', KAFKA_BROKER: '', ALLOWED_ORIGINS: base });
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
    expect(await remote.waitForState('waiting')).toMatch(/^Reconnecting in \d+ s \(attempt 1\): server shutdown, 1001 Server shutting down$/);
    await remote.waitForEntry('system', `Disconnected: server shutdown, 1001 Server shutting down. Reconnecting on its own.`);
    expect(await local.state()).toBe('open');
    await remote.part('.disconnect').click();
    expect(await remote.waitForState('closed')).toBe('Closed: disconnected by you, 1000');
  } finally {
    await second.kill();
  }
});

test('opened as a file, the page defaults to ws://localhost:8088 and takes ?url=; its origin (null) must be allowed', async () => {
  const file = pathToFileURL(pageFile).href;
  const standalone = await openPage(file);
  expect(await standalone.serverUrl()).toBe('ws://localhost:8088');
  // The default gateway takes only pages of its own origin.
  const refused = await openPage(`${file}?url=${encodeURIComponent(`ws://127.0.0.1:${server.port}`)}`);
  await refused.part('.connect').click();
  expect(await refused.waitForState('closed')).toMatch(/1006/);
  // Chromium reports the refused handshake on the console: expected here, and only that.
  const unexpected = refused.errors.filter((e) => !/WebSocket connection to '.*' failed/.test(e));
  refused.errors.splice(0, refused.errors.length, ...unexpected);
  const allowing = await startAllInOne(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ALLOWED_ORIGINS: 'null' }), createLogger('silent'));
  try {
    const pointed = await openPage(`${file}?url=${encodeURIComponent(`ws://127.0.0.1:${allowing.port}`)}`);
    await pointed.connect();
    expect(pointed.id).toMatch(new RegExp(`^client-${allowing.gateway.id}-`));
  } finally {
    await allowing.close();
  }
});

test('frames it cannot parse are logged, not fatal; a dropped connection reads as network and is retried', async () => {
  const junk = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => junk.once('listening', resolve));
  let connections = 0;
  const dropped = new Promise<void>((resolve) => {
    junk.on('connection', (ws) => {
      connections++;
      ws.send(JSON.stringify({ type: 'welcome', clientId: `client-junk-${connections}` }));
      ws.send(JSON.stringify({ type: 'client-list', clients: [`client-junk-${connections}`, 'client-junk-x'], id: `j-${connections}` }));
      ws.send('this is not JSON');
      ws.send(JSON.stringify({ type: 'mystery', clientId: 1 }));
      ws.send(JSON.stringify({ type: 'kafka', from: 'client-junk-x', message: 'still alive', timestamp: 0, id: 'j-1' }));
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
      expect.stringContaining('Unparseable frame (type: unknown frame type "mystery"): {"type":"mystery","clientId":1}'),
      expect.stringContaining('Unparseable frame (not JSON): this is not JSON'),
    ]);
    expect(await page.state()).toBe('open');

    await page.say('anything');
    await dropped;
    await page.waitForEntry('system', 'Disconnected: network: connection lost, 1006. Reconnecting on its own.');
    // Back on its own, as a new client of this server (it has no resume).
    await page.waitForEntry('welcome', 'Connected as client-junk-2');
    expect(await page.statusText()).toBe('Connected as client-junk-2');
  } finally {
    for (const ws of junk.clients) ws.terminate();
    await new Promise((resolve) => junk.close(resolve));
  }
});

test('is usable at 375 px and on a desktop; screenshots are saved', async () => {
  const alice = await openPage(`${base}/`, DESKTOP);
  const bob = await openPage(`${base}/`, PHONE);
  await alice.connect();
  await bob.connect();
  const ops = await alice.addClient();
  await alice.show();
  await alice.page.check('#side-by-side');

  await ops.say('Deploy finished: v4.0.0 is live');
  await bob.pick(alice.id);
  await bob.say('Can you check the gateway logs?');
  await alice.waitForEntry('direct', 'Can you check the gateway logs?');
  await bob.say(XSS);
  await alice.waitForEntry('broadcast', XSS);
  for (const text of ['On it.', 'Everything looks fine from here.']) await alice.say(text);
  await bob.waitForEntry('broadcast', 'Everything looks fine from here.');
  await alice.pick(ops.id);
  await alice.say('Rolling the gateways one by one');
  await ops.waitForEntry('direct', 'Rolling the gateways one by one');
  await alice.waitForEntry('broadcast', 'Everything looks fine from here.');
  await (await alice.waitForEntry('broadcast', 'Deploy finished: v4.0.0 is live')).locator('.entry__json').click();
  // Escape closes the current client's toasts, newest first: the JSON stays in view.
  while ((await alice.toasts().count()) > 0) await alice.page.keyboard.press('Escape');

  // Nothing sticks out sideways at 375 px, and every control is on screen.
  expect(await bob.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
  for (const control of ['.connect', '.disconnect', '.target', '.message', '.send', '.kick-one', '.kick-all']) {
    expect([control, await inViewport(bob.part(control), PHONE)]).toEqual([control, true]);
  }
  expect(await inViewport(bob.page.locator('#server-url'), PHONE)).toBe(true);

  const folders = [`${root}test-results/screenshots`];
  if (process.env.UPDATE_SCREENSHOTS === '1') folders.push(`${root}docs/screenshots`);
  const shoot = async (page: SimulatorPage, name: string): Promise<void> => {
    mkdirSync(folders[0]!, { recursive: true });
    await page.page.screenshot({ path: `${folders[0]}/${name}`, animations: 'disabled' });
    for (const folder of folders.slice(1)) {
      mkdirSync(folder, { recursive: true });
      copyFileSync(`${folders[0]}/${name}`, `${folder}/${name}`);
    }
  };
  await shoot(alice, 'client-simulator-desktop.png');
  await shoot(bob, 'client-simulator-375.png');
  await bob.admin();
  await bob.page.locator(`#admin-clients tr[data-client-id="${ops.id}"]`).waitFor();
  expect(await bob.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
  await shoot(bob, 'client-simulator-admin-375.png');
});
