import { eq, isNotNull } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries, regionalIssues, secondaryConsultations } from '../../db/schema/index';
import type { TestDatabase } from '../helpers/db';
import { openWebChat, type WebChat } from '../helpers/web-chat';

// The real path, in a real browser on the demo tenant 「みどり市（デモ）」: a counselor of あおぞら (青木)
// names 田中一郎, a registered person of ANOTHER office (こもれび), in a 地域課題 and in a 二次相談,
// with an unregistered mother, a phone number, a birth date and an address in kanji numerals.
// Nothing of it may reach the channels, as the 基幹 and the council read them.
let chat: WebChat;
let tdb: TestDatabase;
let page: Page;

beforeAll(async () => {
  chat = await openWebChat();
  ({ tdb, page } = chat);
});

afterAll(async () => {
  await chat?.close();
});

const lastForm = () => page.locator('#chat form.bot-form').last();
const botSays = (words: string) => page.locator('#chat .msg.bot', { hasText: words }).last().waitFor();

const NAMED =
  'こもれびの田中一郎さん（タナカイチロウ）と同じ作業所に通う。母の京子さん（〇九〇―一一一一―二二二二）が送迎。' +
  '本人は昭和六十年四月一日生、深谷中一丁目二番三号に住む。たなかさんの他にも佐久間次郎さん（サクマジロウ）が同じ状況。';
/** Anything of the above that would tell who is meant. */
const LEAK = /田中|一郎|タナカ|イチロウ|たなか|京子|佐久間|次郎|サクマ|〇九〇|一一一一|二二二二|昭和六十年|深谷中|二番三号/;
const KEPT = ['作業所', '送迎'];

async function channelText(staffName: string, heading: string): Promise<string> {
  await chat.chooseStaff(staffName);
  await page.locator('#tab-channel').click();
  const post = page.locator('#channel .msg.bot', { hasText: heading }).first();
  await post.waitFor();
  return (await post.textContent()) ?? '';
}

describe('a person of another office named in the web chat never reaches a channel', () => {
  it("地域課題: the filer's card, the 運営会議 channel and the stored issue hold no name, phone, birth date or address", async () => {
    await chat.chooseStaff('青木');
    await chat.send('地域課題');
    const form = lastForm();
    await form.waitFor();
    await form.locator('input[name=title]').fill('作業所への送迎手段がない（田中一郎さんの例）');
    await form.locator('textarea[name=finding]').fill(NAMED);
    await form.locator('input[name=affectedCount]').fill('2');
    await form.locator('textarea[name=resourceGap]').fill('移動支援が通所に使えない。祖母の大野さんも高齢。');
    await form.getByRole('button', { name: '提出する' }).click();
    await botSays('地域課題 #1 を提出しました');

    // What the filer sees back: masked alike, registered (田中一郎) or not (佐久間次郎).
    const card = (await page.locator('#chat .msg.bot .card').last().textContent()) ?? '';
    expect(card).not.toMatch(LEAK);
    expect(card).not.toContain('大野');
    expect(card.match(/〔氏名〕/g)?.length ?? 0).toBeGreaterThanOrEqual(5);
    for (const k of KEPT) expect(card).toContain(k);

    const posted = await channelText('小川', '地域課題 #1');
    expect(posted).not.toMatch(LEAK);
    expect(posted).not.toContain('大野');
    expect(posted).toContain('〔氏名〕');
    for (const k of KEPT) expect(posted).toContain(k);

    const [issue] = await tdb.db.select().from(regionalIssues).where(eq(regionalIssues.number, 1));
    expect(JSON.stringify(issue)).not.toMatch(LEAK);
  });

  it("二次相談 without a case: the 基幹's queue in the channel tab and every channel delivery hold none of it", async () => {
    await chat.chooseStaff('青木');
    await chat.send('二次相談');
    const form = lastForm();
    await form.waitFor();
    await form.locator('select[name=ageBand]').selectOption({ index: 4 });
    await form.locator('textarea[name=situation]').fill(NAMED);
    await form.locator('fieldset[data-name=difficulties]').getByRole('checkbox', { name: '家族関係', exact: true }).check();
    await form.locator('textarea[name=tried]').fill('こもれびの上田さんと情報交換した。');
    await form.locator('textarea[name=question]').fill('田中一郎さん（タナカイチロウ）の母・京子（70代）との関わり方を相談したい。');
    await form.locator('fieldset[data-name=helpWanted]').getByRole('checkbox', { name: '助言', exact: true }).check();
    await form.getByRole('button', { name: '依頼する' }).click();
    await botSays('二次相談 #1 を依頼しました');

    const posted = await channelText('江藤', '二次相談 #1');
    expect(posted).not.toMatch(LEAK);
    expect(posted).toContain('〔氏名〕');
    expect(posted).toContain('70代');

    const [row] = await tdb.db.select().from(secondaryConsultations).where(eq(secondaryConsultations.number, 1));
    expect(JSON.stringify(row?.profile)).not.toMatch(LEAK);

    // Every post to a channel, as stored for delivery.
    const posts = await tdb.db.select({ payload: deliveries.payload }).from(deliveries).where(isNotNull(deliveries.channel));
    expect(posts.length).toBeGreaterThanOrEqual(2);
    for (const p of posts) expect(JSON.stringify(p.payload)).not.toMatch(LEAK);
  });
});
