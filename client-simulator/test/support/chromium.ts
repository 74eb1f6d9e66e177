import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's `chromium` package; CHROMIUM_PATH points elsewhere on other systems. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium, driven by playwright-core (which cannot download browsers here). Playwright
 * gives every launch a fresh, empty user-data-dir and removes it on close. The flags keep
 * Chromium off the network except for the pages we open.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is missing: ${chromiumPath} does not exist. The browser tests need Debian's chromium package ` +
        '(`apt-get install chromium`; .ci/run installs it) or CHROMIUM_PATH set to a Chromium binary.',
    );
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
