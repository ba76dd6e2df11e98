import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionalIssues, secondaryConsultations } from '../../db/schema/index';
import type { TestDatabase } from '../helpers/db';
import { openWebChat, type WebChat } from '../helpers/web-chat';

// Both flows in the local web chat, in a real browser, on the demo tenant 「みどり市（デモ）」.
let chat: WebChat;
let tdb: TestDatabase;
let page: Page;
const chooseStaff = (name: string) => chat.chooseStaff(name);
const send = (line: string) => chat.send(line);

beforeAll(async () => {
  chat = await openWebChat();
  ({ tdb, page } = chat);
});

afterAll(async () => {
  await chat?.close();
});

const lastCard = () => page.locator('#chat .msg.bot .card').last();
const lastForm = () => page.locator('#chat form.bot-form').last();
const botSays = (words: string) => page.locator('#chat .msg.bot', { hasText: words }).last().waitFor();

describe('二次相談 in the local web chat', () => {
  it('a counselor asks, the 基幹 takes it from the channel, advises and closes it into a regional issue', async () => {
    await chooseStaff('青木');
    await send('二次相談 山田花子');
    const form = lastForm();
    await form.waitFor();
    await form.locator('fieldset[data-name=difficulties]').getByRole('checkbox', { name: '支援拒否', exact: true }).check();
    await form.locator('fieldset[data-name=difficulties]').getByRole('checkbox', { name: '家族関係', exact: true }).check();
    await form.locator('textarea[name=tried]').fill('自宅訪問を3回試みた。');
    await form.locator('textarea[name=question]').fill('山田花子さん（090-1111-2222）が訪問を拒む。関わり方を相談したい。');
    await form.locator('select[name=urgency]').selectOption('urgent');
    await form.locator('fieldset[data-name=helpWanted]').getByRole('checkbox', { name: '助言', exact: true }).check();
    await form.locator('fieldset[data-name=helpWanted]').getByRole('checkbox', { name: '同行訪問', exact: true }).check();
    await form.getByRole('button', { name: '依頼する' }).click();
    await botSays('二次相談 #1 を依頼しました');

    // The 基幹's channel: no name, no phone number, a 受付 button.
    await chooseStaff('江藤');
    await page.locator('#tab-channel').click();
    const post = page.locator('#channel .msg.bot', { hasText: '二次相談 #1' }).first();
    await post.waitFor();
    const posted = (await post.textContent()) ?? '';
    expect(posted).toContain('【至急】');
    expect(posted).not.toMatch(/山田|花子|090-1111-2222/);
    await post.getByRole('button', { name: '受付' }).click();
    await botSays('受付しました');
    // No consent from 山田花子: the 基幹 sees the request de-identified.
    expect(await lastCard().textContent()).toContain('非開示');
    expect(await lastCard().textContent()).not.toContain('花子');

    await lastCard().getByRole('button', { name: '書き込む' }).click();
    await lastForm().waitFor();
    await lastForm().locator('select[name=kind]').selectOption('advice');
    await lastForm().locator('textarea[name=body]').fill('まず短時間の訪問から再開しましょう。');
    await lastForm().getByRole('button', { name: '書き込む' }).click();
    await botSays('書き込みました');

    await lastCard().getByRole('button', { name: '終結' }).click();
    await lastForm().waitFor();
    await lastForm().locator('select[name=outcome]').selectOption('助言で解決');
    await lastForm().locator('select[name=regional]').selectOption('yes');
    await lastForm().locator('input[name=regionalTitle]').fill('訪問を拒む方への関わりを相談できる場が少ない');
    await lastForm().locator('textarea[name=regionalFinding]').fill('支援拒否のケースで相談先が限られている。');
    await lastForm().getByRole('button', { name: '終結する' }).click();
    await botSays('地域課題 #1 として提出しました');
    await page.screenshot({ path: 'test-results/local-chat-niji.png' });

    // The counselor's 通知: 受付, the advice, and the closing.
    await chooseStaff('青木');
    await page.locator('#tab-inbox').click();
    await page.locator('#inbox .msg.bot', { hasText: '終結しました' }).waitFor();
    const inbox = (await page.locator('#inbox').textContent()) ?? '';
    expect(inbox).toContain('二次相談 #1 を受付しました');
    expect(inbox).toContain('まず短時間の訪問から再開しましょう。');
    const [row] = await tdb.db.select().from(secondaryConsultations).where(eq(secondaryConsultations.number, 1));
    expect(row).toMatchObject({ status: 'closed', outcome: '助言で解決' });
  });
});

describe('地域課題 in the local web chat', () => {
  it('another office says うちでも同じ, the 運営会議 routes it to a 部会, and it goes through to 解決', async () => {
    await chooseStaff('上田');
    await send('地域課題 一覧');
    const list = page.locator('#chat .msg.bot .list').last();
    await list.waitFor();
    await list.locator('li', { hasText: '#1' }).getByRole('button', { name: '開く' }).click();
    await lastCard().getByRole('button', { name: 'うちでも同じ' }).click();
    await lastForm().locator('input[name=count]').fill('2');
    await lastForm().getByRole('button', { name: '登録する' }).click();
    await botSays('「うちでも同じ」（2件）を登録しました');

    await chooseStaff('小川');
    await send('地域課題 整理待ち');
    await page.locator('#chat .msg.bot .list').last().locator('li', { hasText: '#1' }).getByRole('button', { name: '開く' }).click();
    await lastCard().getByRole('button', { name: '整理（優先度・振り分け）' }).click();
    await lastForm().locator('select[name=priority]').selectOption('high');
    await lastForm().locator('select[name=routing]').selectOption('bukai');
    await lastForm().locator('select[name=councilBodyId]').selectOption({ label: '権利擁護部会' });
    await lastForm().getByRole('button', { name: '記録する' }).click();
    await botSays('運営会議での整理を記録しました');

    await lastCard().getByRole('button', { name: '検討状況を記録' }).click();
    await lastForm().locator('textarea[name=note]').fill('部会で事例を集めることにした。');
    await lastForm().getByRole('button', { name: '記録する' }).click();
    await botSays('検討状況を記録しました');

    await lastCard().getByRole('button', { name: '提案を記録' }).click();
    await lastForm().locator('select[name=kind]').selectOption('resource');
    await lastForm().locator('textarea[name=proposal]').fill('アウトリーチ型の相談窓口をつくる。');
    await lastForm().getByRole('button', { name: '記録する' }).click();
    await botSays('提案を記録しました');

    for (const step of ['全体会で確認', '解決']) {
      await lastCard().getByRole('button', { name: step, exact: true }).click();
      await lastForm().getByRole('button', { name: '記録する' }).click();
      await botSays(`「${step}」を記録しました`);
    }
    expect(await lastCard().textContent()).toContain('2事業所・3件');
    await page.screenshot({ path: 'test-results/local-chat-kadai.png' });
    const [issue] = await tdb.db.select().from(regionalIssues).where(eq(regionalIssues.number, 1));
    expect(issue).toMatchObject({ status: 'resolved', proposalKind: 'resource' });

    // The filer (the 基幹, which turned the 二次相談 into this issue) was told of each step.
    await chooseStaff('江藤');
    await page.locator('#tab-inbox').click();
    await page.locator('#inbox .msg.bot', { hasText: '「解決」になりました' }).waitFor();
  });
});
