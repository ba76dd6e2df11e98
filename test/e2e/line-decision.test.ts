/**
 * Issue 15 on LINE: a counselor enters a change of monitoring frequency of a 支給決定 through the
 * same form definition as everywhere else, here as a dialogue (one question a message), sees the
 * months before saving, confirms with one answer, and the case card shows the new rule.
 * Signed webhooks in, a fake LINE API on loopback records what goes out.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAccounts, servicePlans } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { registerWorkspace } from '../../src/core/staff/link';
import { decodePostback } from '../../src/platforms/line/postback';
import { FakeLineApi, lineEvent, signedWebhook } from '../fakes/line';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

const SECRET = 'decision-channel-secret';
const BOT = 'Ubot-decisions';
const USER_A = 'U-decision-a';
// Thursday 3 December 2026, 10:00 JST. 山田太郎 (C-0001): 2026-04-01 – 2027-03-31, 3か月ごと.
const NOW = new Date('2026-12-03T01:00:00Z');

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
      SCHEDULER: 'false',
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

/** Sends one event and returns the messages of the reply to it. */
async function send(event: ReturnType<typeof lineEvent.text>): Promise<unknown[]> {
  const { body, signature } = signedWebhook(SECRET, BOT, [event]);
  const res = await fetch(`${app.url}/line/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-line-signature': signature },
    body,
  });
  expect(res.status).toBe(200);
  await fake.waitFor(() => fake.calls('/v2/bot/message/reply').some((r) => r.body.replyToken === event.replyToken), 'the reply');
  return (fake.calls('/v2/bot/message/reply').find((r) => r.body.replyToken === event.replyToken)?.body.messages ?? []) as unknown[];
}
const say = (text: string) => send(lineEvent.text(USER_A, text));

describe('支給決定 on LINE', () => {
  it('a change of frequency as a dialogue: the months shown, one answer to save, the card shows 毎月', async () => {
    const menu = await say('支給決定 C-0001');
    const change = postbacks(menu).find((p) => p.label === '変更');
    expect(change && decodePostback(change.data)).toMatchObject({ kind: 'action', id: 'shikyu:form' });
    const first = JSON.stringify(await send(lineEvent.postback(USER_A, change?.data ?? '')));
    expect(first).toContain('【支給決定（変更）】（1/');

    // Person (prefilled), the month, no new end, 毎月, no standard months, no services, no notice date, number or certificate.
    const answers = ['C-0001', '令和9年1月', 'スキップ', '毎月', 'スキップ', '決定', 'スキップ', 'スキップ'];
    for (const a of answers) await say(a);
    const preview = JSON.stringify(await say('スキップ'));
    expect(preview).toContain('2026年6月・2026年9月・2026年12月・2027年1月・2027年2月・2027年3月');
    expect(preview).toContain('【支給決定（変更）の確認】（1/1）');
    const [before] = await tdb.db.select().from(servicePlans).where(eq(servicePlans.personId, world.persons.yamadaTaro.id));
    expect(before?.version).toBe(1);

    const saved = JSON.stringify(await say('確認した内容で保存する'));
    expect(saved).toContain('支給決定（変更）を保存しました');
    expect(saved).toContain('毎月');
    const [after] = await tdb.db.select().from(servicePlans).where(eq(servicePlans.personId, world.persons.yamadaTaro.id));
    expect(after?.segments).toEqual([{ from: '2027-01', frequencyMonths: 1 }]);
  });
});
