import { simulatorSuite } from './support/simulator-env.js';
import { inViewport, PHONE, SIZES, type SimulatorPage } from './support/simulator-page.js';

/** The defects of issue 12, 1 to 6, each at 1280×800 and at 375×740. */
const suite = simulatorSuite();
const { pages } = suite;
const sender = suite.sender;

describe.each(SIZES)('at %s size', (_name, size) => {
  const open = (): Promise<SimulatorPage> => pages.open(`${suite.base}/`, size);

  test('1. the log scrolls in its own box: after 300 messages the page does not scroll and the composer is on screen', async () => {
    const page = await open();
    await page.connect();
    const other = await sender();
    await page.waitForClients(other.id);
    for (let i = 1; i <= 300; i++) other.send({ type: 'broadcast-all', message: `message ${i} ${'lorem ipsum '.repeat(i % 12)}` });
    await page.waitForEntry('broadcast', `message 300 ${'lorem ipsum '.repeat(0)}`);
    expect(await page.entries().count()).toBeGreaterThanOrEqual(300);

    const layout = (): Promise<{ page: number; viewport: number; logScroll: number; logBox: number }> =>
      page.page.evaluate(`(() => {
        const log = document.querySelector('.panel:not([hidden]) .log');
        return { page: document.documentElement.scrollHeight, viewport: window.innerHeight, logScroll: log.scrollHeight, logBox: log.clientHeight };
      })()`);
    const before = await layout();
    expect(before.page).toBeLessThanOrEqual(before.viewport);
    expect(before.logScroll).toBeGreaterThan(before.logBox * 10);
    for (const control of ['.message', '.send', '.target', '.kick-all']) expect([control, await inViewport(page.part(control), size)]).toEqual([control, true]);
    // Scrolled to the oldest entry, the composer is still where it was.
    const composer = await page.part('.composer').boundingBox();
    await page.part('.log').evaluate((log) => log.scrollTo(0, log.scrollHeight));
    expect(await page.part('.composer').boundingBox()).toEqual(composer);
    expect(await page.page.evaluate('window.scrollY')).toBe(0);
    await page.say('typed after 300');
    await page.waitForEntry('broadcast', 'typed after 300');
  });

  test('3. a 60 KiB message is a short entry with "Show all"; its JSON view scrolls in its own box', async () => {
    const page = await open();
    await page.connect();
    const other = await sender();
    const huge = 'All work and no play makes Jack a dull boy.\n'.repeat(1400);
    expect(huge.length).toBeGreaterThan(60 * 1024);
    other.send({ type: 'broadcast-all', message: huge });
    const entry = page.entries('broadcast').first();
    await entry.waitFor();
    const height = (await entry.boundingBox())!.height;
    expect(height).toBeLessThan(300);
    const more = entry.locator('.entry__more');
    expect(await more.textContent()).toBe('Show all (60.2 KiB)');
    await more.click();
    expect((await entry.locator('.entry__text').textContent())!.length).toBe(huge.length);
    expect(await more.textContent()).toBe('Show less');
    await more.click();
    expect((await entry.boundingBox())!.height).toBe(height);
    await entry.locator('.entry__json').click();
    expect((await entry.locator('.entry__raw pre').boundingBox())!.height).toBeLessThan(300);
    // The toast shows the start only.
    expect((await page.toasts('broadcast').first().boundingBox())!.height).toBeLessThan(100);
  });

  test('4. over the limit is refused before sending; self cannot be picked; kick all needs a confirmation', async () => {
    const page = await open();
    await page.connect();
    const other = await sender();
    await page.waitForClients(other.id);

    await page.part('.message').fill('x'.repeat(70_000));
    const sizeNote = page.part('.composer__size');
    expect(await sizeNote.textContent()).toBe('Too big: 70,037 bytes, the limit is 65,536. The server would close the connection (1009), so it is not sent.');
    expect(await page.part('.send').isDisabled()).toBe(true);
    await page.part('.message').press('Enter');
    await page.part('.message').fill('fits');
    expect(await sizeNote.isHidden()).toBe(true);
    await page.part('.message').press('Enter');
    await page.waitForEntry('broadcast', 'fits');
    expect(await page.state()).toBe('open');
    expect(other.of('kafka').map((f) => f.message)).not.toContain('x'.repeat(70_000));
    // The limit is a setting, for servers with another MAX_PAYLOAD_BYTES.
    await page.page.click('.options summary');
    await page.page.fill('#frame-limit', '100');
    await page.page.click('.options summary');
    await page.part('.message').fill('y'.repeat(80));
    expect(await sizeNote.textContent()).toMatch(/^Too big: 117 bytes, the limit is 100\./);
    expect(await page.part('.send').isDisabled()).toBe(true);
    await page.part('.message').fill('');

    // Ourselves: listed, labelled, not a target.
    expect(await page.client(page.id).isDisabled()).toBe(true);
    expect(await page.part(`.target option[value="${page.id}"]`).isDisabled()).toBe(true);
    await page.client(page.id).click({ force: true });
    expect(await page.part('.target').inputValue()).toBe('');

    // Kick all: Cancel and Escape do nothing; only the confirmation kicks.
    await page.part('.kick-all').click();
    const dialog = page.page.locator('dialog[open]');
    expect(await dialog.locator('.confirm__message').textContent()).toBe(
      'All 1 other client on every gateway will be disconnected (close code 4000). You stay connected.',
    );
    expect(await inViewport(dialog, size)).toBe(true);
    await dialog.locator('.confirm__cancel').click();
    await page.part('.kick-all').click();
    await page.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.say('nobody was kicked');
    await other.next('kafka', (f) => f.message === 'nobody was kicked');
    expect(other.of('kicked')).toEqual([]);
    await page.part('.kick-all').click();
    await dialog.locator('.confirm__ok').click();
    expect((await other.closed).code).toBe(4000);
  });

  test('5. status and buttons follow the socket: a bad URL is reported at the field, Connect cannot reconnect an open client', async () => {
    const page = await open();
    const id = await page.connect();
    const other = await sender();
    expect(await page.part('.connect').isDisabled()).toBe(true);
    expect(await page.part('.disconnect').isEnabled()).toBe(true);

    await page.page.fill('#server-url', 'localhost:9999');
    await page.page.press('#server-url', 'Tab');
    const error = page.page.locator('#server-url-error');
    expect(await error.textContent()).toBe('Not a ws:// or wss:// URL: localhost:9999');
    expect(await page.page.locator('#server-url').getAttribute('aria-invalid')).toBe('true');
    expect(await page.state()).toBe('open');
    expect(await page.statusText()).toBe(`Connected as ${id}`);
    other.send({ type: 'broadcast-all', message: 'still arriving' });
    await page.waitForEntry('broadcast', 'still arriving');
    // Enter in the URL field does not reconnect either.
    await page.page.press('#server-url', 'Enter');
    await page.say('same id');
    expect(await (await page.waitForEntry('broadcast', 'same id')).locator('.entry__who').textContent()).toBe(`${id} (you)`);
    expect(await page.entries('welcome').count()).toBe(1);

    await page.part('.disconnect').click();
    expect(await page.waitForState('closed')).toBe('Closed: disconnected by you, 1000 Disconnect');
    expect(await page.part('.connect').isEnabled()).toBe(true);
    expect(await page.part('.disconnect').isDisabled()).toBe(true);
    await page.part('.connect').click();
    expect(await error.isVisible()).toBe(true);
    expect(await page.statusText()).toBe('Closed: disconnected by you, 1000 Disconnect');
    await page.page.fill('#server-url', suite.wsUrl);
    expect(await error.isHidden()).toBe(true);
    expect(await page.connect()).not.toBe(id);
  });

  test('6. keyboard: Enter and Space on a client keep the focus there; toasts close with Escape or their button', async () => {
    const page = await open();
    await page.connect();
    const other = await sender();
    await page.waitForClients(other.id);
    await page.client(other.id).focus();
    await page.page.keyboard.press('Enter');
    expect(await page.part('.target').inputValue()).toBe(other.id);
    const focused = (): Promise<string | undefined> => page.page.evaluate('document.activeElement?.dataset.clientId');
    expect(await focused()).toBe(other.id);
    // A client list update (someone connects) does not take the focus away either.
    const third = await sender();
    await page.waitForClients(third.id);
    expect(await focused()).toBe(other.id);
    await page.page.keyboard.press('Space');
    expect(await page.part('.target').inputValue()).toBe('');
    expect(await focused()).toBe(other.id);

    other.send({ type: 'broadcast-all', message: 'toast one' });
    await page.toasts('broadcast').filter({ hasText: 'toast one' }).waitFor();
    await page.page.keyboard.press('Escape');
    await page.toasts().first().waitFor({ state: 'detached' });
    other.send({ type: 'broadcast-all', message: 'toast two' });
    const close = page.toasts('broadcast').filter({ hasText: 'toast two' }).locator('.toast__close');
    expect(await close.getAttribute('aria-label')).toBe(`Dismiss: Broadcast from ${other.id}`);
    await close.focus();
    await page.page.keyboard.press('Enter');
    await page.toasts().first().waitFor({ state: 'detached' });

    // Three at once: on a phone only the newest shows, over a small part of the log.
    for (const text of ['first', 'second', 'third']) other.send({ type: 'broadcast-all', message: text });
    await page.toasts('broadcast').filter({ hasText: 'third' }).waitFor();
    const visible = await page.part('.toast:visible').count();
    expect(visible).toBe(size === PHONE ? 1 : 3);
    const log = (await page.part('.log').boundingBox())!;
    let covered = 0;
    for (const toast of await page.part('.toast:visible').all()) {
      const box = (await toast.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(log.y + log.height + 1); // over the log, never over the composer
      covered += box.width * box.height;
    }
    expect(covered / (log.width * log.height)).toBeLessThan(size === PHONE ? 0.2 : 0.5);
  });
});
