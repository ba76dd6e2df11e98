import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consultations, dialogues, formLinks } from '../../db/schema/index';
import { createRegistry } from '../../handlers/index';
import { soudanForm } from '../../handlers/soudan';
import { startApp, type App } from '../../src/app';
import { hasDialogue, startDialogue } from '../../src/chat/dialogue/engine';
import { dispatch } from '../../src/chat/dispatch';
import type { Actor, FormBlock } from '../../src/chat/types';
import { loadConfig } from '../../src/config';
import { jstToday } from '../../src/core/calendar/jst';
import { createFormLink } from '../../src/platforms/webform/links';
import { launchBrowser } from '../helpers/browser';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

const LINK_SECRET = 'webform-test-secret-with-32-characters!';
let tdb: TestDatabase;
let world: World;
let app: App;
let browser: Browser;
let closeBrowser: () => Promise<void>;
let page: Page;
let actor: Actor;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  app = await startApp(
    loadConfig({ DATABASE_URL: tdb.url, PORT: '0', DEMO_DATA: 'off', LOCAL_CHAT: 'off', SCHEDULER: 'false', LINK_SECRET }),
  );
  ({ browser, close: closeBrowser } = await launchBrowser());
  page = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'ja-JP' });
  // The link is offered on LINE to counselor A.
  actor = { ...world.actors.a, platform: 'line', platformUserId: 'U-webform-a' };
});

afterAll(async () => {
  await closeBrowser?.();
  await app?.stop();
  await tdb?.drop();
});

const config = () => ({ LINK_SECRET, PUBLIC_BASE_URL: app.url });
const today = () => jstToday(new Date());

describe('one-time browser form link', () => {
  let url = '';

  it('opens the form, shows field errors in Japanese, and records the fixed submission as the bound staff member', async () => {
    const key = { platform: 'line' as const, workspaceId: 'Ubot', userId: actor.platformUserId };
    const form = soudanForm(today(), world.persons.yamadaTaro.code);
    await startDialogue(tdb.db, key, form, new Date());
    url = (await createFormLink(tdb.db, config(), actor, form, new Date(), key)) ?? '';
    expect(url).toMatch(/\/form\?t=/);
    expect(url.length).toBeLessThan(1000); // LINE's URI action limit

    const res = await page.goto(url);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['referrer-policy']).toBe('no-referrer');
    const formEl = page.locator('form.bot-form');
    await formEl.waitFor();
    expect(await formEl.locator('h3').textContent()).toBe('相談記録');
    expect(await formEl.locator('input[name=person]').inputValue()).toBe(world.persons.yamadaTaro.code);
    // Help text only under the field that has some (相談日); nothing reads null under the others.
    expect(await page.locator('main').innerText()).not.toMatch(/null|undefined/i);
    expect(await formEl.locator('.hint').allInnerTexts()).toEqual(['例: 今日 / 11/22 / 令和8年11月22日']);

    // First try: no kind chosen, no summary.
    await formEl.locator('select[name=method]').selectOption('電話');
    await formEl.getByRole('button', { name: '記録する' }).click();
    await expect.poll(() => formEl.locator('[data-error-for=summary]').textContent()).toContain('内容（要約）を入力してください');
    expect(await formEl.locator('[data-error-for=kind]').textContent()).toContain('種別を選んでください');
    expect(await page.locator('#banner').textContent()).toContain('入力内容を確認してください');
    expect(await tdb.db.select().from(consultations)).toHaveLength(0);

    await formEl.locator('select[name=kind]').selectOption('モニタリング');
    await formEl.locator('textarea[name=summary]').fill('自宅を訪問し、日中活動の様子を確認した。');
    await formEl.getByRole('button', { name: '記録する' }).click();
    const done = page.locator('section.done');
    await done.waitFor();
    expect(await done.textContent()).toContain('相談記録を登録しました');
    await page.screenshot({ path: 'test-results/webform-done.png' });

    const rows = await tdb.db.select().from(consultations);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      staffId: world.actors.a.staffId,
      personId: world.persons.yamadaTaro.id,
      method: '電話',
      kind: 'モニタリング',
    });
    // The chat dialogue for the same form is over: the next chat message is a command again.
    expect(await hasDialogue(tdb.db, key, new Date())).toBe(false);
    expect(await tdb.db.select().from(dialogues)).toHaveLength(0);
  });

  it('refuses the link once it has been used, and stores nothing more', async () => {
    const res = await page.goto(url);
    expect(res?.status()).toBe(410);
    expect(await page.locator('h2').textContent()).toBe('このリンクは使用済みです');
    const token = new URL(url).searchParams.get('t') ?? '';
    const again = await fetch(`${app.url}/form/submit?t=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ values: { occurredOn: '今日', method: '電話', kind: 'モニタリング', summary: '二重送信' } }),
    });
    expect(again.status).toBe(410);
    expect(await tdb.db.select().from(consultations)).toHaveLength(1);
  });

  it('refuses a tampered link with a polite page', async () => {
    const fresh = (await createFormLink(tdb.db, config(), actor, soudanForm(today()), new Date())) ?? '';
    const token = new URL(fresh).searchParams.get('t') ?? '';
    const [id, exp, sig] = token.split('.');
    const tampered = [
      `${id}.${Number(exp) + 3600}.${sig}`, // a longer life
      `${id}.${exp}.${(sig ?? '').slice(0, -1)}${sig?.endsWith('A') ? 'B' : 'A'}`, // another signature
      'not-a-token',
    ];
    for (const t of tampered) {
      const res = await page.goto(`${app.url}/form?t=${encodeURIComponent(t)}`);
      expect(res?.status()).toBe(404);
      expect(await page.locator('h2').textContent()).toBe('リンクが正しくありません');
      expect(await page.locator('form').count()).toBe(0);
    }
    const [row] = await tdb.db
      .select()
      .from(formLinks)
      .where(eq(formLinks.id, id ?? ''));
    expect(row?.usedAt).toBeNull();
  });

  it('refuses an expired link', async () => {
    const old = new Date(Date.now() - 16 * 60 * 1000);
    const stale = (await createFormLink(tdb.db, config(), actor, soudanForm(today()), old)) ?? '';
    const res = await page.goto(stale);
    expect(res?.status()).toBe(410);
    expect(await page.locator('h2').textContent()).toBe('リンクの有効期限が切れました');
  });

  it('a link whose stored form is of an older shape (a deploy in between) asks politely to start again', async () => {
    const link = (await createFormLink(tdb.db, config(), actor, soudanForm(today()), new Date())) ?? '';
    const id = new URL(link).searchParams.get('t')?.split('.')[0] ?? '';
    await tdb.db
      .update(formLinks)
      .set({ form: { id: 'soudan:new', questions: [{ key: 'summary' }] } })
      .where(eq(formLinks.id, id));
    const res = await page.goto(link);
    expect(res?.status()).toBe(409);
    expect(await page.locator('p').first().textContent()).toBe(
      '入力の途中で更新がありました。お手数ですが、もう一度最初から入力してください。',
    );
    expect(await page.locator('form').count()).toBe(0);
  });

  it('a form opened from a case card (「記録する」) shows the case code and records that person', async () => {
    const res = await dispatch({ db: tdb.db, registry: createRegistry(), now: () => new Date() }, actor, {
      kind: 'action',
      id: 'soudan:new',
      value: world.persons.yamadaTaro.id,
    });
    const form = res.replies.flatMap((r) => r.blocks).find((b): b is FormBlock => b.type === 'form');
    expect(form).toBeDefined();
    const link = (await createFormLink(tdb.db, config(), actor, form as FormBlock, new Date())) ?? '';
    await page.goto(link);
    const formEl = page.locator('form.bot-form');
    await formEl.waitFor();
    const person = await formEl.locator('input[name=person]').inputValue();
    expect(person).toBe(world.persons.yamadaTaro.code);
    expect(person).not.toBe(world.persons.yamadaTaro.id);
    expect(await page.locator('main').innerText()).not.toMatch(/null|undefined/i);

    await formEl.locator('select[name=kind]').selectOption('福祉サービスの利用援助');
    await formEl.locator('textarea[name=summary]').fill('カードから開いたブラウザの記録。');
    await formEl.getByRole('button', { name: '記録する' }).click();
    await page.locator('section.done').waitFor();
    const [row] = await tdb.db.select().from(consultations).where(eq(consultations.summary, 'カードから開いたブラウザの記録。'));
    expect(row?.personId).toBe(world.persons.yamadaTaro.id);
  });

  it('offers no link without a public URL', async () => {
    expect(await createFormLink(tdb.db, { LINK_SECRET, PUBLIC_BASE_URL: undefined }, actor, soudanForm(today()), new Date())).toBeNull();
  });
});
