import type { Page } from 'playwright-core';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { launchBrowser } from './browser';
import { createTestDatabase, type TestDatabase } from './db';

export interface WebChat {
  tdb: TestDatabase;
  app: App;
  page: Page;
  /** Picks the staff member whose option label contains `name`. */
  chooseStaff(name: string): Promise<void>;
  /** Types a line in the chat tab and sends it. */
  send(line: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The local web chat on the demo tenant 「みどり市（デモ）」 in a real headless Chromium, on a
 * phone-sized screen (counselors use it between visits), against a database of its own.
 */
export async function openWebChat(): Promise<WebChat> {
  const tdb = await createTestDatabase();
  const app = await startApp(loadConfig({ DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'on', LOCAL_CHAT: 'on', SCHEDULER: 'false' }));
  const { browser, close: closeBrowser } = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'ja-JP' });
  await page.goto(app.url);
  await page.waitForSelector('#staff option', { state: 'attached' });
  return {
    tdb,
    app,
    page,
    async chooseStaff(name) {
      const value = await page.$eval('#staff', (sel, n) => [...(sel as HTMLSelectElement).options].find((o) => o.text.includes(n))?.value ?? '', name);
      await page.selectOption('#staff', value);
    },
    async send(line) {
      await page.locator('#tab-chat').click();
      await page.fill('#line', line);
      await page.click('#composer button[type=submit]');
    },
    async close() {
      await closeBrowser();
      await app.stop();
      await tdb.drop();
    },
  };
}
