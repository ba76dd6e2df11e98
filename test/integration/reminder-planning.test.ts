import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, consultations, deliveries, persons, reminders, tenantPlanning } from '../../db/schema/index';
import { writeAudit, writeAuditBatch } from '../../src/core/audit/write';
import { verifyAuditChain } from '../../src/core/audit/verify';
import { planTenant, planTenants, type PlanClaim } from '../../src/scheduler/plan-tenant';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
// Tuesday 1 December 2026, 08:31 JST.
const now = new Date('2026-11-30T23:31:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const claim = (instanceId: string): PlanClaim => ({ replanAfterMs: 15_000, syncIntervalMs: 300_000, forceSync: false, instanceId });

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
});
afterAll(async () => {
  await tdb?.drop();
});

describe('planning shared by scheduler instances', () => {
  it('a tenant planned by one instance is skipped by the next, and its reminders are recomputed once per sync interval', async () => {
    const tenants = [world.tenantId, world.otherTenantId];
    const planned: Record<string, (string | null)[]> = { a: [], b: [] };
    const pass = (who: 'a' | 'b', at: Date) =>
      planTenants(tdb.db, tenants, at, claim(who), {
        onTenant: (id, s) => planned[who]?.push(s ? `${id}:${s.reminders > 0 ? 'sync' : 'deliveries'}` : null),
        onError: (_, e) => {
          throw e;
        },
      });

    await pass('a', now);
    await pass('b', later(1000));
    expect(planned.a).toEqual([`${world.tenantId}:sync`, expect.stringMatching(/:sync|:deliveries/)]);
    expect(planned.b).toEqual([null, null]);
    const [row] = await tdb.db.select().from(tenantPlanning).where(eq(tenantPlanning.tenantId, world.tenantId));
    expect(row).toMatchObject({ plannedBy: 'a', syncedDay: '2026-12-01' });

    // The next pass, 30 s on: deliveries planned again, the reminder rows not recomputed.
    planned.b = [];
    await pass('b', later(30_000));
    expect(planned.b[0]).toBe(`${world.tenantId}:deliveries`);
    // Five minutes on, recomputed again (by whichever instance comes first).
    planned.a = [];
    await pass('a', later(301_000));
    expect(planned.a[0]).toBe(`${world.tenantId}:sync`);
  });

  it('recomputing unchanged reminders writes nothing, and plans nothing twice', async () => {
    const first = await planTenant(tdb.db, world.tenantId, later(400_000), { syncReminders: true });
    expect(first?.reminders).toBeGreaterThan(0);
    expect(first?.remindersWritten).toBe(0);
    expect(first?.digests).toBe(0);
    const keys = (await tdb.db.select({ k: deliveries.idempotencyKey }).from(deliveries)).map((d) => d.k);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('a month already recorded stays done when the person changes counselor', async () => {
    const taro = world.persons.yamadaTaro.id;
    await tdb.db.insert(consultations).values({
      tenantId: world.tenantId,
      officeId: world.offices.a,
      staffId: world.actors.a.staffId,
      personId: taro,
      occurredOn: '2026-12-01',
      method: '訪問',
      kind: 'モニタリング',
      summary: '訪問で確認',
      createdAt: later(500_000),
      updatedAt: later(500_000),
    });
    await planTenant(tdb.db, world.tenantId, later(500_000), { syncReminders: true });
    await tdb.db.update(persons).set({ counselorId: world.actors.b.staffId }).where(eq(persons.id, taro));
    await planTenant(tdb.db, world.tenantId, later(600_000), { syncReminders: true });
    const december = (
      await tdb.db
        .select()
        .from(reminders)
        .where(and(eq(reminders.tenantId, world.tenantId), eq(reminders.kind, 'monitoring')))
    ).filter((r) => r.dueOn.startsWith('2026-12'));
    expect(december.map((r) => [r.recipientId, r.status]).sort()).toEqual(
      [
        [world.actors.a.staffId, 'done'],
        [world.actors.b.staffId, 'done'],
      ].sort(),
    );
  });
});

describe('audit rows in a batch', () => {
  it('continue the chain exactly as one writeAudit per row would, and verify', async () => {
    await tdb.db.transaction((tx) =>
      writeAudit(tx, {
        tenantId: world.otherTenantId,
        actorStaffId: null,
        platform: 'local',
        action: 'view',
        resourceType: 'person',
        resourceId: 'p0',
      }),
    );
    const entries = Array.from({ length: 7 }, (_, i) => ({
      actorStaffId: null,
      platform: null,
      action: 'notify',
      resourceType: 'delivery',
      resourceId: `k"\\${i}`,
      detail: { kind: 'digest', items: i },
    }));
    await tdb.db.transaction((tx) => writeAuditBatch(tx, world.otherTenantId, entries));
    await tdb.db.transaction((tx) =>
      writeAudit(tx, {
        tenantId: world.otherTenantId,
        actorStaffId: null,
        platform: 'local',
        action: 'view',
        resourceType: 'person',
        resourceId: 'p9',
      }),
    );
    const rows = await tdb.db.select().from(auditLog).where(eq(auditLog.tenantId, world.otherTenantId)).orderBy(asc(auditLog.seq));
    const batch = rows.filter((r) => r.action === 'notify').slice(-7);
    expect(batch.map((r) => r.resourceId)).toEqual(entries.map((e) => e.resourceId));
    expect(batch.map((r) => r.detail)).toEqual(entries.map((e) => e.detail));
    const verified = await verifyAuditChain(tdb.db, { tenantId: world.otherTenantId });
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
  });

  it('from two transactions at once, one after the other (the tenant lock), never forking the chain', async () => {
    const entries = (tag: string) =>
      Array.from({ length: 50 }, (_, i) => ({
        actorStaffId: null,
        platform: null,
        action: 'notify',
        resourceType: 'delivery',
        resourceId: `${tag}${i}`,
      }));
    await Promise.all([
      tdb.db.transaction((tx) => writeAuditBatch(tx, world.otherTenantId, entries('x'))),
      tdb.db.transaction((tx) => writeAuditBatch(tx, world.otherTenantId, entries('y'))),
      tdb.db.transaction((tx) =>
        writeAudit(tx, {
          tenantId: world.otherTenantId,
          actorStaffId: null,
          platform: 'local',
          action: 'view',
          resourceType: 'person',
          resourceId: 'z',
        }),
      ),
    ]);
    expect((await verifyAuditChain(tdb.db, { tenantId: world.otherTenantId })).ok).toBe(true);
  });
});
