import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { button, card, reply } from '../../src/chat/replies';
import { loadConfig } from '../../src/config';
import { createLinkCode, redeemLinkCode, registerWorkspace } from '../../src/core/staff/link';
import { enqueueReply } from '../../src/scheduler/outbox';
import { FakeSlack } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

/** The delivery queue sends through the Slack sender: DMs to linked staff, posts to mapped channels. */
const TEAM = 'T0DELIV';
const USER = 'U0DELIV';
let tdb: TestDatabase;
let world: World;
let fake: FakeSlack;
let app: App;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  fake = await new FakeSlack().start();
  await registerWorkspace(tdb.db, world.tenantId, 'slack', TEAM, { 'kikan-queue': 'C0QUEUE' });
  await redeemLinkCode(
    tdb.db,
    'slack',
    TEAM,
    USER,
    await createLinkCode(tdb.db, world.tenantId, world.actors.a.staffId, new Date()),
    new Date(),
  );
  app = await startApp(
    loadConfig({
      DATABASE_URL: tdb.url,
      PORT: '0',
      DEMO_DATA: 'off',
      LOCAL_CHAT: 'off',
      SCHEDULER: 'true',
      DELIVERY_RETRY_BASE_MS: '200',
      SLACK_SIGNING_SECRET: 'delivery-secret',
      SLACK_BOT_TOKEN: 'xoxb-delivery',
      SLACK_API_URL: fake.apiUrl,
    }),
  );
});
afterAll(async () => {
  await app?.stop();
  await fake?.stop();
  await tdb?.drop();
});

async function statusOf(key: string) {
  const [row] = await tdb.db
    .select({ status: deliveries.status, attempts: deliveries.attempts, id: deliveries.platformMessageId })
    .from(deliveries)
    .where(eq(deliveries.idempotencyKey, key));
  return row;
}

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the delivery queue on Slack', () => {
  it('a reminder for a linked staff member arrives as a DM with its buttons, after a 429 is waited out', async () => {
    fake.rateLimit('chat.postMessage', 1);
    const reminder = reply(
      'モニタリングの期限',
      [
        card(
          'モニタリング期限',
          [{ label: 'ケース', value: 'C-0001' }],
          [button('完了', 'yotei:done', 'r1'), button('スヌーズ', 'yotei:snooze', 'r1')],
        ),
      ],
      'dm',
    );
    await enqueueReply(
      tdb.db,
      {
        tenantId: world.tenantId,
        idempotencyKey: 'slack-e2e:reminder',
        recipientId: world.actors.a.staffId,
        kind: 'reminder',
        reply: reminder,
      },
      new Date(),
    );
    const sent = await until(
      () => statusOf('slack-e2e:reminder'),
      (r) => r?.status === 'sent',
    );
    const posts = fake.of('chat.postMessage').filter((c) => c.body.channel === 'D0DELIV');
    expect(posts.length).toBe(2);
    expect(JSON.stringify(posts[1]?.body)).toContain('スヌーズ');
    expect(sent?.id).toMatch(/^D0DELIV:/);
    expect(fake.of('conversations.open')[0]?.body.users).toBe(USER);
  });

  it('a channel notice goes to the channel mapped to its purpose', async () => {
    await enqueueReply(
      tdb.db,
      {
        tenantId: world.tenantId,
        idempotencyKey: 'slack-e2e:queue',
        channel: 'kikan-queue',
        kind: 'notice',
        reply: reply('新しい二次相談', [{ type: 'text', text: '新しい二次相談があります（#1）' }], 'channel'),
      },
      new Date(),
    );
    await until(
      () => statusOf('slack-e2e:queue'),
      (r) => r?.status === 'sent',
    );
    expect(fake.of('chat.postMessage').some((c) => c.body.channel === 'C0QUEUE')).toBe(true);
  });
});
