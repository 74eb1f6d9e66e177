import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

export interface Viewport {
  width: number;
  height: number;
}

export const DESKTOP: Viewport = { width: 1280, height: 800 };
export const PHONE: Viewport = { width: 375, height: 812 };

export type EntryKind = 'welcome' | 'broadcast' | 'direct' | 'error' | 'kicked' | 'presence' | 'sent' | 'system' | 'invalid';

/** One browser tab with the client simulator, driven through its controls as a person would. */
export class SimulatorPage {
  /** Uncaught exceptions and console errors (a CSP violation is one): a healthy page has none. */
  readonly errors: string[] = [];
  /** This page's client id, once connected. */
  id = '';

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
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
    await simulator.page.locator('#status[data-state="idle"]').waitFor();
    return simulator;
  }

  async serverUrl(): Promise<string> {
    return this.page.locator('#server-url').inputValue();
  }

  /** Clicks Connect and resolves with the client id once the client list shows this client. */
  async connect(): Promise<string> {
    await this.page.click('#connect');
    const self = this.page.locator('#client-list .client--self');
    await self.waitFor();
    this.id = (await self.getAttribute('data-client-id')) ?? '';
    return this.id;
  }

  async state(): Promise<string | null> {
    return this.page.locator('#status').getAttribute('data-state');
  }

  async statusText(): Promise<string> {
    return (await this.page.locator('#status-text').textContent()) ?? '';
  }

  /** Waits for the status indicator to reach `state`, and returns its text. */
  async waitForState(state: 'connecting' | 'open' | 'closed'): Promise<string> {
    await this.page.locator(`#status[data-state="${state}"]`).waitFor();
    return this.statusText();
  }

  client(id: string): Locator {
    return this.page.locator(`#client-list [data-client-id="${id}"]`);
  }

  async waitForClients(...ids: string[]): Promise<void> {
    for (const id of ids) await this.client(id).waitFor();
  }

  async waitForClientGone(id: string): Promise<void> {
    await this.client(id).waitFor({ state: 'detached' });
  }

  async clientIds(): Promise<string[]> {
    const ids = await Promise.all((await this.page.locator('#client-list [data-client-id]').all()).map((b) => b.getAttribute('data-client-id')));
    return ids.filter((id): id is string => id !== null);
  }

  /** Picks a client in the sidebar: the target of the next direct message or kick. */
  async pick(id: string): Promise<void> {
    await this.client(id).click();
  }

  /** Types a message and presses Enter. */
  async say(text: string): Promise<void> {
    await this.page.fill('#message', text);
    await this.page.press('#message', 'Enter');
  }

  entries(kind: EntryKind): Locator {
    return this.page.locator(`#log li[data-kind="${kind}"]`);
  }

  /** Waits for a log entry of this kind whose text is exactly `text`, and returns it. */
  async waitForEntry(kind: EntryKind, text: string): Promise<Locator> {
    const entry = this.entries(kind).filter({ has: this.page.locator('.entry__text', { hasText: text }) }).first();
    await entry.waitFor();
    const shown = await entry.locator('.entry__text').textContent();
    if (shown !== text) throw new Error(`log entry shows ${JSON.stringify(shown)}, expected ${JSON.stringify(text)}`);
    return entry;
  }

  toasts(kind: EntryKind): Locator {
    return this.page.locator(`#toasts [data-kind="${kind}"]`);
  }

  close(): Promise<void> {
    return this.context.close();
  }
}
