import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAccounts, reminders } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { registerWorkspace } from '../../src/core/staff/link';
import { decodePostback } from '../../src/platforms/line/postback';
import { FakeLineApi, lineEvent, signedWebhook } from '../fakes/line';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

const SECRET = 'reminder-channel-secret';
const BOT = 'Ubot-reminders';
const USER_A = 'U-reminder-a';
// Tuesday 1 December 2026, 08:31 JST: a business day, just after the default digest time.
const NOW = new Date('2026-11-30T23:31:00Z');

let tdb: TestDatabase;
let world: World;
let fake: FakeLineApi;
let app: App;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  await registerWorkspace(tdb.db, world.tenantId, 'line', BOT);
  await tdb.db
    .insert(chatAccounts)
    .values({ tenantId: world.tenantId, staffId: world.actors.a.staffId, platform: 'line', workspaceId: BOT, userId: USER_A });
  fake = await new FakeLineApi().start();
  app = await startApp(
    loadConfig({
      DATABASE_URL: tdb.url,
      PORT: '0',
      DEMO_DATA: 'off',
      LOCAL_CHAT: 'off',
      SCHEDULER: 'true',
      SCHEDULER_PLAN_INTERVAL_MS: '500',
      LINE_CHANNEL_SECRET: SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: 'test-access-token',
      LINE_API_URL: fake.url,
    }),
    { now: () => NOW },
  );
});

afterAll(async () => {
  await app?.stop();
  await fake?.stop();
  await tdb?.drop();
});

// any: LINE message JSON; walked generically to find the buttons.
function postbacks(node: any, found: { label: string; data: string }[] = []): { label: string; data: string }[] {
  if (Array.isArray(node)) for (const n of node) postbacks(n, found);
  else if (node && typeof node === 'object') {
    if (node.type === 'postback' && typeof node.data === 'string') found.push({ label: node.label, data: node.data });
    for (const v of Object.values(node)) postbacks(v, found);
  }
  return found;
}

describe('LINE reminders', () => {
  it('delivers the morning digest by push, and 完了 marks the monitoring reminder done', async () => {
    await fake.waitFor(() => postbacks(fake.messagesTo(USER_A)).some((p) => p.label === '完了'), 'digest pushed to counselor A');
    const push = fake.calls('/v2/bot/message/push').find((r) => r.body.to === USER_A);
    expect(push?.headers['x-line-retry-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(push?.headers.authorization).toBe('Bearer test-access-token');

    const buttonFor = (id: string | undefined) =>
      postbacks(fake.messagesTo(USER_A)).find((p) => {
        const a = decodePostback(p.data);
        return p.label === '完了' && a?.kind === 'action' && a.id === 'yotei:done' && a.value === id;
      });
    // The digest may take several pushes: wait until both months' buttons have arrived.
    let thisMonth: typeof reminders.$inferSelect | undefined;
    let overdue: typeof reminders.$inferSelect | undefined;
    for (let i = 0; i < 100 && !(buttonFor(thisMonth?.id) && buttonFor(overdue?.id)); i++) {
      const monitoring = await tdb.db
        .select()
        .from(reminders)
        .where(and(eq(reminders.tenantId, world.tenantId), eq(reminders.kind, 'monitoring')));
      thisMonth = monitoring.find((r) => r.dueOn === '2026-12-28');
      overdue = monitoring.find((r) => r.dueOn === '2026-09-30');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(buttonFor(thisMonth?.id)).toBeDefined();
    expect(buttonFor(overdue?.id)).toBeDefined();

    const send = async (data: string) => {
      const event = lineEvent.postback(USER_A, data);
      const { body, signature } = signedWebhook(SECRET, BOT, [event]);
      const res = await fetch(`${app.url}/line/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-line-signature': signature },
        body,
      });
      expect(res.status).toBe(200);
      await fake.waitFor(() => fake.calls('/v2/bot/message/reply').some((r) => r.body.replyToken === event.replyToken), 'answer to 完了');
      return JSON.stringify(fake.calls('/v2/bot/message/reply').find((r) => r.body.replyToken === event.replyToken)?.body.messages);
    };

    // This month's monitoring: 完了 asks for the date and method (a dialogue), then marks it done.
    const asked = await send(buttonFor(thisMonth?.id)?.data ?? '');
    expect(asked).toContain('【モニタリングの実施】（1/2）');
    const say = async (text: string) => {
      const event = lineEvent.text(USER_A, text);
      const { body, signature } = signedWebhook(SECRET, BOT, [event]);
      const res = await fetch(`${app.url}/line/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-line-signature': signature },
        body,
      });
      expect(res.status).toBe(200);
      await fake.waitFor(
        () => fake.calls('/v2/bot/message/reply').some((r) => r.body.replyToken === event.replyToken),
        `answer to ${text}`,
      );
      return JSON.stringify(fake.calls('/v2/bot/message/reply').find((r) => r.body.replyToken === event.replyToken)?.body.messages);
    };
    await say('今日');
    const answer = await say('訪問');
    expect(answer).toContain('完了にしました');
    const [row] = await tdb.db
      .select()
      .from(reminders)
      .where(eq(reminders.id, thisMonth?.id ?? ''));
    expect(row?.status).toBe('done');
    expect(row?.doneBy).toBe(world.actors.a.staffId);

    // An overdue month cannot just be ticked: the record form starts as a LINE dialogue instead.
    const record = await send(buttonFor(overdue?.id)?.data ?? '');
    expect(record).toContain('【相談記録】（1/9）');
  });
});
