import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { startAllInOne, type AllInOne } from '@cmf/all-in-one';
import { createLogger, loadConfig } from '@cmf/shared';
import { TestClient } from '../../test/support/test-client.js';
import { buildAndServe, Pages } from './support/simulator-env.js';
import { inViewport, SIZES, type SimulatorPage } from './support/simulator-page.js';
import { TcpProxy } from './support/tcp-proxy.js';

/**
 * Reconnect (issue 12) and the client side of resume (issue 11), at both sizes: against the real
 * all-in-one server, stopped and started again, or with its sockets cut; and against a server
 * scripted here, for the answers ours gives only on a bad day (complete:false, an expired token).
 */
const pages = new Pages();
let server: AllInOne;
let base: string;
const cleanup: (() => Promise<unknown>)[] = [];
/**
 * Chromium logs each refused WebSocket (to that URL, with or without a resume query) as a console
 * error: expected while a server is down, and only then. A refusing proxy shows as a refused or
 * reset connection, or as one closed before the handshake's answer, depending on timing.
 */
let refusedUrl: string | undefined;
const refused = (error: string): boolean =>
  refusedUrl !== undefined && error.startsWith(`console: WebSocket connection to '${refusedUrl}`) && /(net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|SOCKET_NOT_CONNECTED)|Connection closed before receiving a handshake response)$/.test(error);

/** A server on `port` that takes sockets from pages served by the test's own server (their origin). */
const allInOne = (port: number): Promise<AllInOne> =>
  startAllInOne(loadConfig({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', ALLOWED_ORIGINS: base }), createLogger('silent'));

beforeAll(async () => {
  await pages.launch();
  // Pages reach it through a TCP relay on another port too: any origin may connect (origins have tests of their own).
  server = await buildAndServe({ ALLOWED_ORIGINS: '*' });
  base = `http://127.0.0.1:${server.port}`;
});

afterEach(async () => {
  const errors = (await pages.closeAll()).filter((e) => !refused(e));
  refusedUrl = undefined;
  for (const step of cleanup.splice(0).reverse()) await step();
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await pages.close();
  await server?.close();
});

/** The attempt number and seconds left the status shows while waiting. */
async function countdown(page: SimulatorPage): Promise<{ seconds: number; attempt: number; reason: string }> {
  const text = await page.waitForState('waiting');
  const match = /^Reconnecting in (\d+) s \(attempt (\d+)\): (.*)$/.exec(text);
  if (!match) throw new Error(`status while waiting: ${text}`);
  return { seconds: Number(match[1]), attempt: Number(match[2]), reason: match[3]! };
}

describe.each(SIZES)('at %s size', (_name, size) => {
  const open = (url: string): Promise<SimulatorPage> => pages.open(`${base}/?url=${encodeURIComponent(url)}`, size);

  test('2. the server restarts: the page counts down, retries with backoff while it is down, and is back on its own', async () => {
    let restartable = await allInOne(0);
    const port = restartable.port;
    cleanup.push(() => restartable.close());
    refusedUrl = `ws://127.0.0.1:${port}/`;
    const page = await open(`ws://127.0.0.1:${port}`);
    const first = await page.connect();

    await restartable.close();
    const lost = await countdown(page);
    expect(lost).toMatchObject({ attempt: 1, reason: 'server shutdown, 1001 Server shutting down' });
    expect(lost.seconds).toBeLessThanOrEqual(1);
    expect(await page.part('.reconnect-now').isVisible()).toBe(true);
    expect(await page.part('.connect').isHidden()).toBe(true);
    expect(await page.part('.disconnect').isEnabled()).toBe(true);
    expect(await page.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(size.width);
    expect(await inViewport(page.part('.disconnect'), size)).toBe(true);
    expect(await page.tab().getAttribute('data-state')).toBe('waiting');
    // Down: each retry fails and the next wait is longer.
    await page.part('.status__text').filter({ hasText: '(attempt 3):' }).waitFor({ state: 'attached' });
    expect((await countdown(page)).reason).toBe('network: could not connect, 1006');

    restartable = await allInOne(port);
    const second = await page.waitForSelf();
    expect(second).not.toBe(first);
    expect(second).toMatch(new RegExp(`^client-${restartable.gateway.id}-`));
    expect(await page.waitForState('open')).toBe(`Connected as ${second}`);
    // The page tried to resume; the new process signs tokens with a key of its own, so it refused
    // the token, saying why, and the page carried on as a new client.
    const retry = page.entries('system').filter({ hasText: 'Reconnecting to' }).first();
    expect(await retry.locator('.entry__text').textContent()).toMatch(new RegExp(`^Reconnecting to ws://127\\.0\\.0\\.1:${port}/\\?resume=[^&]+&last=\\d+ \\(attempt [3-9]\\)$`));
    await page.waitForEntry('error', 'The resume token was not signed by this server');
    expect(await page.entries('system').filter({ hasText: 'did not resume' }).count()).toBe(0);
    await page.say('back after the restart');
    await page.waitForEntry('broadcast', 'back after the restart');
  });

  test('sockets cut without a close frame (1006): back on its own, resumed; "Reconnect now" skips the countdown; Disconnect or the option stops retrying', async () => {
    const proxy = await TcpProxy.start(server.port);
    cleanup.push(() => proxy.close());
    refusedUrl = `${proxy.url}/`;
    const observer = await TestClient.connect(`ws://127.0.0.1:${server.port}`);
    cleanup.push(() => observer.close());
    const page = await open(proxy.url);
    const first = await page.connect();

    proxy.refusing = true;
    proxy.dropAll();
    expect((await countdown(page)).reason).toBe('network: connection lost, 1006');
    await page.waitForEntry('system', 'Disconnected: network: connection lost, 1006. Reconnecting on its own.');
    // Let the backoff grow to a wait of 2-4 s, then skip it.
    await page.part('.status__text').filter({ hasText: '(attempt 4):' }).waitFor({ state: 'attached' });
    expect((await countdown(page)).seconds).toBeGreaterThanOrEqual(2);
    proxy.refusing = false;
    const clicked = Date.now();
    await page.part('.reconnect-now').click();
    const second = await page.waitForSelf();
    expect(Date.now() - clicked).toBeLessThan(1_500);
    // The same server, back within RESUME_GRACE_MS: the same client, and nobody else saw it go.
    expect(second).toBe(first);
    await page.waitForEntry('welcome', `Resumed as ${first}: what was missed follows, marked replayed`);
    observer.send({ type: 'broadcast', message: 'after the resume' });
    await page.waitForEntry('broadcast', 'after the resume');
    expect(observer.frames.filter((f) => f.type === 'client-disconnected' && f.clientId === first)).toEqual([]);

    proxy.refusing = true;
    proxy.dropAll();
    await countdown(page);
    await page.part('.disconnect').click();
    expect(await page.waitForState('closed')).toBe('Closed: disconnected by you, 1000');
    proxy.refusing = false;
    await page.page.waitForTimeout(1_500);
    expect(proxy.open).toBe(0);
    expect(await page.state()).toBe('closed');

    // With reconnect turned off, a dropped connection stays closed.
    await page.page.click('.options summary');
    await page.page.uncheck('#auto-reconnect');
    await page.page.keyboard.press('Escape');
    await page.connect();
    proxy.dropAll();
    expect(await page.waitForState('closed')).toBe('Closed: network: connection lost, 1006');
    await page.page.waitForTimeout(1_000);
    expect(proxy.open).toBe(0);
  });

  test('resume: the page reconnects with its token and last id, marks the replay, says when it is incomplete or refused', async () => {
    const urls: string[] = [];
    let socket: WebSocket | undefined;
    const script = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => script.once('listening', resolve));
    cleanup.push(async () => {
      for (const ws of script.clients) ws.terminate();
      await new Promise((resolve) => script.close(resolve));
    });
    const send = (frame: object): void => socket!.send(JSON.stringify(frame));
    const now = Date.now;
    script.on('connection', (ws: WebSocket, req: IncomingMessage) => {
      socket = ws;
      urls.push(req.url ?? '');
      switch (urls.length) {
        case 1:
          send({ type: 'welcome', clientId: 'client-r-1', resumeToken: 'T1' });
          send({ type: 'client-list', clients: ['client-r-1', 'client-r-8', 'client-r-9'], id: 'p-1' });
          send({ type: 'kafka', from: 'client-r-9', message: 'before the drop', timestamp: now(), id: '3-0-2' });
          break;
        case 2:
          send({ type: 'welcome', clientId: 'client-r-1', resumeToken: 'T 2/+', resumed: true, complete: true });
          send({ type: 'kafka', from: 'client-r-9', message: 'missed while away', timestamp: now() - 5_000, id: '3-0-3' });
          send({ type: 'client-disconnected', clientId: 'client-r-8', id: 'p-2' });
          send({ type: 'client-connected', clientId: 'client-r-7', id: 'p-3' });
          send({ type: 'direct', from: 'client-r-9', message: 'missed direct', timestamp: now() - 4_000, id: '1-0-7' });
          // The live stream follows the replay.
          setTimeout(() => send({ type: 'kafka', from: 'client-r-9', message: 'live again', timestamp: now(), id: '3-0-4' }), 200);
          break;
        case 3:
          send({ type: 'welcome', clientId: 'client-r-1', resumeToken: 'T3', resumed: true, complete: false });
          break;
        case 4:
          send({ type: 'error', code: 'resume-refused', message: 'token expired' });
          send({ type: 'welcome', clientId: 'client-r-2', resumeToken: 'T4' });
          send({ type: 'client-list', clients: ['client-r-2', 'client-r-9'], id: 'p-4' });
          break;
        default:
          send({ type: 'welcome', clientId: 'client-r-3' });
      }
    });
    const { port } = script.address() as { port: number };
    const page = await open(`ws://127.0.0.1:${port}`);
    expect(await page.connect()).toBe('client-r-1');
    await page.waitForEntry('welcome', 'Connected as client-r-1 (resumable)');
    await page.waitForEntry('broadcast', 'before the drop');

    socket!.terminate();
    await page.waitForEntry('broadcast', 'live again');
    expect(urls[1]).toBe('/?resume=T1&last=3-0-2');
    expect(await page.statusText()).toBe('Connected as client-r-1');
    await page.waitForEntry('welcome', 'Resumed as client-r-1: what was missed follows, marked replayed');
    const replayed = page.part('.log li:has(.badge--replayed) .entry__text');
    expect((await replayed.allTextContents()).reverse()).toEqual(['missed while away', 'disconnected', 'connected', 'missed direct']);
    // The list was kept through the drop (a resume sends none) and follows who left and came meanwhile.
    expect(await page.clientIds()).toEqual(['client-r-1', 'client-r-9', 'client-r-7']);
    expect(await (await page.waitForEntry('broadcast', 'live again')).locator('.badge--replayed').count()).toBe(0);
    expect(await page.toasts().filter({ hasText: 'missed' }).count()).toBe(0); // old news is not a toast

    socket!.terminate();
    await page.waitForEntry('error', 'Part of what was sent while disconnected is no longer kept by the server (complete: false): those messages are lost.');
    // Newest first: the warning, then the resumed welcome it is about.
    expect((await page.entries().nth(1).locator('.entry__text').textContent())).toBe('Resumed as client-r-1: only part of what was missed follows');
    expect(urls[2]).toBe(`/?resume=${encodeURIComponent('T 2/+').replace(/%20/g, '+')}&last=3-0-4`);

    socket!.terminate();
    await page.waitForEntry('error', 'token expired');
    await page.waitForEntry('welcome', 'Connected as client-r-2 (resumable)');
    expect(urls[3]).toBe('/?resume=T3&last=3-0-4');
    expect(await page.waitForSelf()).toBe('client-r-2');
    // A new client: the new list only, the old id gone.
    expect(await page.clientIds()).toEqual(['client-r-2', 'client-r-9']);

    // Resume turned off: the next reconnect is plain.
    await page.page.click('.options summary');
    await page.page.uncheck('#resume');
    await page.page.click('h1'); // a click elsewhere closes the Options
    socket!.terminate();
    await page.waitForEntry('welcome', 'Connected as client-r-3');
    expect(urls[4]).toBe('/');
  });

  test('resuming against our server with a token it did not sign: refused with the reason, and the page carries on as a new client', async () => {
    const script = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => script.once('listening', resolve));
    cleanup.push(async () => {
      for (const ws of script.clients) ws.terminate();
      await new Promise((resolve) => script.close(resolve));
    });
    script.on('connection', (ws: WebSocket) => {
      ws.send(JSON.stringify({ type: 'welcome', clientId: 'client-r-1', resumeToken: 'T1' }));
      ws.send(JSON.stringify({ type: 'client-list', clients: ['client-r-1'], id: 'p-1' }));
      ws.send(JSON.stringify({ type: 'kafka', from: 'client-r-9', message: 'with an id', timestamp: Date.now(), id: '7-0-1' }));
    });
    const page = await open(`ws://127.0.0.1:${(script.address() as { port: number }).port}`);
    await page.connect();
    await page.waitForEntry('broadcast', 'with an id');
    // The next connection goes to the all-in-one server, with the token and the last id.
    await page.page.fill('#server-url', `ws://127.0.0.1:${server.port}`);
    for (const ws of script.clients) ws.terminate();
    await page.waitForClientGone('client-r-1');
    const fresh = await page.waitForSelf();
    expect(fresh).toMatch(new RegExp(`^client-${server.gateway.id}-`));
    await page.waitForEntry('system', `Reconnecting to ws://127.0.0.1:${server.port}/?resume=T1&last=7-0-1 (attempt 1)`);
    await page.waitForEntry('error', 'The resume token is malformed');
    await page.say('works as a fresh connection');
    await page.waitForEntry('broadcast', 'works as a fresh connection');
  });
});
