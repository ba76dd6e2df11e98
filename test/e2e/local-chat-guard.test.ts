import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { issueToken, TOKEN_HEADER } from '../../src/platforms/local/routes';
import { launchBrowser } from '../helpers/browser';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { localChatApi, type LocalChatApi } from '../helpers/web-chat';

// Issue "Nothing personal leaks", item 4: the local web chat accepted any Host and any Origin.
// A cross-site `text/plain` POST from another page created a consultation; `Host: evil.example`
// (DNS rebinding) listed every tenant's staff.

const now = new Date('2026-11-24T01:00:00Z'); // Tuesday 24 November 2026, 10:00 JST
let tdb: TestDatabase;
let app: App;
let chat: LocalChatApi;
let staffId: string;
let port: number;

beforeAll(async () => {
  tdb = await createTestDatabase();
  app = await startApp(
    loadConfig({ DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'on', LOCAL_CHAT: 'on', SCHEDULER: 'false' }),
    { now: () => now },
  );
  port = Number(new URL(app.url).port);
  chat = await localChatApi(app.url);
  const aoki = (await chat.staff()).find((s) => s.name.startsWith('青木'));
  if (!aoki) throw new Error('demo staff missing');
  staffId = aoki.id;
});
afterAll(async () => {
  await app?.stop();
  await tdb?.drop();
});

const form = (summary: string) => ({
  staffId,
  input: {
    kind: 'form',
    formId: 'soudan:new',
    values: { person: 'C-0001', occurredOn: '今日', method: '電話', kind: '専門機関の紹介', summary, abuse: 'no' },
  },
});

/** Consultations whose summary starts with `marker`, and every audit row: what an attack could leave. */
async function traces(marker: string): Promise<{ consultations: number; audit: number }> {
  const [c] = await tdb.db.execute<{ n: number }>(sql`select count(*)::int as n from consultations where summary like ${`${marker}%`}`);
  const [a] = await tdb.db.execute<{ n: number }>(sql`select count(*)::int as n from audit_log`);
  return { consultations: Number(c?.n ?? 0), audit: Number(a?.n ?? 0) };
}

/** A raw HTTP request with the exact Host header given (fetch would not let us set it). */
function rawRequest(opts: {
  method: string;
  path: string;
  host: string;
  headers?: Record<string, string>;
  body?: string;
}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method,
        path: opts.path,
        headers: { host: opts.host, ...opts.headers, ...(opts.body ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('local web chat: Host, Origin and session token', () => {
  it('answers the page and its API on the configured host and its loopback equivalents only (DNS rebinding)', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect((await rawRequest({ method: 'GET', path: '/', host })).status, host).toBe(200);
      expect(
        (await rawRequest({ method: 'GET', path: '/local/api/staff', host, headers: { [TOKEN_HEADER]: chat.token } })).status,
        host,
      ).toBe(200);
    }
    for (const host of [
      `evil.example:${port}`,
      'evil.example',
      `127.0.0.1:${port + 1}`,
      `127.0.0.1.evil.example:${port}`,
      `[::ffff:127.0.0.1]:${port}`,
    ]) {
      const page = await rawRequest({ method: 'GET', path: '/', host });
      expect(page.status, host).toBe(403);
      expect(page.body).not.toContain('local-chat-token');
      // Even with a valid token (a rebound page cannot get one, but say it had): no staff list.
      const staff = await rawRequest({ method: 'GET', path: '/local/api/staff', host, headers: { [TOKEN_HEADER]: chat.token } });
      expect(staff.status, host).toBe(403);
      expect(staff.body).not.toContain('青木');
      expect(JSON.parse(staff.body).error).toMatch(/[ぁ-ん]/);
    }
  });

  it('refuses a POST without the token, with a forged or stale one, as text/plain, or from another Origin: 403, nothing stored', async () => {
    const before = await traces('攻撃');
    const body = JSON.stringify(form('攻撃: トークンなし'));
    const json = { 'content-type': 'application/json' };
    const cases: [string, Record<string, string>][] = [
      ['no token', json],
      ['text/plain, no token (a cross-site form)', { 'content-type': 'text/plain' }],
      ['text/plain with the token', { 'content-type': 'text/plain', [TOKEN_HEADER]: chat.token }],
      ['forged token', { ...json, [TOKEN_HEADER]: `${chat.token.slice(0, -4)}AAAA` }],
      ['token signed by another secret', { ...json, [TOKEN_HEADER]: issueToken('another-secret-of-at-least-32-characters', now) }],
      ['token from 13 hours ago', { ...json, [TOKEN_HEADER]: (await tokenIssuedAt(new Date(now.getTime() - 13 * 3_600_000))) ?? '' }],
      ['another origin', { ...json, [TOKEN_HEADER]: chat.token, origin: 'http://127.0.0.1:9' }],
      ['a same-site fetch (another port of 127.0.0.1)', { ...json, [TOKEN_HEADER]: chat.token, 'sec-fetch-site': 'same-site' }],
    ];
    for (const [what, headers] of cases) {
      const res = await fetch(`${app.url}/local/api/input`, { method: 'POST', headers, body });
      expect(res.status, what).toBe(403);
      expect(((await res.json()) as { error: string }).error, what).toMatch(/[ぁ-ん]/);
    }
    // The inbox marks notices as sent: a state change, so it needs the token too.
    expect((await fetch(`${app.url}/local/api/inbox?staffId=${staffId}`)).status).toBe(403);
    expect(await traces('攻撃')).toEqual(before);

    // The page's own way works: same request with the token, JSON, same origin.
    const ok = await chat.post(form('正規: ページからの記録'));
    expect(ok.status).toBe(200);
    expect((await traces('正規')).consultations).toBe(1);
  });

  it('a page of another origin in Chromium cannot create a consultation nor read the token', async () => {
    const before = await traces('越境');
    const target = `${app.url}/local/api/input`;
    // text/plain forms send `name=value`: the '=' lands inside the summary, the rest is the JSON.
    const whole = JSON.stringify(form('越境: フォーム'));
    const cut = whole.indexOf('フォーム') + 'フォーム'.length;
    // The attacker's page: another loopback port, so the same site but another origin.
    const evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><meta charset="utf-8"><title>evil</title>
        <form id="f" method="POST" enctype="text/plain" action="${target}">
          <input type="hidden" name='${whole.slice(0, cut)}' value='${whole.slice(cut)}'>
        </form>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
    const { browser, close } = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(evilUrl);
      const outcome = await page.evaluate(
        async ({ target, chatUrl, body, guessed }) => {
          const tried: Record<string, string> = {};
          // 1. The issue's attack: a simple (no preflight) cross-site POST, text/plain.
          await fetch(target, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body }).then(
            () => (tried.noCors = 'sent'),
            (e: Error) => (tried.noCors = e.name),
          );
          // 2. Reading the page to learn its token: CORS forbids it.
          await fetch(`${chatUrl}/`).then(
            async (r) => (tried.readPage = (await r.text()).includes('local-chat-token') ? 'READ' : 'unreadable'),
            (e: Error) => (tried.readPage = e.name),
          );
          // 3. A JSON POST with a guessed token header: the preflight finds no CORS answer.
          await fetch(target, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-local-chat-token': guessed },
            body,
          }).then(
            (r) => (tried.withHeader = String(r.status)),
            (e: Error) => (tried.withHeader = e.name),
          );
          return tried;
        },
        { target, chatUrl: app.url, body: JSON.stringify(form('越境: fetch')), guessed: chat.token },
      );
      expect(outcome.readPage).toBe('TypeError');
      expect(outcome.withHeader).toBe('TypeError');
      // 4. The hidden form, submitted: the browser navigates to the chat's answer (403).
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === target),
        page.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit()),
      ]);
      expect(response.status()).toBe(403);
    } finally {
      await close();
      await new Promise((r) => evil.close(r));
    }
    expect(await traces('越境')).toEqual(before);
  });
});

/** A token as the page would have carried it at `at` (signed with the app's own secret, read from a page served then). */
async function tokenIssuedAt(at: Date): Promise<string | null> {
  const then = await startApp(
    loadConfig({ DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'off', LOCAL_CHAT: 'on', SCHEDULER: 'false' }),
    { now: () => at },
  );
  try {
    return (await localChatApi(then.url)).token;
  } finally {
    await then.stop();
  }
}

describe('local web chat under NODE_ENV=production', () => {
  it('is off unless LOCAL_CHAT=on says otherwise', async () => {
    const base = { DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'off', SCHEDULER: 'false', NODE_ENV: 'production' };
    const off = await startApp(loadConfig(base), { now: () => now });
    try {
      expect(await (await fetch(`${off.url}/`)).text()).toBe('soudan-bot');
      expect((await fetch(`${off.url}/local/api/staff`)).status).toBe(404);
      expect((await fetch(`${off.url}/local/api/input`, { method: 'POST', body: '{}' })).status).toBe(404);
    } finally {
      await off.stop();
    }
    const on = await startApp(loadConfig({ ...base, LOCAL_CHAT: 'on' }), { now: () => now });
    try {
      expect((await (await localChatApi(on.url)).staff()).length).toBeGreaterThan(0);
    } finally {
      await on.stop();
    }
  });
});
