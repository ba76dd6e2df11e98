import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consultations, persons } from '../../db/schema/index';
import type { TestDatabase } from '../helpers/db';
import { openWebChat, type WebChat } from '../helpers/web-chat';

let chat: WebChat;
let tdb: TestDatabase;
let page: Page;
const chooseStaff = (name: string) => chat.chooseStaff(name);
const send = (line: string) => chat.send(line);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

beforeAll(async () => {
  chat = await openWebChat();
  ({ tdb, page } = chat);
});

afterAll(async () => {
  await chat?.close();
});

describe('local web chat in a real browser', () => {
  it('looks a case up, picks one of several matches and shows the card', async () => {
    await chooseStaff('青木');
    await send('ケース 山田');
    const list = page.locator('.msg.bot .list').last();
    await expect.poll(() => list.locator('li').count()).toBe(2);
    await list.locator('li', { hasText: '山田 太郎' }).getByRole('button', { name: '開く' }).click();
    const card = page.locator('.msg.bot .card').last();
    await card.waitFor();
    expect(await card.locator('h3').textContent()).toBe('山田 太郎');
    expect(await card.textContent()).toContain('次回モニタリング');
    expect(await card.textContent()).toContain('相談支援事業所あおぞら');
    await page.screenshot({ path: 'test-results/local-chat-case.png', fullPage: false });
  });

  it('「記録する」 on a case card fills the person field with the case code, not an internal id', async () => {
    await page.locator('.msg.bot .card').last().getByRole('button', { name: '記録する' }).click();
    const form = page.locator('form.bot-form').last();
    await form.waitFor();
    const person = await form.locator('input[name=person]').inputValue();
    expect(person).toBe('C-0001');
    expect(person).not.toMatch(UUID);
    expect(await form.innerText()).not.toMatch(UUID);
  });

  it('logs a consultation through the form, showing field errors in Japanese first', async () => {
    // The new form, not an earlier one still on the page (a busy machine renders it later).
    const before = await page.locator('form.bot-form').count();
    await page.locator('.msg.bot .card').last().getByRole('button', { name: '記録する' }).click();
    await expect.poll(() => page.locator('form.bot-form').count()).toBe(before + 1);
    const form = page.locator('form.bot-form').nth(before);
    await form.locator('input[name=occurredOn]').fill('2026年2月30日');
    await form.locator('select[name=kind]').selectOption('福祉サービスの利用援助');
    await form.getByRole('button', { name: '記録する' }).click();
    await expect.poll(() => form.locator('[data-error-for=summary]').textContent()).toContain('入力してください');
    await expect.poll(() => form.locator('[data-error-for=occurredOn]').textContent()).toContain('日付');

    await form.locator('input[name=occurredOn]').fill('今日');
    await form.locator('textarea[name=summary]').fill('ブラウザからの記録テスト。通所の様子を確認した。');
    await form.getByRole('button', { name: '記録する' }).click();
    await page.locator('.msg.bot', { hasText: '相談記録を登録しました' }).waitFor();
    await page.screenshot({ path: 'test-results/local-chat-logged.png' });

    const [taro] = await tdb.db.select({ id: persons.id }).from(persons).where(eq(persons.code, 'C-0001'));
    const rows = await tdb.db
      .select()
      .from(consultations)
      .where(eq(consultations.personId, taro?.id ?? ''));
    expect(rows.some((r) => r.summary.startsWith('ブラウザからの記録テスト'))).toBe(true);
  });

  it('shows no 「null」 or 「undefined」 under form fields: help text only where a field has one', async () => {
    // Forms with and without hints: 記録, 二次相談, 地域課題, 予定 設定.
    for (const line of ['記録', '二次相談', '地域課題', '予定 設定']) {
      const before = await page.locator('form.bot-form').count();
      await send(line);
      await expect.poll(() => page.locator('form.bot-form').count()).toBe(before + 1);
      const form = page.locator('form.bot-form').last();
      const visible = await form.innerText();
      expect(visible, line).not.toMatch(/null|undefined/i);
      for (const hint of await form.locator('.hint').allInnerTexts()) expect(hint.trim(), line).not.toBe('');
    }
    // The 相談日 hint is still shown; the fields without one have nothing under them.
    const soudan = page.locator('form.bot-form[data-form-id="soudan:new"]').last();
    expect(await soudan.locator('.hint').allInnerTexts()).toEqual(['例: 今日 / 11/22 / 令和8年11月22日']);
    expect(await page.locator('#chat').innerText()).not.toMatch(/null|undefined/i);
  });

  it('shows help from the menu, and a polite message for an unknown command', async () => {
    await page.locator('#menu button', { hasText: 'ヘルプ' }).click();
    await page.locator('.msg.bot .list', { hasText: 'soudan-bot で使えるコマンド' }).last().waitFor();
    await send('こんにちは');
    await page.locator('.msg.bot', { hasText: 'コマンドが分かりませんでした' }).last().waitFor();
  });

  it('renders user text as text, never as markup', async () => {
    await send('ケース <img src=x onerror=alert(1)>');
    await page.locator('.msg.me', { hasText: '<img src=x' }).waitFor();
    expect(await page.locator('#chat img').count()).toBe(0);
  });
});
