import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { startAllInOne, type AllInOne } from '@cmf/all-in-one';
import { createLogger, loadConfig } from '@cmf/shared';
import { TestClient } from '../../../test/support/test-client.js';
import { launchChromium } from './chromium.js';
import { DESKTOP, SimulatorPage, type Viewport } from './simulator-page.js';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const pageFile = `${root}client-simulator/dist/client-simulator.html`;

/** Builds the page and starts the all-in-one server (memory bus) it is served by. */
export async function buildAndServe(env: Record<string, string> = {}): Promise<AllInOne> {
  execFileSync(process.execPath, [`${root}client-simulator/build.js`], { stdio: 'pipe' });
  return startAllInOne(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env }), createLogger('silent'));
}

/**
 * Chromium and the pages a test file opens. After each test every page is closed and none may
 * have logged an error (an uncaught exception, a console error, a CSP violation).
 */
export class Pages {
  browser!: Browser;
  private opened: SimulatorPage[] = [];

  async launch(): Promise<void> {
    // First, so that a machine without Chromium fails here, saying so.
    this.browser = await launchChromium();
  }

  async open(url: string, viewport: Viewport = DESKTOP): Promise<SimulatorPage> {
    const page = await SimulatorPage.open(this.browser, url, viewport);
    this.opened.push(page);
    return page;
  }

  /** Closes every page and returns the errors they logged. */
  async closeAll(): Promise<string[]> {
    const pages = this.opened;
    this.opened = [];
    await Promise.all(pages.map((page) => page.close()));
    return pages.flatMap((page) => page.errors);
  }

  async close(): Promise<void> {
    await this.browser?.close();
  }
}

/** Connects every page, then waits until each sees all of them. */
export async function connectAll(...pages: SimulatorPage[]): Promise<void> {
  for (const page of pages) await page.connect();
  for (const page of pages) await page.waitForClients(...pages.map((p) => p.id));
}

/**
 * The usual test file: Chromium, the built page on an all-in-one server, and clients outside the
 * browser (`sender()`) for traffic the pages receive, all closed after each test or at the end.
 */
export function simulatorSuite() {
  const pages = new Pages();
  const senders: TestClient[] = [];
  const suite = {
    pages,
    server: undefined as unknown as AllInOne,
    base: '',
    wsUrl: '',
    async sender(): Promise<TestClient> {
      const client = await TestClient.connect(suite.wsUrl);
      senders.push(client);
      return client;
    },
  };
  beforeAll(async () => {
    await pages.launch();
    suite.server = await buildAndServe();
    suite.base = `http://127.0.0.1:${suite.server.port}`;
    suite.wsUrl = `ws://127.0.0.1:${suite.server.port}`;
  });
  afterEach(async () => {
    await Promise.all(senders.splice(0).map((s) => s.close()));
    expect(await pages.closeAll()).toEqual([]);
  });
  afterAll(async () => {
    await pages.close();
    await suite.server?.close();
  });
  return suite;
}
