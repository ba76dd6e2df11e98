import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAccounts, deliveries, platformThrottles, reminders } from '../../db/schema/index';
import { SenderRegistry } from '../../src/chat/adapter';
import { listDeadDeliveries, retryDelivery } from '../../src/scheduler/outbox';
import { startScheduler, type Scheduler, type SchedulerSettings } from '../../src/scheduler/index';
import { enqueueReply } from '../../src/scheduler/outbox';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';
import { FakePlatform, httpSender } from '../multiprocess/fake-platform';

let tdb: TestDatabase;
let world: World;
let platform: FakePlatform;
let scheduler: Scheduler;
// Tuesday 1 December 2026, 08:31 JST: a business day, just after the default digest hour.
const now = new Date('2026-11-30T23:31:00Z');

const settings: SchedulerSettings = {
  planIntervalMs: 3_600_000,
  syncIntervalMs: 0,
  maxAttempts: 3,
  retryBaseMs: 50,
  retryMaxMs: 200,
  concurrencyPerPlatform: 2,
  workers: 4,
  clock: 'system',
};

async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const statusOf = async (key: string) => (await tdb.db.select().from(deliveries).where(eq(deliveries.idempotencyKey, key)))[0];

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  platform = await new FakePlatform().start();
  const senders = new SenderRegistry();
  senders.add(httpSender('slack', platform.url));
  await tdb.db
    .insert(chatAccounts)
    .values({ tenantId: world.tenantId, staffId: world.actors.a.staffId, platform: 'slack', workspaceId: 'T1', userId: 'U-A' });
  scheduler = await startScheduler({ url: tdb.url, senders, settings, now: () => now });
});
afterAll(async () => {
  await scheduler?.stop();
  await platform?.stop();
  await tdb?.drop();
});

describe('the morning digest', () => {
  it('reaches the counselor once, with this month and the overdue monitoring months', async () => {
    await scheduler.planOnce();
    const key = `digest:${world.actors.a.staffId}:2026-12-01`;
    await until('digest sent', async () => (await statusOf(key))?.status === 'sent');
    const got = platform.received.filter((r) => r.key === key);
    expect(got).toHaveLength(1);
    expect(got[0]?.to).toEqual({ kind: 'user', workspaceId: 'T1', userId: 'U-A' });
    expect(got[0]?.summary).toContain('期限超過 2件');
    const rows = await tdb.db
      .select()
      .from(reminders)
      .where(and(eq(reminders.tenantId, world.tenantId), eq(reminders.kind, 'monitoring')));
    expect(rows.map((r) => r.dueOn).sort()).toEqual(['2026-06-30', '2026-09-30', '2026-12-28']);
  });

  it('planning again (another instance, a restart) sends nothing twice', async () => {
    const before = platform.received.length;
    await scheduler.planOnce();
    await scheduler.planOnce();
    await new Promise((r) => setTimeout(r, 1500));
    expect(platform.received.length).toBe(before);
    expect([...platform.counts().values()].every((n) => n === 1)).toBe(true);
  });
});

describe('escalation and dead letters', () => {
  it('the overdue months go to the office manager in one message; with no way to reach them it is dead-lettered, listed and retried', async () => {
    const escalations = await tdb.db.select().from(deliveries).where(eq(deliveries.kind, 'escalation'));
    // Two overdue months (June and September) of one person: one message listing both.
    expect(escalations).toHaveLength(1);
    expect(escalations[0]?.idempotencyKey).toMatch(new RegExp(`^escalation:${world.actors.a2.staffId}:2026-12-01:[0-9a-f]{16}$`));
    expect(JSON.stringify(escalations[0]?.payload)).toContain('モニタリング未記録 2件');
    await until('escalation dead', async () => (await listDeadDeliveries(tdb.db, world.tenantId)).length === 1);
    const dead = await listDeadDeliveries(tdb.db, world.tenantId);
    expect(dead[0]?.lastError).toContain('no linked chat account');
    expect(dead.every((d) => d.recipientId === world.actors.a2.staffId)).toBe(true);
    await tdb.db
      .insert(chatAccounts)
      .values({ tenantId: world.tenantId, staffId: world.actors.a2.staffId, platform: 'slack', workspaceId: 'T1', userId: 'U-A2' });
    for (const d of dead) expect(await retryDelivery(tdb.db, world.tenantId, d.id, now)).toBe(true);
    expect(await retryDelivery(tdb.db, world.tenantId, dead[0]?.id ?? '', now)).toBe(false);
    await until(
      'escalation sent',
      async () =>
        (await listDeadDeliveries(tdb.db, world.tenantId)).length === 0 &&
        platform.received.filter((r) => r.to.kind === 'user' && r.to.userId === 'U-A2').length === 1,
    );
  });
});

describe('platform failures', () => {
  it('a 429 holds every send to that platform for Retry-After, then the message goes once', async () => {
    platform.addRule({ status: 429, times: 1, retryAfterSeconds: 1, match: (b) => b.key === 'test:429' });
    await enqueueReply(
      tdb.db,
      {
        tenantId: world.tenantId,
        idempotencyKey: 'test:429',
        recipientId: world.actors.a.staffId,
        kind: 'notice',
        reply: { visibility: 'dm', blocks: [], summary: '429のテスト' },
        runAt: now,
      },
      now,
    );
    await until(
      'throttle recorded',
      async () => (await tdb.db.select().from(platformThrottles).where(eq(platformThrottles.platform, 'slack')))[0],
    );
    const sent = await until('sent after 429', async () => {
      const d = await statusOf('test:429');
      return d?.status === 'sent' ? d : null;
    });
    expect(sent.attempts).toBe(1);
    expect(platform.counts().get('test:429')).toBe(1);
  });

  it('a 500 is retried with backoff; one that keeps failing ends dead with its error', async () => {
    platform.addRule({ status: 500, times: 2, match: (b) => b.key === 'test:500-once' });
    platform.addRule({ status: 500, times: Number.POSITIVE_INFINITY, match: (b) => b.key === 'test:500-always' });
    for (const k of ['test:500-once', 'test:500-always']) {
      await enqueueReply(
        tdb.db,
        {
          tenantId: world.tenantId,
          idempotencyKey: k,
          recipientId: world.actors.a.staffId,
          kind: 'notice',
          reply: { visibility: 'dm', blocks: [], summary: k },
          runAt: now,
        },
        now,
      );
    }
    const ok = await until('retried to success', async () => {
      const d = await statusOf('test:500-once');
      return d?.status === 'sent' ? d : null;
    });
    expect(ok.attempts).toBe(3);
    const dead = await until('dead after max attempts', async () => {
      const d = await statusOf('test:500-always');
      return d?.status === 'dead' ? d : null;
    });
    expect(dead.attempts).toBe(3);
    expect(dead.lastError).toContain('HTTP 500');
    expect(platform.counts().get('test:500-once')).toBe(1);
    expect(platform.counts().get('test:500-always')).toBeUndefined();
  });
});
