import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consultations, inboundEvents, lineworksInbox } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { button, card, reply } from '../../src/chat/replies';
import { loadConfig } from '../../src/config';
import { createLinkCode, registerWorkspace } from '../../src/core/staff/link';
import { startFakeLineWorks, postCallback, type FakeLineWorks, type RecordedMessage } from '../fakes/lineworks';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';
import { redeemLinkCode } from '../../src/core/staff/link';

const BOT_ID = '2000001';
const BOT_SECRET = 'bot-secret-for-tests-0123456789';
const DOMAIN = 40029600;
const now = new Date('2026-11-22T01:00:00Z'); // 10:00 JST

let tdb: TestDatabase;
let world: World;
let fake: FakeLineWorks;
let app: App;
let seq = 0;

const env = () => ({
  DATABASE_URL: tdb.url,
  PORT: '0',
  DEMO_DATA: 'off',
  LOCAL_CHAT: 'off',
  SCHEDULER: 'off',
  LINEWORKS_BOT_ID: BOT_ID,
  LINEWORKS_BOT_SECRET: BOT_SECRET,
  LINEWORKS_CLIENT_ID: fake.clientId,
  LINEWORKS_CLIENT_SECRET: fake.clientSecret,
  LINEWORKS_SERVICE_ACCOUNT: fake.serviceAccount,
  LINEWORKS_PRIVATE_KEY: fake.privateKeyPem.replace(/\n/g, '\\n'),
  LINEWORKS_DOMAIN_ID: String(DOMAIN),
  LINEWORKS_API_URL: fake.apiUrl,
  LINEWORKS_AUTH_URL: fake.authUrl,
});

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  fake = await startFakeLineWorks();
  await registerWorkspace(tdb.db, world.tenantId, 'lineworks', String(DOMAIN));
  // Counselor A is linked already; B links through the bot in a test.
  await redeemLinkCode(
    tdb.db,
    'lineworks',
    String(DOMAIN),
    'u-a',
    await createLinkCode(tdb.db, world.tenantId, world.actors.a.staffId, new Date()),
    new Date(),
  );
  app = await startApp(loadConfig(env()), { now: () => now });
});
afterAll(async () => {
  await app?.stop();
  await fake?.close();
  await tdb?.drop();
});

const stamp = () => new Date(now.getTime() + ++seq).toISOString();
const source = (userId: string) => ({ userId, channelId: 'room-1', domainId: DOMAIN });
const textEvent = (userId: string, text: string, postback?: string) => ({
  type: 'message',
  source: source(userId),
  issuedTime: stamp(),
  content: { type: 'text', text, ...(postback ? { postback } : {}) },
});
const postbackEvent = (userId: string, data: string) => ({ type: 'postback', source: source(userId), issuedTime: stamp(), data });

/** Waits until every stored callback is handled. */
async function settle(): Promise<void> {
  const until = Date.now() + 15_000;
  for (;;) {
    const [row] = await tdb.db
      .select({ n: sql<number>`count(*)::int` })
      .from(lineworksInbox)
      .where(inArray(lineworksInbox.status, ['pending', 'processing']));
    if ((row?.n ?? 0) === 0) return;
    if (Date.now() > until) throw new Error('LINE WORKS inbox did not drain');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sends one signed callback to `target` and returns the messages the bot sent in answer. */
async function say(event: unknown, target: App = app): Promise<RecordedMessage[]> {
  const before = fake.messages.length;
  const res = await postCallback(target.url, event, { botId: BOT_ID, botSecret: BOT_SECRET });
  expect(res.status).toBe(200);
  await settle();
  return fake.messages.slice(before);
}

const flat = (ms: RecordedMessage[]) => JSON.stringify(ms.map((m) => m.content));

describe('LINE WORKS bot', () => {
  it('registers a persistent menu with the main flows (at most 4 buttons)', async () => {
    const until = Date.now() + 5000;
    while (fake.menus.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const menu = fake.menus[0] as { content: { actions: { label: string; postback: string }[] } };
    expect(menu.content.actions.length).toBeLessThanOrEqual(4);
    expect(menu.content.actions.map((a) => a.label)).toEqual(expect.arrayContaining(['記録', 'ケース', 'ヘルプ']));
    expect(menu.content.actions[0]?.postback).toMatch(/^menu:open\|/);
  });

  it('an unlinked user is told how to link, and 「連携 12345678」 links the account', async () => {
    const first = await say(textEvent('u-b', 'ケース 山本'));
    expect(flat(first)).toContain('連携 12345678');
    const code = await createLinkCode(tdb.db, world.tenantId, world.actors.b.staffId, new Date());
    const linked = await say(textEvent('u-b', `連携 ${code}`));
    expect(flat(linked)).toContain('連携しました');
    const found = await say(textEvent('u-b', `ケース ${world.persons.yamamotoIchiro.code}`));
    expect(flat(found)).toContain('山本 一郎');
  });

  it('「ケース 山田」 lists the matches only to the asker, and 開く shows the case card', async () => {
    const list = await say(textEvent('u-a', 'ケース 山田'));
    expect(list.every((m) => m.kind === 'user' && m.to === 'u-a' && m.botId === BOT_ID)).toBe(true);
    const tpl = list.find((m) => m.content.type === 'list_template');
    const elements = tpl?.content.elements as { title: string; action?: { type: string; postback: string } }[];
    expect(elements.map((e) => e.title).sort()).toEqual(['山田 太郎', '山田 花子']);
    const taro = elements.find((e) => e.title === '山田 太郎');
    expect(taro?.action).toMatchObject({ type: 'message', postback: `case:show|${world.persons.yamadaTaro.id}` });
    // A template button comes back as a message event carrying the postback.
    const cardMsgs = await say(textEvent('u-a', '開く', taro?.action?.postback));
    expect(flat(cardMsgs)).toContain('山田 太郎');
    expect(flat(cardMsgs)).toContain('次回モニタリング');
    expect(cardMsgs[0]?.content.type).toBe('button_template');
    expect(fake.messages.some((m) => m.kind === 'channel')).toBe(false);
  });

  it.each(['記録', 'ケース 山田', '二次相談', '地域課題', '会議', '予定', '指標', 'ヘルプ', 'soudan', 'case 山田', '/help'])(
    'the keyword 「%s」 is understood as a command',
    async (word) => {
      const answer = flat(await say(textEvent('u-a', word)));
      expect(answer).not.toContain('コマンドが分かりませんでした');
      expect(answer).not.toContain('エラーが発生しました');
      await say(textEvent('u-a', 'やめる')); // ends a dialogue the command may have started
    },
  );

  it('refuses forged, foreign, oversized and malformed callbacks and stores nothing', async () => {
    const count = async () => ({
      inbox: (await tdb.db.select().from(lineworksInbox)).length,
      events: (await tdb.db.select().from(inboundEvents).where(eq(inboundEvents.platform, 'lineworks'))).length,
      sent: fake.messages.length,
    });
    const before = await count();
    const event = textEvent('u-a', 'ケース 山田');
    const forged = await postCallback(app.url, event, { botId: BOT_ID, botSecret: 'not-the-secret' });
    expect(forged.status).toBe(401);
    const unsigned = await postCallback(app.url, event, { botId: BOT_ID, botSecret: BOT_SECRET, signature: '' });
    expect(unsigned.status).toBe(401);
    const otherBot = await postCallback(app.url, event, { botId: '9999999', botSecret: BOT_SECRET });
    expect(otherBot.status).toBe(403);
    const huge = await postCallback(app.url, null, {
      botId: BOT_ID,
      botSecret: BOT_SECRET,
      raw: JSON.stringify({ ...event, pad: 'x'.repeat(70 * 1024) }),
    });
    expect(huge.status).toBe(413);
    const malformed = await postCallback(app.url, null, { botId: BOT_ID, botSecret: BOT_SECRET, raw: '{"type":"message",' });
    expect(malformed.status).toBe(400);
    const notAnEvent = await postCallback(app.url, { hello: 'world' }, { botId: BOT_ID, botSecret: BOT_SECRET });
    expect(notAnEvent.status).toBe(400);
    await settle();
    expect(await count()).toEqual(before);
  });

  it('the same callback delivered twice is answered once', async () => {
    const event = textEvent('u-a', 'ヘルプ');
    const first = await say(event);
    expect(flat(first)).toContain('使えるコマンド');
    const again = await say(event);
    expect(again).toEqual([]);
  });

  it('an answer that meets 429 is sent again after the wait', async () => {
    fake.failNext(1, 429, { 'retry-after': '0' });
    const sent = await say(textEvent('u-a', 'ヘルプ'));
    expect(flat(sent)).toContain('使えるコマンド');
  });

  it('a button of a delivered notice is answered by its postback', async () => {
    const sender = app.senders.get('lineworks');
    expect(sender).toBeDefined();
    const notice = reply(
      'モニタリングの時期です',
      [
        card(
          '今月のモニタリング',
          [{ label: 'ケース', value: world.persons.yamadaTaro.code }],
          [button('ケースを見る', 'case:show', world.persons.yamadaTaro.id)],
        ),
      ],
      'dm',
    );
    const before = fake.messages.length;
    const result = await sender?.send({ kind: 'user', workspaceId: String(DOMAIN), userId: 'u-a' }, notice, 'reminder:test:1');
    expect(result).toEqual({ ok: true });
    const delivered = fake.messages.slice(before);
    expect(delivered).toHaveLength(1);
    const action = (delivered[0]?.content.actions as { postback: string }[])[0];
    expect(action?.postback).toBe(`case:show|${world.persons.yamadaTaro.id}`);
    const answer = await say(textEvent('u-a', 'ケースを見る', action?.postback));
    expect(flat(answer)).toContain('山田 太郎');
  });

  it('a menu button pressed in the middle of a dialogue starts its command afresh', async () => {
    const q = await say(textEvent('u-a', '記録'));
    expect(flat(q)).toContain('（1/9）');
    const help = await say(textEvent('u-a', 'ヘルプ', 'menu:open|help'));
    expect(flat(help)).toContain('使えるコマンド');
    // The dialogue is gone: typed text is a command again.
    const again = await say(textEvent('u-a', 'ヘルプ'));
    expect(flat(again)).toContain('使えるコマンド');
  });

  it('a callback from a domain other than the configured one gets no answer', async () => {
    const before = fake.messages.length;
    const res = await postCallback(
      app.url,
      { ...textEvent('u-x', 'ヘルプ'), source: { userId: 'u-x', domainId: 12345 } },
      { botId: BOT_ID, botSecret: BOT_SECRET },
    );
    expect(res.status).toBe(200);
    await settle();
    expect(fake.messages.length).toBe(before);
  });

  it('a room event without a user (the bot joined a room) is accepted and needs no answer', async () => {
    const sent = await say({ type: 'joined', source: { channelId: 'room-9', domainId: DOMAIN }, issuedTime: stamp(), members: ['u-a'] });
    expect(sent).toEqual([]);
  });

  it('a sticker or image is answered with a hint to type', async () => {
    const sent = await say({
      type: 'message',
      source: source('u-a'),
      issuedTime: stamp(),
      content: { type: 'sticker', packageId: '1', stickerId: '2' },
    });
    expect(flat(sent)).toContain('文字で送ってください');
  });

  it('a channel notice (no personal data) is posted to the talk room', async () => {
    const sender = app.senders.get('lineworks');
    const before = fake.messages.length;
    const r = await sender?.send(
      { kind: 'channel', workspaceId: String(DOMAIN), channelId: 'room-kikan' },
      reply('新しい二次相談', [{ type: 'text', text: '二次相談 #12 が届きました。' }], 'channel'),
      'notice:1',
    );
    expect(r).toEqual({ ok: true });
    expect(fake.messages.slice(before)).toMatchObject([
      { kind: 'channel', to: 'room-kikan', content: { type: 'text', text: '二次相談 #12 が届きました。' } },
    ]);
  });

  it('never posts a personal reply to a talk room', async () => {
    const sender = app.senders.get('lineworks');
    const personal = reply('ケース', [card('山田 太郎', [])], 'dm');
    const r = await sender?.send({ kind: 'channel', workspaceId: String(DOMAIN), channelId: 'room-1' }, personal, 'x');
    expect(r).toMatchObject({ ok: false, permanent: true });
    expect(fake.messages.some((m) => m.kind === 'channel' && m.to === 'room-1')).toBe(false);
  });

  it('a consultation is logged through the dialogue across callbacks, continued by a second instance', async () => {
    const before = (await tdb.db.select().from(consultations)).length;
    const first = await say(textEvent('u-a', '記録'));
    expect(flat(first)).toContain('【相談記録】（1/9）');
    const qr = first.at(-1)?.content.quickReply as { items: { action: { type: string; label: string; data: string } }[] };
    expect(qr.items.length).toBeLessThanOrEqual(13);
    expect(qr.items.map((i) => i.action.label)).toEqual(expect.arrayContaining(['スキップ', '戻る', 'やめる']));
    expect(qr.items.every((i) => i.action.type === 'postback' && i.action.data.length <= 300)).toBe(true);
    await say(textEvent('u-a', world.persons.yamadaTaro.code));

    // A second instance on the same database; the first one goes away mid-dialogue.
    const second = await startApp(loadConfig(env()), { now: () => now });
    try {
      await app.stop();
      const dateQ = await say(postbackEvent('u-a', 'dialogue:answer|今日'), second);
      expect(flat(dateQ)).toContain('（3/9）');
      await say(postbackEvent('u-a', 'dialogue:answer|電話'), second);
      await say(textEvent('u-a', '2'), second); // モニタリング, by its number
      const summaryDraft = await say(textEvent('u-a', 'ちょうど'), second);
      expect(flat(summaryDraft)).toContain('（6/9）');
      await say(textEvent('u-a', '戻る'), second);
      await say(textEvent('u-a', '電話でモニタリング。変わりなし。'), second);
      const badMinutes = await say(textEvent('u-a', 'さんじゅう'), second);
      expect(flat(badMinutes)).toContain('数字で入力してください');
      await say(textEvent('u-a', '３０'), second);
      await say(postbackEvent('u-a', 'dialogue:answer|スキップ'), second);
      await say(postbackEvent('u-a', 'dialogue:answer|スキップ'), second);
      const done = await say(postbackEvent('u-a', 'dialogue:answer|no'), second);
      expect(flat(done)).toContain('相談記録を登録しました');
    } finally {
      await second.stop();
    }
    const rows = await tdb.db.select().from(consultations).where(eq(consultations.summary, '電話でモニタリング。変わりなし。'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      method: '電話',
      kind: 'モニタリング',
      minutes: 30,
      personId: world.persons.yamadaTaro.id,
      staffId: world.actors.a.staffId,
    });
    expect((await tdb.db.select().from(consultations)).length).toBe(before + 1);
  });
});
