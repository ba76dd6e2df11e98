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

/** The local chat's API as its page uses it: the session token read from the served page, sent in a header. */
export interface LocalChatApi {
  token: string;
  get(path: string): Promise<Response>;
  /** POST JSON to /local/api/input (or `path`) with the token, as the page's script does. */
  post(input: unknown, path?: string): Promise<Response>;
  /** The staff list (/local/api/staff). */
  staff(): Promise<{ id: string; name: string }[]>;
}

/** Opens the page at `baseUrl` (as a browser would) and returns its API with the page's token. */
export async function localChatApi(baseUrl: string): Promise<LocalChatApi> {
  const page = await (await fetch(`${baseUrl}/`)).text();
  const token = /<meta name="local-chat-token" content="([^"]+)">/.exec(page)?.[1];
  if (!token) throw new Error('the local chat page carries no session token');
  const headers = { 'x-local-chat-token': token };
  const get = (path: string) => fetch(`${baseUrl}${path}`, { headers });
  return {
    token,
    get,
    post: (input, path = '/local/api/input') =>
      fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      }),
    async staff() {
      const res = await get('/local/api/staff');
      if (!res.ok) throw new Error(`staff list: HTTP ${res.status}`);
      return ((await res.json()) as { staff: { id: string; name: string }[] }).staff;
    },
  };
}

/**
 * The local web chat on the demo tenant 「みどり市（デモ）」 in a real headless Chromium, on a
 * phone-sized screen (counselors use it between visits), against a database of its own.
 * `now`, when given, is the app's clock (demo data, handlers, links): a test that depends on the
 * date injects a fixed one and may move it.
 */
export async function openWebChat(opts: { now?: () => Date } = {}): Promise<WebChat> {
  const tdb = await createTestDatabase();
  const app = await startApp(
    loadConfig({ DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'on', LOCAL_CHAT: 'on', SCHEDULER: 'false' }),
    { now: opts.now },
  );
  const { browser, close: closeBrowser } = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'ja-JP' });
  await page.goto(app.url);
  await page.waitForSelector('#staff option', { state: 'attached' });
  return {
    tdb,
    app,
    page,
    async chooseStaff(name) {
      const value = await page.$eval(
        '#staff',
        (sel, n) => [...(sel as HTMLSelectElement).options].find((o) => o.text.includes(n))?.value ?? '',
        name,
      );
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
