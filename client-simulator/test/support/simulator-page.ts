import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

export interface Viewport {
  width: number;
  height: number;
}

export const DESKTOP: Viewport = { width: 1280, height: 800 };
export const PHONE: Viewport = { width: 375, height: 740 };
export const SIZES = [
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as const;

export type EntryKind = 'welcome' | 'broadcast' | 'direct' | 'error' | 'kicked' | 'presence' | 'sent' | 'system' | 'invalid';
export type PanelState = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed';

/** One simulated client of the page (one panel), driven through its controls as a person would. */
export class SimClient {
  /** This client's id, once connected. */
  id = '';
  readonly root: Locator;

  constructor(
    readonly page: Page,
    readonly key: string,
  ) {
    this.root = page.locator(`.panel[data-client="${key}"]`);
  }

  /** An element of this client's panel. */
  part(selector: string): Locator {
    return this.root.locator(selector);
  }

  tab(): Locator {
    return this.page.locator(`#tab-${this.key}`);
  }

  /** Shows this client's panel (its tab). */
  async show(): Promise<void> {
    await this.tab().click();
    await this.root.waitFor();
  }

  /** Clicks Connect and resolves with the client id once the client list shows this client. */
  async connect(): Promise<string> {
    await this.part('.connect').click();
    return this.waitForSelf();
  }

  /**
   * Waits for the status to say whom we are connected as, then for the client list to mark that
   * id as us (after a connect or a reconnect), and returns it. The status first: the list of the
   * last connection stays up while the page reconnects, and the welcome that sets the status
   * replaces it unless the session was resumed.
   */
  async waitForSelf(): Promise<string> {
    const status = this.part('.status[data-state="open"] .status__text').filter({ hasText: /^Connected as \S+$/ });
    await status.waitFor({ state: 'attached' });
    this.id = /^Connected as (\S+)$/.exec((await status.textContent()) ?? '')![1]!;
    await this.part(`.client-list .client--self[data-client-id="${this.id}"]`).waitFor();
    return this.id;
  }

  async state(): Promise<string | null> {
    return this.part('.status').getAttribute('data-state');
  }

  async statusText(): Promise<string> {
    return (await this.part('.status__text').textContent()) ?? '';
  }

  /** Waits for the status indicator to reach `state`, and returns its text. */
  async waitForState(state: PanelState, timeout?: number): Promise<string> {
    await this.part(`.status[data-state="${state}"]`).waitFor({ state: 'attached', ...(timeout ? { timeout } : {}) });
    return this.statusText();
  }

  client(id: string): Locator {
    return this.part(`.client-list [data-client-id="${id}"]`);
  }

  async waitForClients(...ids: string[]): Promise<void> {
    for (const id of ids) await this.client(id).waitFor();
  }

  async waitForClientGone(id: string): Promise<void> {
    await this.client(id).waitFor({ state: 'detached' });
  }

  async clientIds(): Promise<string[]> {
    const ids = await Promise.all((await this.part('.client-list [data-client-id]').all()).map((b) => b.getAttribute('data-client-id')));
    return ids.filter((id): id is string => id !== null);
  }

  /** Picks a client in the sidebar: the target of the next direct message or kick. */
  async pick(id: string): Promise<void> {
    await this.client(id).click();
  }

  /** Types a message and presses Enter. */
  async say(text: string): Promise<void> {
    await this.part('.message').fill(text);
    await this.part('.message').press('Enter');
  }

  entries(kind?: EntryKind): Locator {
    return this.part(kind ? `.log li[data-kind="${kind}"]` : '.log li');
  }

  /** Waits for a log entry of this kind whose text is exactly `text`, and returns it. */
  async waitForEntry(kind: EntryKind, text: string): Promise<Locator> {
    const entry = this.entries(kind).filter({ has: this.page.locator('.entry__text', { hasText: text }) }).first();
    await entry.waitFor({ state: 'attached' });
    const shown = await entry.locator('.entry__text').textContent();
    if (shown !== text) throw new Error(`log entry shows ${JSON.stringify(shown)}, expected ${JSON.stringify(text)}`);
    return entry;
  }

  toasts(kind?: EntryKind): Locator {
    return this.part(kind ? `.toasts [data-kind="${kind}"]` : '.toasts .toast');
  }
}

/** One browser tab with the client simulator; as a SimClient it is its first client. */
export class SimulatorPage extends SimClient {
  /** Uncaught exceptions and console errors (a CSP violation is one): a healthy page has none. */
  readonly errors: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    page: Page,
  ) {
    super(page, '1');
    page.on('pageerror', (err) => this.errors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.errors.push(`console: ${msg.text()}`);
    });
  }

  /** Opens `url` in a new browser context, in New York time so that HKT on the page is not the browser's zone. */
  static async open(browser: Browser, url: string, viewport: Viewport = DESKTOP): Promise<SimulatorPage> {
    const context = await browser.newContext({ viewport, timezoneId: 'America/New_York', locale: 'en-US' });
    const simulator = new SimulatorPage(context, await context.newPage());
    await simulator.page.goto(url);
    await simulator.part('.status[data-state="idle"]').waitFor();
    return simulator;
  }

  async serverUrl(): Promise<string> {
    return this.page.locator('#server-url').inputValue();
  }

  /** Adds a simulated client with "+ Client" (it connects at once) and returns it once welcomed. */
  async addClient(): Promise<SimClient> {
    const count = await this.page.locator('.panel').count();
    await this.page.click('#add-client');
    const key = await this.page.locator('.panel').nth(count).getAttribute('data-client');
    const client = new SimClient(this.page, key!);
    await client.waitForSelf();
    return client;
  }

  /** The admin view, shown. */
  async admin(): Promise<Locator> {
    await this.page.click('#admin-tab');
    const panel = this.page.locator('#admin-panel');
    await panel.waitFor();
    return panel;
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

/** The element's box lies inside the viewport. */
export async function inViewport(locator: Locator, viewport: Viewport): Promise<boolean> {
  const box = await locator.boundingBox();
  return box !== null && box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width + 0.5 && box.y + box.height <= viewport.height + 0.5;
}
