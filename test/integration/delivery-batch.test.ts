/**
 * The batch path of a delivery attempt (src/scheduler/deliver.ts) against real PostgreSQL,
 * without the job library: a batch leases, sends and records each of its deliveries once,
 * keeps every per-delivery outcome apart, and honours the lease of another attempt.
 */
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAccounts, deliveries } from '../../db/schema/index';
import { SenderRegistry } from '../../src/chat/adapter';
import { systemClock } from '../../src/core/clock';
import { SchedulerConnection } from '../../src/scheduler/connection';
import { attemptDeliveries, attemptDelivery, type DeliverOptions } from '../../src/scheduler/deliver';
import { Semaphores } from '../../src/scheduler/semaphore';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';
import { FakePlatform, httpSender } from '../multiprocess/fake-platform';

let tdb: TestDatabase;
let world: World;
let platform: FakePlatform;
let conn: SchedulerConnection;
let o: DeliverOptions;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  platform = await new FakePlatform().start();
  const senders = new SenderRegistry();
  senders.add(httpSender('slack', platform.url));
  await tdb.db
    .insert(chatAccounts)
    .values({ tenantId: world.tenantId, staffId: world.actors.a.staffId, platform: 'slack', workspaceId: 'T1', userId: 'U-A' });
  conn = new SchedulerConnection(tdb.url, 4);
  o = {
    conn,
    senders,
    clock: systemClock,
    instanceId: 'test:1:aaaaaa',
    maxAttempts: 3,
    retryBaseMs: 50,
    retryMaxMs: 200,
    semaphores: new Semaphores(4),
  };
});
afterAll(async () => {
  await conn?.close();
  await platform?.stop();
  await tdb?.drop();
});

/** Outbox rows with a job id each, as the relay leaves them. */
async function enqueue(prefix: string, n: number, recipientId: string | null = world.actors.a.staffId) {
  const rows = await tdb.db
    .insert(deliveries)
    .values(
      Array.from({ length: n }, (_, i) => ({
        tenantId: world.tenantId,
        idempotencyKey: `${prefix}:${i}`,
        recipientId,
        kind: 'notice',
        payload: { visibility: 'dm', blocks: [], summary: `${prefix}:${i}` },
        jobId: `job-${prefix}-${i}`,
        runAt: new Date(),
        createdAt: new Date(),
      })),
    )
    .returning({ id: deliveries.id, jobId: deliveries.jobId });
  return rows.map((r) => ({ deliveryId: r.id, jobId: r.jobId! }));
}

describe('a batch of deliveries', () => {
  it('each delivery of the batch is sent once and recorded as sent', async () => {
    const jobs = await enqueue('batch', 30);
    const results = await attemptDeliveries(o, jobs);
    expect(results.map((r) => ('outcome' in r ? r.outcome : r.error.message))).toEqual(jobs.map(() => 'sent'));
    const rows = await tdb.db
      .select()
      .from(deliveries)
      .where(
        inArray(
          deliveries.id,
          jobs.map((j) => j.deliveryId),
        ),
      );
    expect(
      rows.every(
        (r) => r.status === 'sent' && r.platform === 'slack' && r.attempts === 1 && r.claimedUntil === null && r.platformMessageId,
      ),
    ).toBe(true);
    for (let i = 0; i < 30; i++) expect(platform.counts().get(`batch:${i}`)).toBe(1);
    // The same jobs again (the job library re-ran them): nothing is sent twice.
    expect((await attemptDeliveries(o, jobs)).every((r) => 'outcome' in r && r.outcome === 'skipped')).toBe(true);
    expect(platform.requests).toBe(30);
  });

  it('outcomes stay per delivery: one with no way to reach, one whose platform fails, the rest sent', async () => {
    const ok = await enqueue('mixed-ok', 3);
    const [unreachable] = await enqueue('mixed-none', 1, world.actors.a2.staffId);
    platform.addRule({ status: 500, times: 1, match: (b) => b.key === 'mixed-ok:1' });
    const results = await attemptDeliveries(o, [...ok, unreachable!]);
    expect(results.map((r) => ('outcome' in r ? r.outcome : 'error'))).toEqual(['sent', 'retry', 'sent', 'dead']);
    const [retried] = await tdb.db.select().from(deliveries).where(eq(deliveries.id, ok[1]!.deliveryId));
    expect(retried).toMatchObject({ status: 'pending', jobId: null, claimedBy: null, attempts: 1 });
    expect(retried?.lastError).toContain('HTTP 500');
    const [dead] = await tdb.db.select().from(deliveries).where(eq(deliveries.id, unreachable!.deliveryId));
    expect(dead?.status).toBe('dead');
  });

  it('a lease held by another live attempt is waited out; a job that no longer owns its row is skipped', async () => {
    const [held, stale] = await enqueue('lease', 2);
    await tdb.db.execute(
      sql`update deliveries set claimed_by = 'other:2:bbbbbb', claimed_until = now() + interval '1 second' where id = ${held!.deliveryId}`,
    );
    const started = Date.now();
    const results = await attemptDeliveries(o, [held!, { deliveryId: stale!.deliveryId, jobId: 'an-older-job' }]);
    expect(results.map((r) => ('outcome' in r ? r.outcome : r.error.message))).toEqual(['sent', 'skipped']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(platform.counts().get('lease:0')).toBe(1);
    expect(platform.counts().get('lease:1')).toBeUndefined();
  });

  it('our own lease left by an attempt whose answer was lost is taken back at once', async () => {
    const [d] = await enqueue('own', 1);
    await tdb.db.execute(
      sql`update deliveries set claimed_by = ${o.instanceId}, claimed_until = now() + interval '20 seconds', attempts = 1 where id = ${d!.deliveryId}`,
    );
    const started = Date.now();
    expect(await attemptDelivery(o, d!.deliveryId, d!.jobId)).toBe('sent');
    expect(Date.now() - started).toBeLessThan(2000);
    const [row] = await tdb.db.select().from(deliveries).where(eq(deliveries.id, d!.deliveryId));
    expect(row?.attempts).toBe(2);
  });
});
