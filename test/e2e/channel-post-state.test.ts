import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app';
import { decideIssue, endorseIssue, triageIssue } from '../../src/core/regional/steps';
import { fileRegionalIssue } from '../../src/core/regional/file';
import { requestSecondary } from '../../src/core/secondary/request';
import { acceptSecondary, closeSecondary } from '../../src/core/secondary/steps';
import { registerWorkspace } from '../../src/core/staff/link';
import { channelPostsOf } from '../../src/scheduler/outbox';
import { FakeSlack } from '../fakes/slack';
import { startFakeLineWorks, type FakeLineWorks } from '../fakes/lineworks';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { DELIVERING, lineWorksEnv, slackEnv, testAppConfig } from '../helpers/platform-app';
import { makeWorld, type World } from '../helpers/world';

/**
 * Issue 18 item 11, from the platforms' side: a channel post never goes stale. The 二次相談 in the
 * 基幹's queue loses its 受付 button once taken; a 地域課題's count grows with every 「うちでも同じ」
 * and the button goes once the issue is resolved. Slack edits the first post (chat.update, seen
 * by the fake Slack); LINE WORKS cannot edit a message, so the new state arrives as a new one.
 */
const request = {
  personId: null,
  profile: { ageBand: '40代', category: '知的' },
  difficulties: ['支援拒否'],
  tried: '訪問を重ねた。',
  question: '関わり方の助言がほしい。',
  urgency: 'normal' as const,
  helpWanted: ['助言'],
};
const issueInput = { title: '夜間に使える短期入所が足りない', finding: '家族の急病時に受け入れ先がない。', affectedCount: 3 };

let debugRows: (() => Promise<unknown>) | undefined;
async function until<T>(f: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met: ${JSON.stringify(v).slice(0, 400)} ${JSON.stringify(await debugRows?.())}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('on Slack the first channel post is edited in place', () => {
  let tdb: TestDatabase;
  let world: World;
  let fake: FakeSlack;
  let app: App;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    world = await makeWorld(tdb.db);
    fake = await new FakeSlack().start();
    debugRows = () =>
      tdb.db.execute(
        sql`select idempotency_key, status, last_error, platform_message_id, run_at from deliveries where channel is not null`,
      );
    await registerWorkspace(tdb.db, world.tenantId, 'slack', 'T0STATE', { 'kikan-queue': 'C0QUEUE', council: 'C0COUNCIL' });
    app = await startApp(testAppConfig(tdb, { ...DELIVERING, ...slackEnv(fake, 'state-secret', 'xoxb-state') }));
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.stop();
    await tdb?.drop();
  });

  const calls = (method: string, channel: string) => fake.of(method).filter((c) => c.body.channel === channel);

  it('a 二次相談 taken and closed: the queue post is updated, 受付 is no longer offered', async () => {
    const row = await requestSecondary(tdb.db, world.actors.a, request, new Date());
    const [first] = await until(
      () => calls('chat.postMessage', 'C0QUEUE'),
      (c) => c.length === 1,
    );
    expect(JSON.stringify(first?.body)).toContain('niji:accept');

    await acceptSecondary(tdb.db, world.actors.kikan, row.id, new Date());
    const [update] = await until(
      () => calls('chat.update', 'C0QUEUE'),
      (c) => c.length === 1,
    );
    const body = JSON.stringify(update?.body);
    expect(body).not.toContain('niji:accept');
    expect(body).toContain('niji:show');
    expect(body).toContain('受付（担当: 基幹職員）');
    expect(typeof (update?.body as { ts?: unknown }).ts).toBe('string');

    await closeSecondary(tdb.db, world.actors.kikan, row.id, { outcome: '助言で解決', summary: '', regional: null }, new Date());
    const updates = await until(
      () => calls('chat.update', 'C0QUEUE'),
      (c) => c.length === 2,
    );
    expect(JSON.stringify(updates[1]?.body)).toContain('終結');
    expect(JSON.stringify(updates[1]?.body)).not.toContain('niji:accept');
    // Every state edits the one post: no second post in the queue.
    expect(calls('chat.postMessage', 'C0QUEUE')).toHaveLength(1);
  });

  it('a 地域課題: the count grows with 「うちでも同じ」, and the button goes once it is resolved', async () => {
    const issue = await fileRegionalIssue(tdb.db, world.actors.a, issueInput, new Date());
    const [first] = await until(
      () => calls('chat.postMessage', 'C0COUNCIL'),
      (c) => c.length === 1,
    );
    expect(JSON.stringify(first?.body)).toContain('kadai:endorse');
    expect(JSON.stringify(first?.body)).toContain('3件');

    await endorseIssue(tdb.db, world.actors.b, issue.id, 5, new Date());
    const [counted] = await until(
      () => calls('chat.update', 'C0COUNCIL'),
      (c) => c.length === 1,
    );
    expect(JSON.stringify(counted?.body)).toContain('8件（2事業所）');
    expect(JSON.stringify(counted?.body)).toContain('kadai:endorse');

    await triageIssue(
      tdb.db,
      world.actors.kikan,
      issue.id,
      { priority: 'high', routing: 'teireikai', councilBodyId: null, note: '' },
      new Date(),
    );
    await decideIssue(tdb.db, world.actors.kikan, issue.id, 'resolve', '短期入所の夜間枠を確保した。', new Date());
    // 整理 and 解決 follow each other at once: the 整理 state may be superseded before it is sent,
    // and the last edit the channel sees is always the newest state.
    const updates = await until(
      () => calls('chat.update', 'C0COUNCIL'),
      (c) => JSON.stringify(c.at(-1)?.body ?? '').includes('解決'),
    );
    expect(updates.length).toBeLessThanOrEqual(3);
    const last = JSON.stringify(updates.at(-1)?.body);
    expect(last).toContain('解決');
    expect(last).not.toContain('kadai:endorse');
    expect(last).toContain('8件（2事業所）');
    expect(calls('chat.postMessage', 'C0COUNCIL')).toHaveLength(1);

    // The web chat's channel view shows the first post in its newest state.
    const view = await channelPostsOf(tdb.db, world.tenantId);
    const mine = view.filter((p) => JSON.stringify(p.payload).includes(`地域課題 #${issue.number}`));
    expect(mine).toHaveLength(1);
    expect(JSON.stringify(mine[0]?.payload)).toContain('解決');
    expect(JSON.stringify(mine[0]?.payload)).not.toContain('kadai:endorse');

    // A stale button pressed anyway is answered politely, and nothing is stored.
    await expect(endorseIssue(tdb.db, world.actors.kikan, issue.id, 2, new Date())).rejects.toMatchObject({
      userMessage: expect.stringMatching(/「解決」のため、登録できません/),
    });
  });
});

describe('on LINE WORKS, which cannot edit a message, the new state is a new message', () => {
  const DOMAIN = 40_077;
  let tdb: TestDatabase;
  let world: World;
  let works: FakeLineWorks;
  let app: App;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    world = await makeWorld(tdb.db);
    works = await startFakeLineWorks();
    debugRows = async () => [
      await tdb.db.execute(sql`select idempotency_key, status, platform, attempts from deliveries`),
      works.apiRequests,
    ];
    await registerWorkspace(tdb.db, world.tenantId, 'lineworks', String(DOMAIN), { 'kikan-queue': 'queue-channel' });
    app = await startApp(
      testAppConfig(tdb, { ...DELIVERING, ...lineWorksEnv(works, { botId: 'bot-state', botSecret: 'lw-state-secret', domainId: DOMAIN }) }),
    );
  });
  afterAll(async () => {
    await app?.stop();
    await works?.close();
    await tdb?.drop();
  });

  it('受付 arrives as a second post showing who took it, without 受付', async () => {
    const row = await requestSecondary(tdb.db, world.actors.a, request, new Date());
    const posts = () => works.messages.filter((m) => m.kind === 'channel' && m.to === 'queue-channel');
    await until(posts, (p) => p.length === 1);
    expect(JSON.stringify(posts()[0]?.content)).toContain('niji:accept');
    await acceptSecondary(tdb.db, world.actors.kikan, row.id, new Date());
    // The new state as LINE WORKS shows it: the lead line, then the post without 受付.
    const state = JSON.stringify((await until(posts, (p) => p.length >= 3)).slice(1).map((m) => m.content));
    expect(state).toContain('受付済みです');
    expect(state).not.toContain('niji:accept');
  });
});
