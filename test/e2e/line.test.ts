import { count, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, consultations, formLinks, inboundEvents, lineInbox } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { jstToday } from '../../src/core/calendar/jst';
import { createLinkCode, registerWorkspace, UNLINKED_MESSAGE } from '../../src/core/staff/link';
import { encodePostback } from '../../src/platforms/line/postback';
import { FakeLineApi, lineEvent, signedWebhook } from '../fakes/line';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

const SECRET = 'test-channel-secret';
const BOT = 'Ubot0000000000000000000000000001';
const USER_A = 'U1111111111111111111111111111111a';
const USER_STRANGER = 'U2222222222222222222222222222222b';
const GROUP = 'C3333333333333333333333333333333c';

let tdb: TestDatabase;
let world: World;
let fake: FakeLineApi;
let app: App;
let app2: App;

const env = () => ({
  DATABASE_URL: tdb.url,
  PORT: '0',
  DEMO_DATA: 'off',
  LOCAL_CHAT: 'off',
  SCHEDULER: 'false',
  LINE_CHANNEL_SECRET: SECRET,
  LINE_CHANNEL_ACCESS_TOKEN: 'test-access-token',
  LINE_API_URL: fake.url,
  PUBLIC_BASE_URL: 'https://bot.example.jp',
  LINK_SECRET: 'a-test-link-secret-of-at-least-32-chars',
});

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  await registerWorkspace(tdb.db, world.tenantId, 'line', BOT);
  fake = await new FakeLineApi().start();
  app = await startApp(loadConfig(env()));
  app2 = await startApp(loadConfig(env()));
});

afterAll(async () => {
  await app?.stop();
  await app2?.stop();
  await fake?.stop();
  await tdb?.drop();
});

async function webhook(target: App, events: object[], opts: { signature?: string; body?: string } = {}): Promise<Response> {
  const signed = signedWebhook(SECRET, BOT, events);
  return fetch(`${target.url}/line/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-line-signature': opts.signature ?? signed.signature },
    body: opts.body ?? signed.body,
  });
}

/** Sends one event and waits for its answer: the reply made with this event's reply token. */
async function ask(target: App, event: { replyToken: string }) {
  const res = await webhook(target, [event]);
  expect(res.status).toBe(200);
  await fake.waitFor(
    () => fake.calls('/v2/bot/message/reply').some((r) => r.body.replyToken === event.replyToken),
    `reply to ${event.replyToken}`,
  );
  const call = fake.calls('/v2/bot/message/reply').find((r) => r.body.replyToken === event.replyToken);
  return call?.body.messages as any[]; // any: LINE message JSON, checked field by field below
}

const textsOf = (messages: any[]) => messages.filter((m) => m.type === 'text').map((m) => m.text as string); // any: as above

describe('LINE Messaging API end to end', () => {
  it('links a LINE account with the one-time code and only then answers', async () => {
    expect(textsOf(await ask(app, lineEvent.text(USER_A, 'ケース 山田')))).toEqual([UNLINKED_MESSAGE]);
    const code = await createLinkCode(tdb.db, world.tenantId, world.actors.a.staffId, new Date());
    expect(textsOf(await ask(app, lineEvent.text(USER_A, `連携 ${code}`)))[0]).toContain('連携しました');
    // The code is single-use: a second account cannot take it.
    expect(textsOf(await ask(app, lineEvent.text(USER_STRANGER, `連携 ${code}`)))[0]).toContain('連携コードが正しくない');
  });

  it('answers a case search with a carousel, and a postback opens the case card privately', async () => {
    const messages = await ask(app, lineEvent.text(USER_A, 'ケース 山田'));
    const carousel = messages.find((m) => m.type === 'flex');
    expect(carousel.contents.type).toBe('carousel');
    const titles = carousel.contents.contents.map((b: any) => b.body.contents[0].text); // any: Flex bubble JSON
    expect(titles.sort()).toEqual(['山田 太郎', '山田 花子']);
    const taro = carousel.contents.contents.find((b: any) => b.body.contents[0].text === '山田 太郎'); // any: as above
    const action = taro.footer.contents[0].action;
    expect(action).toMatchObject({ type: 'postback', label: '開く' });
    expect(action.data).toBe(encodePostback({ kind: 'action', id: 'case:show', value: world.persons.yamadaTaro.id }));

    const card = (await ask(app, lineEvent.postback(USER_A, action.data))).find((m) => m.type === 'flex');
    expect(card.contents.type).toBe('bubble');
    expect(card.contents.body.contents[0].text).toBe('山田 太郎');
    expect(JSON.stringify(card.contents.body)).toContain('次回モニタリング');
    expect(card.contents.footer.contents[0].action.label).toBe('記録する');
    const [views] = await tdb.db.select({ n: count() }).from(auditLog).where(eq(auditLog.actorStaffId, world.actors.a.staffId));
    expect(views?.n).toBeGreaterThan(0);

    // 「記録する」 on the card: the case is prefilled by its code, never by the internal id, in
    // the chat question and in the browser form the link opens.
    const question = await ask(app, lineEvent.postback(USER_A, card.contents.footer.contents[0].action.data));
    const [link] = await tdb.db
      .select({ form: formLinks.form })
      .from(formLinks)
      .where(eq(formLinks.platformUserId, USER_A))
      .orderBy(desc(formLinks.expiresAt))
      .limit(1);
    // The dialogue is left before checking, so that the next tests start without it.
    expect(textsOf(await ask(app, lineEvent.text(USER_A, 'やめる')))[0]).toContain('入力をやめました');
    const asked = textsOf(question).join('\n');
    expect(asked).toContain(`現在の値: ${world.persons.yamadaTaro.code}`);
    expect(asked).not.toMatch(/null|undefined/);
    expect(JSON.stringify(question)).not.toContain(world.persons.yamadaTaro.id);
    const keep = question.at(-1).quickReply.items.find((i: any) => i.action.label === 'そのまま'); // any: quick reply JSON
    expect(keep.action.data).toContain(encodeURIComponent(world.persons.yamadaTaro.code));
    const fields = (link?.form as { fields: { name: string; initial?: unknown }[] } | undefined)?.fields ?? [];
    expect(fields.find((f) => f.name === 'person')?.initial).toBe(world.persons.yamadaTaro.code);
  });

  it('refuses forged, oversized and malformed webhooks and stores nothing', async () => {
    const before = fake.requests.length;
    const [events0] = await tdb.db.select({ n: count() }).from(inboundEvents);
    const event = lineEvent.text(USER_A, 'ケース 山田');
    const forged = signedWebhook('not-the-secret', BOT, [event]);
    expect((await webhook(app, [event], { signature: forged.signature })).status).toBe(401);
    expect((await webhook(app, [event], { signature: '' })).status).toBe(401);
    const valid = signedWebhook(SECRET, BOT, [event]);
    // Same signature, body changed by one character: the signature is checked on the raw bytes.
    expect((await webhook(app, [event], { signature: valid.signature, body: valid.body.replace('山田', '山本') })).status).toBe(401);
    const huge = signedWebhook(SECRET, BOT, [lineEvent.text(USER_A, 'あ'.repeat(300_000))]);
    expect((await webhook(app, [], { signature: huge.signature, body: huge.body })).status).toBe(413);
    const notJson = '{"destination": "x", "events": [';
    const sig = signedWebhook(SECRET, BOT, []).signature;
    expect((await webhook(app, [], { signature: sig, body: notJson })).status).toBe(401);
    const { createHmac } = await import('node:crypto');
    const signedGarbage = createHmac('sha256', SECRET).update(notJson).digest('base64');
    expect((await webhook(app, [], { signature: signedGarbage, body: notJson })).status).toBe(400);
    const wrongShape = JSON.stringify({ hello: 'world' });
    expect(
      (await webhook(app, [], { signature: createHmac('sha256', SECRET).update(wrongShape).digest('base64'), body: wrongShape })).status,
    ).toBe(400);

    const [inbox] = await tdb.db.select({ n: count() }).from(lineInbox);
    const [events1] = await tdb.db.select({ n: count() }).from(inboundEvents);
    expect(inbox?.n).toBe(0);
    expect(events1?.n).toBe(events0?.n);
    expect(fake.requests.length).toBe(before);
  });

  it('acknowledges a webhook without waiting for the LINE API (LINE allows 2 seconds)', async () => {
    const release = fake.hold();
    try {
      const event = lineEvent.text(USER_A, 'ケース 山田');
      const res = await webhook(app, [event]);
      expect(res.status).toBe(200);
      // The answer is still on its way (held at the fake API) when the webhook has been acknowledged.
      await fake.waitFor(() => fake.waiting > 0, 'the answer to reach the held API');
      expect(fake.calls('/v2/bot/message/reply').some((r) => r.body.replyToken === event.replyToken)).toBe(false);
      release();
      await fake.waitFor(() => fake.calls('/v2/bot/message/reply').some((r) => r.body.replyToken === event.replyToken), 'the held answer');
    } finally {
      release();
    }
  });

  it('answers LINE’s verification request (no events) with 200', async () => {
    expect((await webhook(app, [])).status).toBe(200);
  });

  it('answers a redelivered event once, even when it reaches the other instance', async () => {
    const event = lineEvent.text(USER_A, 'ヘルプ');
    await ask(app, event);
    expect((await webhook(app2, [{ ...event, deliveryContext: { isRedelivery: true } }])).status).toBe(200);
    const replies = fake.calls('/v2/bot/message/reply').filter((r) => r.body.replyToken === event.replyToken);
    expect(replies).toHaveLength(1);
  });

  it('pushes the answer when the reply token is no longer valid', async () => {
    const event = lineEvent.text(USER_A, 'ケース 山田花子');
    fake.failNext('/v2/bot/message/reply', 400, { message: 'Invalid reply token' });
    expect((await webhook(app, [event])).status).toBe(200);
    await fake.waitFor(
      () => fake.messagesTo(USER_A).some((m) => m.type === 'flex' && JSON.stringify(m).includes('山田 花子')),
      'push to user A',
    );
    const push = fake.calls('/v2/bot/message/push').at(-1);
    expect(push?.headers['x-line-retry-key']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('in a group, answers case data in the 1:1 chat and only a notice in the group', async () => {
    const event = lineEvent.text(USER_A, 'ケース 山田太郎', { type: 'group', groupId: GROUP, userId: USER_A });
    const inGroup = await ask(app, event);
    expect(textsOf(inGroup)).toEqual(['個人に関わる内容のため、1対1のトークでお送りしました。']);
    expect(JSON.stringify(inGroup)).not.toContain('山田');
    await fake.waitFor(() => fake.messagesTo(USER_A).some((m) => JSON.stringify(m).includes('山田 太郎')), 'private push');
    expect(fake.messagesTo(GROUP)).toEqual([]);
  });

  it('stays quiet in a group when people talk to each other', async () => {
    const before = fake.requests.length;
    const chatter = lineEvent.text(USER_A, '明日の連絡会、よろしくお願いします', { type: 'group', groupId: GROUP, userId: USER_A });
    const stranger = lineEvent.text(USER_STRANGER, 'こんにちは', { type: 'group', groupId: GROUP, userId: USER_STRANGER });
    expect((await webhook(app, [chatter, stranger])).status).toBe(200);
    // A command after them is answered; nothing was sent for the chatter before it.
    await ask(app, lineEvent.text(USER_A, 'ヘルプ', { type: 'group', groupId: GROUP, userId: USER_A }));
    const sent = fake.requests.slice(before);
    expect(sent.some((r) => r.body.replyToken === chatter.replyToken || r.body.replyToken === stranger.replyToken)).toBe(false);
    expect(sent.filter((r) => r.path === '/v2/bot/message/push' && r.body.to === USER_STRANGER)).toEqual([]);
  });

  it('greets a group it joins, explaining that personal answers go to 1:1 chats', async () => {
    const greeting = await ask(app, lineEvent.join(GROUP));
    expect(textsOf(greeting)[0]).toContain('1対1のトーク');
  });

  it('retried pushes of one delivery carry the same X-Line-Retry-Key and are shown once', async () => {
    const sender = app.senders.get('line');
    if (!sender) throw new Error('LINE sender not registered');
    const reply = {
      visibility: 'dm' as const,
      blocks: [{ type: 'text' as const, text: 'モニタリングの期限が近づいています。' }],
      summary: 'お知らせ',
    };
    const to = { kind: 'user' as const, workspaceId: BOT, userId: USER_A };
    const first = await sender.send(to, reply, 'delivery:retry-test');
    const second = await app2.senders.get('line')?.send(to, reply, 'delivery:retry-test');
    expect(first.ok).toBe(true);
    expect(second?.ok).toBe(true);
    const pushes = fake.requests.filter((r) => r.path === '/v2/bot/message/push' && JSON.stringify(r.body).includes('期限が近づいて'));
    expect(pushes.map((p) => p.status)).toEqual([200, 409]);
    expect(pushes[0]?.headers['x-line-retry-key']).toBe(pushes[1]?.headers['x-line-retry-key']);
  });

  it('maps LINE errors to retry advice for the delivery queue', async () => {
    const sender = app.senders.get('line');
    if (!sender) throw new Error('LINE sender not registered');
    const reply = { visibility: 'dm' as const, blocks: [{ type: 'text' as const, text: '通知' }], summary: '通知' };
    const to = { kind: 'user' as const, workspaceId: BOT, userId: USER_A };
    fake.failNext('/v2/bot/message/push', 429, { message: 'Too many requests' }, { 'retry-after': '7' });
    expect(await sender.send(to, reply, 'delivery:429')).toMatchObject({ ok: false, permanent: false, retryAfterMs: 7000 });
    fake.failNext('/v2/bot/message/push', 400, { message: 'The request body has 1 error(s)' });
    expect(await sender.send(to, reply, 'delivery:400')).toMatchObject({ ok: false, permanent: true });
    fake.failNext('/v2/bot/message/push', 500, { message: 'Internal error' });
    expect(await sender.send(to, reply, 'delivery:500')).toMatchObject({ ok: false, permanent: false });
  });

  it('logs a consultation through the dialogue, continued by a second bot instance', async () => {
    const first = await ask(app, lineEvent.text(USER_A, '記録'));
    expect(textsOf(first)[0]).toContain('【相談記録】（1/9）');
    // Long form: a one-time browser link comes along, carrying the question's quick replies.
    const last = first.at(-1);
    expect(last.type).toBe('flex');
    expect(JSON.stringify(last)).toContain('https://bot.example.jp/form?t=');
    expect(last.quickReply.items.map((i: any) => i.action.label)).toContain('やめる'); // any: quick reply JSON

    const both = [app2, app];
    const answer = async (i: number, text: string) => ask(both[i % 2] as App, lineEvent.text(USER_A, text));
    expect(textsOf(await answer(0, world.persons.yamadaTaro.code))[0]).toContain('（2/9）');
    // The date question offers LINE's date picker; its postback carries the picked date.
    const dateQuestion = fake.calls('/v2/bot/message/reply').at(-1)?.body.messages.at(-1);
    const picker = dateQuestion.quickReply.items.find((i: any) => i.action.type === 'datetimepicker'); // any: quick reply JSON
    expect(picker.action.mode).toBe('date');
    const today = jstToday(new Date());
    const afterDate = await ask(app, lineEvent.postback(USER_A, picker.action.data, { date: today }));
    expect(textsOf(afterDate)[0]).toContain('（3/9）');
    expect(textsOf(await answer(0, '電話'))[0]).toContain('（4/9）');
    expect(textsOf(await answer(1, '福祉サービスの利用援助'))[0]).toContain('（5/9）');
    expect(textsOf(await answer(0, '電話で近況を確認した。来月訪問予定。'))[0]).toContain('（6/9）');
    expect(textsOf(await answer(1, '30'))[0]).toContain('（7/9）');
    expect(textsOf(await answer(0, 'スキップ'))[0]).toContain('（8/9）');
    expect(textsOf(await answer(1, 'スキップ'))[0]).toContain('（9/9）');
    const done = await answer(0, 'なし');
    expect(JSON.stringify(done)).toContain('相談記録を登録しました');

    const rows = await tdb.db.select().from(consultations).where(eq(consultations.personId, world.persons.yamadaTaro.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ method: '電話', kind: '福祉サービスの利用援助', minutes: 30, occurredOn: today });
  });

  it('a rich menu tap runs its command and replaces a half-answered form', async () => {
    expect(textsOf(await ask(app, lineEvent.text(USER_A, '記録')))[0]).toContain('（1/9）');
    const help = await ask(app2, lineEvent.postback(USER_A, 'c=help'));
    expect(JSON.stringify(help)).toContain('soudan-bot で使えるコマンド');
    // The form was dropped: typed words are commands again, not answers.
    expect(textsOf(await ask(app, lineEvent.text(USER_A, 'ケース')))[0]).toContain('探したい方の氏名');
  });
});
