/**
 * Issue 15, "Done when": in the local web chat, in a real browser, a counselor enters a change of
 * monitoring frequency and a renewal of a 支給決定 and sees the months change on the case card
 * and in 予定 the same minute (no planning pass in between: the app runs without its scheduler).
 * Demo tenant 「みどり市（デモ）」; the app's clock is Thursday 10 December 2026, 10:00 JST.
 * 山田 太郎 (C-0001, あおぞら, 青木's): 2026-10-01 – 2027-09-30, 3か月ごと: 12, 3, 6, 9.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenants } from '../../db/schema/index';
import { planTenant } from '../../src/scheduler/plan-tenant';
import type { TestDatabase } from '../helpers/db';
import { openWebChat, type WebChat } from '../helpers/web-chat';

const at = new Date('2026-12-10T01:00:00Z');
let chat: WebChat;
let tdb: TestDatabase;
let page: Page;
const lastBot = () => page.locator('#chat .msg.bot').last();
const lastForm = () => page.locator('#chat form.bot-form').last();
const botCount = () => page.locator('#chat .msg.bot').count();

async function ask(line: string): Promise<string> {
  const before = await botCount();
  await chat.send(line);
  await expect.poll(() => botCount()).toBeGreaterThan(before);
  return (await lastBot().innerText()).trim();
}

/** Clicks a button and waits for the answer (a new bot message). */
async function press(button: Locator): Promise<void> {
  const before = await botCount();
  await button.click();
  await expect.poll(() => botCount()).toBeGreaterThan(before);
}

/** Submits the last form and waits for the answer. */
async function submitLastForm(): Promise<string> {
  const before = await botCount();
  await lastForm().locator('button[type=submit]').click();
  await expect.poll(() => botCount()).toBeGreaterThan(before);
  return (await lastBot().innerText()).trim();
}

/** Opens 山田 太郎's case card and the 支給決定 form of one kind from it. */
async function openDecision(kind: '更新' | '変更'): Promise<void> {
  await ask('ケース C-0001');
  await press(lastBot().getByRole('button', { name: '支給決定' }));
  await press(lastBot().getByRole('button', { name: kind, exact: true }));
  await expect.poll(() => lastForm().getAttribute('data-form-id')).toBe(kind === '更新' ? 'shikyu:renewal' : 'shikyu:change');
}

beforeAll(async () => {
  chat = await openWebChat({ now: () => at });
  ({ tdb, page } = chat);
  const [tenant] = await tdb.db.select({ id: tenants.id }).from(tenants);
  await planTenant(tdb.db, tenant?.id ?? '', at, { syncReminders: true });
  await chat.chooseStaff('青木');
});
afterAll(async () => {
  await chat?.close();
});

describe('支給決定 in the web chat', () => {
  it('a change of frequency: months shown, then saved; the case card and 予定 show them the same minute', async () => {
    const card = await ask('ケース C-0001');
    expect(card).toContain('2026年12月 今月・未実施');
    expect(card).toContain('3か月ごと');
    // 予定 lists monitoring months up to next month: 山田 太郎 has none in January yet.
    const taroJanuary = /C-0001 山田 太郎\s*モニタリング 令和9年1月/;
    expect(await ask('予定')).not.toMatch(taroJanuary);

    await openDecision('変更');
    // The city changes to 毎月 from January (notice dated today, typed the way people type it).
    await lastForm().locator('input[name=changeFrom]').fill('令和9年1月');
    await lastForm().locator('select[name=frequency]').selectOption('1');
    await lastForm().locator('input[name=noticeDate]').fill('１２／１０');
    const preview = await submitLastForm();
    expect(preview).toContain('2026年12月・2027年3月・2027年6月・2027年9月');
    expect(preview).toContain(
      '2026年12月・2027年1月・2027年2月・2027年3月・2027年4月・2027年5月・2027年6月・2027年7月・2027年8月・2027年9月',
    );
    // Nothing is saved by the preview: the card still says 3か月ごと.
    expect(await lastForm().locator('select[name=step]').inputValue()).toBe('save');

    const saved = await submitLastForm();
    expect(saved).toContain('支給決定（変更）を保存しました');
    expect(saved).toContain('毎月');
    expect(await ask('ケース C-0001')).toContain('毎月');
    expect(await ask('予定')).toMatch(taroJanuary);
  });

  it("a renewal: the new period's months, counted back from its last month, on the card under the period in force", async () => {
    await openDecision('更新');
    await lastForm().locator('input[name=periodStart]').fill('令和9年10月1日');
    await lastForm().locator('input[name=periodEnd]').fill('2028/3/31');
    await lastForm().locator('select[name=frequency]').selectOption('6');
    await lastForm().locator('input[name=certificateEnd]').fill('2028-03-31');
    await lastForm().getByRole('checkbox', { name: '生活介護' }).check();
    const preview = await submitLastForm();
    // 10/1 – 3/31 every 6 months: March alone (counting forward from October would give none).
    expect(preview).toMatch(/保存後のモニタリング月\s*2028年3月\s/);
    const saved = await submitLastForm();
    expect(saved).toContain('支給決定（更新）を保存しました');
    // The period in force stays on the card (its December month is still due); the renewal is under it.
    const card = await ask('ケース C-0001');
    expect(card).toContain('2026年12月 今月・未実施');
    expect(card).toContain('次の支給決定');
    expect(card).toContain('6か月ごと');
    expect(card).toContain('モニタリング月: 2028年3月');
  });

  it('a wrong date is answered on its field in Japanese, and nothing is saved', async () => {
    await openDecision('更新');
    await lastForm().locator('input[name=periodStart]').fill('令和9年2月30日');
    await lastForm().locator('input[name=periodEnd]').fill('2029/3/31');
    await lastForm().locator('button[type=submit]').click();
    await expect.poll(() => lastForm().locator('[data-error-for=periodStart]').innerText()).toContain('開始日');
  });
});
