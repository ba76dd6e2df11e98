import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/**
 * CHROMIUM_PATH, else Debian's Chromium: /usr/bin/chromium or `chromium` on PATH, the places
 * test/preflight.mjs checks (and apt-installs into) before `npm test` starts vitest;
 * playwright-core never downloads a browser.
 */
const CHROMIUM_PATH =
  process.env.CHROMIUM_PATH ??
  [
    '/usr/bin/chromium',
    ...(process.env.PATH ?? '')
      .split(path.delimiter)
      .filter(Boolean)
      .map((dir) => path.join(dir, 'chromium')),
  ].find((p) => fs.existsSync(p)) ??
  '/usr/bin/chromium';

/**
 * A real headless Chromium. The flags keep it off the network (this machine has none beyond
 * loopback) and let it run as root in a container.
 */
export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: run 'apt-get install chromium' as root (\`npm test\` does it when it can), or set CHROMIUM_PATH to a Chromium or Chrome binary`,
    );
  }
  // The browser keeps the real clock when CI moves the machine's clock (libfaketime preloaded):
  // no page script reads the time, and Chromium's many threads are slow and fragile under it.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k, v]) => v !== undefined && k !== 'LD_PRELOAD' && !k.startsWith('FAKETIME')),
  ) as Record<string, string>;
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    env,
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
  return {
    browser,
    // playwright gives each launch a fresh temporary profile and removes it on close.
    close: () => browser.close(),
  };
}
