import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAccounts, reminders } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { registerWorkspace } from '../../src/core/staff/link';
import { postCallback, startFakeLineWorks, type FakeLineWorks, type RecordedMessage } from '../fakes/lineworks';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

const BOT_ID = '3000001';
const BOT_SECRET = 'reminder-bot-secret-0123456789';
const DOMAIN = 50001234;
const USER_A = 'lw-user-a';
// Tuesday 1 December 2026, 08:31 JST: a business day, just after the default digest time.
const NOW = new Date('2026-11-30T23:31:00Z');

let tdb: TestDatabase;
let world: World;
let fake: FakeLineWorks;
let app: App;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  fake = await startFakeLineWorks();
  await registerWorkspace(tdb.db, world.tenantId, 'lineworks', String(DOMAIN));
  await tdb.db.insert(chatAccounts).values({
    tenantId: world.tenantId,
    staffId: world.actors.a.staffId,
    platform: 'lineworks',
    workspaceId: String(DOMAIN),
    userId: USER_A,
  });
  app = await startApp(
    loadConfig({
      DATABASE_URL: tdb.url,
      PORT: '0',
      DEMO_DATA: 'off',
      LOCAL_CHAT: 'off',
      SCHEDULER: 'true',
      SCHEDULER_PLAN_INTERVAL_MS: '500',
      LINEWORKS_BOT_ID: BOT_ID,
      LINEWORKS_BOT_SECRET: BOT_SECRET,
      LINEWORKS_CLIENT_ID: fake.clientId,
      LINEWORKS_CLIENT_SECRET: fake.clientSecret,
      LINEWORKS_SERVICE_ACCOUNT: fake.serviceAccount,
      LINEWORKS_PRIVATE_KEY: fake.privateKeyPem,
      LINEWORKS_DOMAIN_ID: String(DOMAIN),
      LINEWORKS_API_URL: fake.apiUrl,
      LINEWORKS_AUTH_URL: fake.authUrl,
    }),
    { now: () => NOW },
  );
});
afterAll(async () => {
  await app?.stop();
  await fake?.close();
  await tdb?.drop();
});

// any: LINE WORKS message JSON, walked generically to find the postback buttons.
function postbacks(node: any, found: { label: string; data: string }[] = []): { label: string; data: string }[] {
  if (Array.isArray(node)) for (const n of node) postbacks(n, found);
  else if (node && typeof node === 'object') {
    const data = node.type === 'postback' ? node.data : node.type === 'message' ? node.postback : undefined;
    if (typeof data === 'string') found.push({ label: node.label, data });
    for (const v of Object.values(node)) postbacks(v, found);
  }
  return found;
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const until = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > until) {
      const rows = await tdb.db.execute(sql`select kind, status, attempts, last_error, recipient_id, channel from deliveries`);
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(rows)} api=${JSON.stringify(fake.apiRequests)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

const toA = () => fake.messages.filter((m: RecordedMessage) => m.kind === 'user' && m.to === USER_A);

describe('LINE WORKS reminders', () => {
  it('delivers the morning digest to the counselor, and 完了 by postback marks the reminder done', async () => {
    const thisMonthReminder = async () =>
      (
        await tdb.db
          .select()
          .from(reminders)
          .where(and(eq(reminders.tenantId, world.tenantId), eq(reminders.kind, 'monitoring')))
      ).find((r) => r.dueOn === '2026-12-28');
    let thisMonth: Awaited<ReturnType<typeof thisMonthReminder>>;
    const doneButton = () =>
      postbacks(toA().map((m) => m.content)).find((p) => p.label === '完了' && p.data === `yotei:done|${thisMonth?.id}`);
    await waitFor(async () => {
      thisMonth ??= await thisMonthReminder();
      return doneButton() !== undefined;
    }, 'digest delivered to counselor A');
    // Overdue months came as one carousel (postback actions), this month's as a button template.
    expect(toA().some((m) => m.content.type === 'carousel')).toBe(true);
    const done = doneButton();

    // 完了 asks for the date and method first (a dialogue: 今日, then 訪問), then records.
    let seq = 0;
    const post = async (event: object, what: string) => {
      const before = toA().length;
      const issuedTime = new Date(NOW.getTime() + ++seq).toISOString();
      const res = await postCallback(
        app.url,
        { source: { userId: USER_A, domainId: DOMAIN }, issuedTime, ...event },
        { botId: BOT_ID, botSecret: BOT_SECRET },
      );
      expect(res.status).toBe(200);
      await waitFor(() => toA().length > before, what);
      return JSON.stringify(
        toA()
          .slice(before)
          .map((m) => m.content),
      );
    };
    expect(await post({ type: 'postback', data: done?.data }, 'answer to 完了')).toContain('モニタリングの実施');
    expect(
      (
        await tdb.db
          .select()
          .from(reminders)
          .where(eq(reminders.id, thisMonth?.id ?? ''))
      )[0]?.status,
    ).toBe('open');
    await post({ type: 'message', content: { type: 'text', text: '今日' } }, 'the method question');
    expect(await post({ type: 'message', content: { type: 'text', text: '訪問' } }, 'answer to the method')).toContain('完了にしました');
    const [row] = await tdb.db
      .select()
      .from(reminders)
      .where(eq(reminders.id, thisMonth?.id ?? ''));
    expect(row?.status).toBe('done');
    expect(row?.doneBy).toBe(world.actors.a.staffId);
    expect(fake.messages.some((m) => m.kind === 'channel')).toBe(false);
  });
});
