import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import type { Reply } from '../../src/chat/types';
import { FakeSlack, type SlackCall } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';
import { DELIVERING, linkedAccount, slackEnv, testAppConfig } from '../helpers/platform-app';

/**
 * "What to build" 5: on Slack, the notices of one 二次相談 (or 地域課題) to a staff member are one
 * thread in their DM: the first starts it, every later one is posted with its `thread_ts`.
 */
const TEAM = 'T0THREAD';
const USER = 'U0THREAD';
let tdb: TestDatabase;
let world: World;
let fake: FakeSlack;
let app: App;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  fake = await new FakeSlack().start();
  await linkedAccount(tdb, {
    tenantId: world.tenantId,
    staffId: world.actors.a.staffId,
    platform: 'slack',
    workspaceId: TEAM,
    userId: USER,
    now: new Date(),
  });
  app = await startApp(testAppConfig(tdb, { ...DELIVERING, ...slackEnv(fake, 'thread-secret', 'xoxb-thread') }));
});
afterAll(async () => {
  await app?.stop();
  await fake?.stop();
  await tdb?.drop();
});

const notice = (text: string): Reply => ({ visibility: 'dm', summary: text, blocks: [{ type: 'text', text }] });

/** Puts a notice for 職員A in the outbox and waits until the queue has sent it to "Slack". */
async function send(key: string, text: string): Promise<SlackCall> {
  const now = new Date();
  await tdb.db.insert(deliveries).values({
    tenantId: world.tenantId,
    idempotencyKey: key,
    recipientId: world.actors.a.staffId,
    kind: 'notice',
    payload: notice(text),
    runAt: now,
    createdAt: now,
  });
  const call = await fake.waitFor((c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes(text), 20_000);
  await expect
    .poll(async () => (await tdb.db.select({ s: deliveries.status }).from(deliveries).where(eq(deliveries.idempotencyKey, key)))[0]?.s, {
      timeout: 20_000,
    })
    .toBe('sent');
  return call;
}

async function tsOf(key: string): Promise<string> {
  const [row] = await tdb.db.select({ id: deliveries.platformMessageId }).from(deliveries).where(eq(deliveries.idempotencyKey, key));
  return (row?.id ?? '').split(':')[1] ?? '';
}

describe('Slack: one thread per 二次相談 / 地域課題 in the DM', () => {
  it('the first notice starts the thread; later ones of the same 二次相談 reply in it; others do not', { timeout: 60_000 }, async () => {
    const niji = randomUUID();
    const kadai = randomUUID();
    const first = await send(`niji:${niji}:accepted`, '二次相談 #4 を受付しました。');
    expect(first.body.thread_ts).toBeUndefined();
    const root = await tsOf(`niji:${niji}:accepted`);
    expect(root).not.toBe('');

    const advice = await send(`niji:${niji}:post:${randomUUID()}`, '二次相談 #4 に助言が追加されました。');
    expect(advice.body.thread_ts).toBe(root);
    expect(advice.body.channel).toBe(first.body.channel);
    const closed = await send(`niji:${niji}:closed`, '二次相談 #4 は終結しました。');
    expect(closed.body.thread_ts).toBe(root);

    // Another subject starts its own thread; a notice of no 二次相談 / 地域課題 is a plain message.
    const issue = await send(`kadai:${kadai}:filed`, '地域課題 #2 を登録しました。');
    expect(issue.body.thread_ts).toBeUndefined();
    const endorse = await send(`kadai:${kadai}:event:${randomUUID()}`, '地域課題 #2 に「うちでも同じ」が登録されました。');
    expect(endorse.body.thread_ts).toBe(await tsOf(`kadai:${kadai}:filed`));
    const other = await send(`reminder:${randomUUID()}`, '今日の予定です。');
    expect(other.body.thread_ts).toBeUndefined();
  });
});
