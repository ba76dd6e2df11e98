import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consultations, deliveries, persons, staff, tenants } from '../../db/schema/index';
import type { Reply } from '../../src/chat/types';
import { planTenant } from '../../src/scheduler/plan-tenant';
import type { TestDatabase } from '../helpers/db';
import { openWebChat, type WebChat } from '../helpers/web-chat';

/**
 * Issue "A counselor's phone", item 15 and "what to build" 5 and 6: the web chat's screens on a
 * phone (390×844, headless Chromium) on the demo tenant: the menu, forms with chips and a date
 * picker, buttons that do not talk for the user, and a 通知 tab a counselor can work through.
 * Screenshots of the case card, the 記録 form, 予定 and 通知 go to test-results/screens, or with
 * UPDATE_DOCS_SCREENSHOTS=1 to docs/images/ (the pictures in README.md): CI never rewrites docs.
 */
const NOW = new Date('2026-12-10T01:00:00Z'); // Thursday 10 December 2026, 10:00 JST
const root = path.resolve(import.meta.dirname, '../..');
const shots = process.env.UPDATE_DOCS_SCREENSHOTS === '1' ? path.join(root, 'docs/images') : path.join(root, 'test-results/screens');
let chat: WebChat;
let tdb: TestDatabase;
let page: Page;
const lastBot = () => page.locator('#chat .msg.bot').last();

async function ask(line: string): Promise<string> {
  const before = await page.locator('#chat .msg.bot').count();
  await chat.send(line);
  await expect.poll(() => page.locator('#chat .msg.bot').count()).toBeGreaterThan(before);
  return (await lastBot().innerText()).trim();
}

/** Nothing on the page is wider than the phone: no sideways scrolling anywhere. */
async function noSidewaysScroll(): Promise<void> {
  const widths = await page.evaluate(() => ({
    doc: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    menu: document.querySelector('#menu')?.scrollWidth ?? 0,
    menuBox: document.querySelector('#menu')?.clientWidth ?? 0,
  }));
  expect(widths.doc).toBeLessThanOrEqual(390);
  expect(widths.body).toBeLessThanOrEqual(390);
  expect(widths.menu).toBeLessThanOrEqual(widths.menuBox);
}

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  chat = await openWebChat({ now: () => NOW });
  ({ tdb, page } = chat);
  await chat.chooseStaff('青木');
});
afterAll(async () => {
  await chat?.close();
});

describe('the menu on a phone', () => {
  it('wraps instead of scrolling sideways: 予定 and ヘルプ are on screen and work', async () => {
    await noSidewaysScroll();
    for (const label of ['予定', 'ヘルプ']) {
      const box = await page.locator('#menu button', { hasText: label }).boundingBox();
      expect(box, label).not.toBeNull();
      expect(box?.x ?? -1).toBeGreaterThanOrEqual(0);
      expect((box?.x ?? 0) + (box?.width ?? 999)).toBeLessThanOrEqual(390);
      expect((box?.y ?? 0) + (box?.height ?? 999)).toBeLessThanOrEqual(844);
    }
    const before = await page.locator('#chat .msg.bot').count();
    await page.locator('#menu button', { hasText: 'ヘルプ' }).click();
    await expect.poll(() => page.locator('#chat .msg.bot').count()).toBeGreaterThan(before);
    expect(await lastBot().innerText()).toContain('ケース');
  });
});

describe('buttons and forms', () => {
  it('a pressed button does not post its label as if typed; the case card opens (screenshot)', async () => {
    await ask('ケース 山田');
    const mine = await page.locator('#chat .msg.me').count();
    const list = page.locator('#chat .msg.bot').nth((await page.locator('#chat .msg.bot').count()) - 1);
    const open = list.locator('li', { hasText: '山田 太郎' }).getByRole('button', { name: '開く' });
    await open.click();
    const card = page.locator('#chat .msg.bot .card').last();
    await expect.poll(() => card.locator('h3').textContent()).toBe('山田 太郎');
    expect(await page.locator('#chat .msg.me').count()).toBe(mine);
    expect(await page.locator('#chat .msg.me', { hasText: /^開く$/ }).count()).toBe(0);
    expect(await open.getAttribute('class')).toContain('chosen');
    await noSidewaysScroll();
    await card.evaluate((el) => el.closest('.msg')?.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(shots, 'phone-case-card.png') });
  });

  it('the 記録 form: a native date picker beside the text box, typed Japanese dates still read (screenshot)', async () => {
    const forms = await page.locator('#chat form.bot-form').count();
    await page.locator('#chat .msg.bot .card').last().getByRole('button', { name: '記録する' }).click();
    await expect.poll(() => page.locator('#chat form.bot-form').count()).toBe(forms + 1);
    const form = page.locator('#chat form.bot-form').last();
    const text = form.locator('input[name=occurredOn]');
    const picker = form.locator('input[type=date][data-picker-for=occurredOn]');
    expect(await picker.count()).toBe(1);
    expect(await form.locator('input[type=date][data-picker-for=nextActionDue]').count()).toBe(1);
    // The picker shows the prefilled day, and a day picked there fills the box.
    expect(await text.inputValue()).toBe('2026-12-10');
    expect(await picker.inputValue()).toBe('2026-12-10');
    await picker.fill('2026-12-08');
    expect(await text.inputValue()).toBe('2026-12-08');
    await form.locator('select[name=kind]').selectOption('福祉サービスの利用援助');
    await form.locator('textarea[name=summary]').fill('電話で近況を確認した。日付ピッカーの確認。');
    await form.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await noSidewaysScroll();
    await page.screenshot({ path: path.join(shots, 'phone-record-form.png') });
    // Typed as people say it: 12月9日.
    await text.fill('12月9日');
    expect(await picker.inputValue()).toBe('');
    await form.getByRole('button', { name: '記録する' }).click();
    await expect.poll(() => lastBot().innerText()).toContain('相談記録を登録しました');
    const [row] = await tdb.db
      .select({ occurredOn: consultations.occurredOn })
      .from(consultations)
      .where(eq(consultations.summary, '電話で近況を確認した。日付ピッカーの確認。'));
    expect(row?.occurredOn).toBe('2026-12-09');
  });

  it('multi-selects are checkbox chips (no list boxes), each large enough to tap', async () => {
    await ask('二次相談 山田花子');
    const form = page.locator('#chat form.bot-form').last();
    await form.waitFor();
    expect(await page.locator('select[multiple]').count()).toBe(0);
    const chips = form.locator('fieldset[data-name=difficulties] .chip');
    expect(await chips.count()).toBeGreaterThan(3);
    for (const box of await Promise.all((await chips.all()).map((c) => c.boundingBox()))) {
      expect(box?.height ?? 0).toBeGreaterThanOrEqual(28);
      expect((box?.x ?? 0) + (box?.width ?? 999)).toBeLessThanOrEqual(390);
    }
    const family = form.locator('fieldset[data-name=difficulties]').getByRole('checkbox', { name: '家族関係', exact: true });
    await family.check();
    expect(await family.isChecked()).toBe(true);
    await noSidewaysScroll();
  });
});

describe('予定 and 通知', () => {
  let aoki = '';
  let tenantId = '';
  const thread = randomUUID();
  const issue = randomUUID();
  const notice = (text: string): Reply => ({ visibility: 'dm', summary: text, blocks: [{ type: 'text', text }] });
  async function deliver(key: string, text: string, at: string) {
    await tdb.db.insert(deliveries).values({
      tenantId,
      idempotencyKey: key,
      recipientId: aoki,
      kind: 'notice',
      payload: notice(text),
      runAt: new Date(at),
      createdAt: new Date(at),
    });
  }

  beforeAll(async () => {
    const [t] = await tdb.db.select({ id: tenants.id }).from(tenants);
    tenantId = t?.id ?? '';
    const [s] = await tdb.db.select({ id: staff.id }).from(staff).where(eq(staff.name, '青木 さくら'));
    aoki = s?.id ?? '';
    // The morning digest (today's reminders) and notices over three days, two of one 二次相談.
    await planTenant(tdb.db, tenantId, NOW, { syncReminders: true });
    await deliver(`other:${randomUUID()}`, '（8日）計画の更新期限が近づいています。', '2026-12-08T00:30:00Z');
    await deliver(`niji:${thread}:accepted`, '二次相談 #7 を基幹相談支援センターが受付しました。', '2026-12-09T02:00:00Z');
    await deliver(`kadai:${issue}:event:${randomUUID()}`, '地域課題 #3 に「うちでも同じ」が登録されました。', '2026-12-09T05:00:00Z');
    await deliver(`niji:${thread}:post:${randomUUID()}`, '二次相談 #7 に助言が追加されました。', '2026-12-10T00:40:00Z');
  });

  it('予定 on a phone (screenshot)', async () => {
    const text = await ask('予定');
    expect(text).toMatch(/2026年12月10日(\(木\))?時点のあなたの予定です/);
    await noSidewaysScroll();
    await lastBot().evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(shots, 'phone-yotei.png') });
  });

  it('通知: newest first, a separator per day (JST), one thread per 二次相談, unread marked until seen (screenshot)', {
    timeout: 60_000,
  }, async () => {
    // The badge counts what is new (the page asks every 10 s).
    await expect.poll(() => page.locator('#badge').isVisible(), { timeout: 15_000 }).toBe(true);
    await page.locator('#tab-inbox').click();
    const inbox = page.locator('#inbox');
    await inbox.locator('.msg.bot', { hasText: '助言が追加されました' }).waitFor();
    const days = await inbox.locator('.day-sep').allInnerTexts();
    expect(days).toEqual(['今日・12月10日(木)', '昨日・12月9日(水)', '12月8日(火)']);
    // Newest first: today's thread message before the digest of 10:00? Both today; the thread (09:40) under the digest (08:30 or later).
    const order = await inbox.locator('.msg.bot').evaluateAll((nodes) => nodes.map((n) => (n as HTMLElement).innerText));
    const at = (s: string) => order.findIndex((t) => t.includes(s));
    expect(at('助言が追加されました')).toBeLessThan(at('うちでも同じ'));
    expect(at('うちでも同じ')).toBeLessThan(at('計画の更新期限'));
    // The 二次相談's two notices are one thread, under the day of its latest; the 地域課題 is its own.
    const t = inbox.locator(`.thread[data-thread="niji:${thread}"]`);
    expect(await t.locator('.msg.bot').count()).toBe(2);
    expect(await t.locator('.thread-head').innerText()).toBe('二次相談のやり取り（2件）');
    expect(await t.innerText()).toContain('受付しました');
    expect(await inbox.locator(`.thread[data-thread="kadai:${issue}"] .msg.bot`).count()).toBe(1);
    // Unread marked on first sight, with the time in Japan time.
    expect(await inbox.locator('.msg.bot.unread').count()).toBeGreaterThanOrEqual(4);
    expect(await t.locator('.msg.bot').first().locator('.meta').innerText()).toContain('未読');
    expect(await t.locator('.msg.bot').first().locator('.meta').innerText()).toContain('09:40');
    await noSidewaysScroll();
    await page.locator('main').evaluate((el) => el.scrollTo({ top: 0 }));
    await page.screenshot({ path: path.join(shots, 'phone-inbox.png') });

    // Opened again: read now.
    await page.locator('#tab-chat').click();
    await page.locator('#tab-inbox').click();
    await expect.poll(() => inbox.locator('.msg.bot.unread').count()).toBe(0);
    expect(await page.locator('#badge').isVisible()).toBe(false);
  });

  it('a reminder snoozed from 通知 says when it comes back (「再通知 12/11(金)」), there and after reopening', async () => {
    const inbox = page.locator('#inbox');
    const digest = inbox.locator('.msg.bot', { has: page.getByRole('button', { name: '翌営業日に再通知' }) }).first();
    await digest.waitFor();
    const target = digest.locator('.card', { has: page.getByRole('button', { name: '翌営業日に再通知' }) }).first();
    const title = (await target.locator('h3').innerText()).trim();
    await target.getByRole('button', { name: '翌営業日に再通知' }).click();
    await expect.poll(() => inbox.innerText()).toContain('再通知を設定しました');
    // Reopened (the stored notice is shown as things are now): the snooze target, no buttons on it.
    await page.locator('#tab-chat').click();
    await page.locator('#tab-inbox').click();
    const card = inbox.locator('.card', { has: page.locator('h3', { hasText: title }) }).first();
    await expect.poll(() => card.getByRole('button', { name: '翌営業日に再通知' }).count()).toBe(0);
    expect(await card.innerText()).toMatch(/再通知\s*12\/11\(金\)/);
    const [p] = await tdb.db
      .select({ id: persons.id })
      .from(persons)
      .where(and(eq(persons.tenantId, tenantId), eq(persons.code, /C-\d{4}/.exec(title)?.[0] ?? '')));
    expect(p).toBeDefined();
  });
});
