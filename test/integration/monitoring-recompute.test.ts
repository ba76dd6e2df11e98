/**
 * The one-off recomputation of monitoring months under the MHLW rule, on real PostgreSQL: the
 * scheduler's planning pass runs it once for a tenant of the time of the rule change (a pending
 * planning_jobs row, as migration 0008 wrote), the admin command too; months that moved are
 * handled in the reminder rows, records are kept (and recounted), each counselor gets one message.
 * All instants are fixed: nothing reads the machine's clock.
 */
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, consultations, deliveries, offices, planningJobs, reminders, staff, tenants } from '../../db/schema/index';
import { createRegistry } from '../../handlers/index';
import { adminCommand } from '../../src/cli/admin';
import { dispatch } from '../../src/chat/dispatch';
import type { CardBlock, Reply } from '../../src/chat/types';
import { createPerson, createPlan } from '../../src/core/cases/create';
import { logConsultation } from '../../src/core/consultations/log';
import { MONITORING_KIND } from '../../src/core/vocabulary';
import { MONITORING_RULE_JOB, movedMessageKey } from '../../src/scheduler/monitoring-recompute';
import { planTenant } from '../../src/scheduler/plan-tenant';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, WORLD_CREATED_AT, type World } from '../helpers/world';
import { asSent } from '../helpers/outbox';

let tdb: TestDatabase;
let world: World;
const registry = createRegistry();
// Tuesday 1 December 2026, 08:31 JST: the first pass after the new version started.
const now = new Date('2026-11-30T23:31:00Z');
const later = new Date('2026-12-01T05:00:00Z');

const plans: Record<string, string> = {};
const people: Record<string, { id: string; code: string }> = {};

const rowsOf = async (planId: string) =>
  Object.fromEntries(
    (
      await tdb.db
        .select()
        .from(reminders)
        .where(and(eq(reminders.tenantId, world.tenantId), like(reminders.key, `monitoring:${planId}:%`)))
    ).map((r) => [r.key.slice(-7), r]),
  );
const moved = async () => asSent(await tdb.db.select().from(deliveries).where(eq(deliveries.kind, 'monitoring_moved')));
const record = (personId: string, occurredOn: string, offMonth: boolean, staffId = world.actors.a.staffId, officeId = world.offices.a) =>
  tdb.db
    .insert(consultations)
    .values({
      tenantId: world.tenantId,
      officeId,
      staffId,
      personId,
      occurredOn,
      method: '訪問',
      kind: MONITORING_KIND,
      summary: 'モニタリング',
      offMonth,
      createdAt: WORLD_CREATED_AT,
      updatedAt: WORLD_CREATED_AT,
    })
    .returning({ id: consultations.id });

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  const t = world.tenantId;
  const at = WORLD_CREATED_AT;
  // The municipality counts a decision taking effect mid-month from the next month.
  await tdb.db
    .update(tenants)
    .set({ settings: { monitoringCountFrom: 'next_month' } })
    .where(eq(tenants.id, t));
  const person = async (officeId: string, counselorId: string, f: string, g: string) =>
    createPerson(
      tdb.db,
      { tenantId: t, officeId, counselorId, familyName: f, givenName: g, familyKana: 'てすと', givenKana: 'てすと' },
      at,
    );
  people.sato = await person(world.offices.a, world.actors.a.staffId, '佐藤', '一郎');
  people.tanaka = await person(world.offices.a, world.actors.a.staffId, '田中', '花子');
  // 6/1–3/31 every 6 months: counted forward 11; under the rule 9 and 3.
  plans.hanako = await createPlan(
    tdb.db,
    { tenantId: t, personId: world.persons.yamadaHanako.id, periodStart: '2026-06-01', periodEnd: '2027-03-31', frequencyMonths: 6 },
    at,
  );
  plans.sato = await createPlan(
    tdb.db,
    { tenantId: t, personId: people.sato.id, periodStart: '2026-06-01', periodEnd: '2027-03-31', frequencyMonths: 6 },
    at,
  );
  // Standard months without the period's last month: March 2027 is added, with a warning.
  plans.tanaka = await createPlan(
    tdb.db,
    { tenantId: t, personId: people.tanaka.id, periodStart: '2026-04-01', periodEnd: '2027-03-31', standardMonths: [7, 1] },
    at,
  );
  // 11/1–1/31 every 6 months: counted forward nothing; under the rule January.
  plans.ichiro = await createPlan(
    tdb.db,
    { tenantId: t, personId: world.persons.yamamotoIchiro.id, periodStart: '2026-11-01', periodEnd: '2027-01-31', frequencyMonths: 6 },
    at,
  );
  // Mid-month, no convention of its own: the tenant's next month gives 8, 11, 2, 5 both ways.
  plans.jiro = await createPlan(
    tdb.db,
    { tenantId: t, personId: world.persons.suzukiJiro.id, periodStart: '2026-05-15', periodEnd: '2027-05-14', frequencyMonths: 3 },
    at,
  );

  // What the earlier counting had left: 花子's November recorded and done; 佐藤's November open
  // (and his September visit stored as outside a monitoring month); 花子's September cancelled by
  // an earlier change.
  await record(world.persons.yamadaHanako.id, '2026-11-10', false);
  await record(people.sato.id, '2026-09-03', true);
  const row = (planId: string, month: string, status: string, due: string) => ({
    tenantId: t,
    key: `monitoring:${planId}:${month}`,
    kind: 'monitoring',
    recipientId: world.actors.a.staffId,
    subjectType: 'service_plan',
    subjectId: planId,
    dueOn: due,
    status,
    createdAt: at,
  });
  await tdb.db
    .insert(reminders)
    .values([
      row(plans.hanako as string, '2026-11', 'done', '2026-11-30'),
      row(plans.sato as string, '2026-11', 'open', '2026-11-30'),
      row(plans.hanako as string, '2026-09', 'cancelled', '2026-09-30'),
    ]);
  // The tenant existed when migration 0008 ran; the other tenant is "created later" (no row).
  await tdb.db.insert(planningJobs).values({ tenantId: t, job: MONITORING_RULE_JOB });
});
afterAll(async () => {
  await tdb?.drop();
});

describe('the scheduler recomputes a tenant once, in its planning pass', () => {
  it('moves the reminder rows: old months cancelled, recorded ones kept done, new ones created, a cancelled one reopened', async () => {
    const stats = await planTenant(tdb.db, world.tenantId, now, { syncReminders: false });
    expect(stats?.reminders).toBeGreaterThan(0);

    const hanako = await rowsOf(plans.hanako as string);
    expect(hanako['2026-11']?.status).toBe('done');
    // September is a monitoring month again, already over and unrecorded: shown, not escalated.
    expect(hanako['2026-09']).toMatchObject({ status: 'open', dueOn: '2026-09-30' });
    expect(hanako['2026-09']?.escalatedAt?.toISOString()).toBe(now.toISOString());

    const sato = await rowsOf(plans.sato as string);
    expect(sato['2026-11']?.status).toBe('cancelled');
    // The September visit counts now: the month is done.
    expect(sato['2026-09']?.status).toBe('done');
    const [visit] = await tdb.db
      .select()
      .from(consultations)
      .where(eq(consultations.personId, people.sato?.id as string));
    expect(visit?.offMonth).toBe(false);

    expect(Object.keys(await rowsOf(plans.ichiro as string))).toEqual(['2027-01']);
    // The tenant's convention (next month) is used: no May for 次郎.
    expect(Object.keys(await rowsOf(plans.jiro as string)).sort()).toEqual(['2026-08', '2026-11']);

    const [job] = await tdb.db.select().from(planningJobs).where(eq(planningJobs.tenantId, world.tenantId));
    expect(job?.doneAt?.toISOString()).toBe(now.toISOString());
    expect(job?.result).toMatchObject({ moved: 4, counselors: 2, notified: 2, recounted: 1, pastUnrecorded: 1 });
  });

  it('tells each counselor once which of their persons’ months moved, in the same transaction, audited', async () => {
    const messages = await moved();
    expect(messages.map((m) => m.idempotencyKey).sort()).toEqual(
      [movedMessageKey(world.actors.a.staffId), movedMessageKey(world.actors.b.staffId)].sort(),
    );
    const toA = messages.find((m) => m.recipientId === world.actors.a.staffId)?.payload as Reply;
    const cards = toA.blocks.filter((b): b is CardBlock => b.type === 'card');
    expect(cards.map((c) => c.title).sort()).toEqual(
      [`${people.sato?.code} 佐藤 一郎`, `${people.tanaka?.code} 田中 花子`, `${world.persons.yamadaHanako.code} 山田 花子`].sort(),
    );
    const hanako = JSON.stringify(cards.find((c) => c.title.includes('山田 花子')));
    expect(hanako).toContain('2026年9月、2027年3月');
    expect(hanako).toContain('なくなった月');
    expect(hanako).toContain('事業所管理者への通知はしません');
    expect(hanako).toContain('2026年11月は記録済みのため、実施済みのままです');
    expect(JSON.stringify(cards.find((c) => c.title.includes('佐藤')))).toContain('モニタリングとして数えます');
    expect(toA.visibility).toBe('dm');
    const toB = messages.find((m) => m.recipientId === world.actors.b.staffId)?.payload as Reply;
    expect(toB.blocks.filter((b) => b.type === 'card')).toHaveLength(1);
    expect(JSON.stringify(toB)).toContain('2027年1月');
    expect(JSON.stringify(toB)).not.toContain('次郎');

    const audit = await tdb.db.select().from(auditLog).where(eq(auditLog.tenantId, world.tenantId));
    expect(audit.filter((a) => a.action === 'notify' && a.resourceId?.startsWith('monitoring-rule:')).map((a) => a.detail)).toEqual(
      expect.arrayContaining([
        { kind: 'monitoring_moved', items: 3 },
        { kind: 'monitoring_moved', items: 1 },
      ]),
    );
    expect(audit.filter((a) => a.action === 'update' && a.resourceType === 'consultation')).toHaveLength(1);
  });

  it('a new past month is not escalated to the office manager; a month really missed is', async () => {
    const escalations = await tdb.db.select().from(deliveries).where(eq(deliveries.kind, 'escalation'));
    const text = JSON.stringify(escalations.map((e) => e.payload));
    expect(escalations.map((e) => e.recipientId)).toEqual([world.actors.a2.staffId]);
    expect(text).toContain(world.persons.yamadaTaro.code);
    expect(text).not.toContain(world.persons.yamadaHanako.code);
  });

  it('runs only once: the next passes (and the admin command) find nothing pending', async () => {
    await planTenant(tdb.db, world.tenantId, later, { syncReminders: true });
    expect(await moved()).toHaveLength(2);
    const out: string[] = [];
    const code = await adminCommand(
      tdb.db,
      ['monitoring:recompute', '--tenant', 'test-a'],
      { out: (l) => out.push(l), err: (l) => out.push(l) },
      later,
    );
    expect(code).toBe(0);
    expect(out.join('\n')).toContain('nothing pending');
    // 花子's September stays shown (overdue), not escalated later either.
    expect((await rowsOf(plans.hanako as string))['2026-09']?.status).toBe('open');
  });

  it('the case card shows the added last month with a warning, and counts with the tenant’s convention', async () => {
    const ask = async (actor = world.actors.a, text: string) =>
      (await dispatch({ db: tdb.db, registry, now: () => later }, actor, { kind: 'command', name: 'case', text })).replies;
    const field = (replies: Reply[]) =>
      Object.fromEntries(
        replies
          .flatMap((r) => r.blocks)
          .flatMap((b) => (b.type === 'card' ? b.fields : []))
          .map((f) => [f.label, f.value]),
      ).次回モニタリング;
    const tanaka = field(await ask(world.actors.a, people.tanaka?.code as string));
    expect(tanaka).toContain('2027年1月');
    expect(tanaka).toContain('実施標準月に支給決定期間の最終月がないため、2027年3月を加えています');
    const jiro = field(await ask(world.actors.b, world.persons.suzukiJiro.code));
    expect(jiro).toContain('未実施: 2026年8月、2026年11月');
    expect(jiro).not.toContain('2026年5月');
  });

  it('a monitoring recorded in the decision month is outside a monitoring month under a next-month convention', async () => {
    const saved = await logConsultation(
      tdb.db,
      world.actors.b,
      { personId: world.persons.suzukiJiro.id, occurredOn: '2026-05-20', method: '訪問', kind: MONITORING_KIND, summary: '訪問' },
      later,
    );
    expect(saved.offMonth).toBe(true);
  });
});

describe('the admin command, and a tenant created after the rule change', () => {
  const io = () => {
    const lines: string[] = [];
    return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) } };
  };

  it('a tenant without a pending row is never recomputed', async () => {
    const person = await createPerson(
      tdb.db,
      {
        tenantId: world.otherTenantId,
        officeId: world.offices.other,
        counselorId: world.actors.other.staffId,
        familyName: '高橋',
        givenName: '三郎',
        familyKana: 'たかはし',
        givenKana: 'さぶろう',
      },
      WORLD_CREATED_AT,
    );
    await createPlan(
      tdb.db,
      { tenantId: world.otherTenantId, personId: person.id, periodStart: '2026-06-01', periodEnd: '2027-03-31', frequencyMonths: 6 },
      WORLD_CREATED_AT,
    );
    await planTenant(tdb.db, world.otherTenantId, now, { syncReminders: true });
    expect((await moved()).filter((m) => m.tenantId === world.otherTenantId)).toEqual([]);
  });

  it('--dry-run counts without changing anything; the run tells the counselor once', async () => {
    await tdb.db.insert(planningJobs).values({ tenantId: world.otherTenantId, job: MONITORING_RULE_JOB });
    const dry = io();
    expect(await adminCommand(tdb.db, ['monitoring:recompute', '--dry-run'], dry.io, later)).toBe(0);
    expect(dry.lines.join('\n')).toMatch(/tenant test-b: plans 1, moved 1 \(counselors 1, without counselor 0\).*dry run/);
    expect(dry.lines.join('\n')).not.toContain('高橋');
    const [pending] = await tdb.db.select().from(planningJobs).where(eq(planningJobs.tenantId, world.otherTenantId));
    expect(pending?.doneAt).toBeNull();
    expect((await moved()).filter((m) => m.tenantId === world.otherTenantId)).toEqual([]);

    const run = io();
    expect(await adminCommand(tdb.db, ['monitoring:recompute', '--tenant', 'test-b'], run.io, later)).toBe(0);
    expect(run.lines.join('\n')).toContain('messages 1');
    const sent = (await moved()).filter((m) => m.tenantId === world.otherTenantId);
    expect(sent.map((m) => m.recipientId)).toEqual([world.actors.other.staffId]);
    const [done] = await tdb.db.select().from(planningJobs).where(eq(planningJobs.tenantId, world.otherTenantId));
    expect(done).toMatchObject({ doneBy: 'cli' });
    expect(done?.doneAt?.toISOString()).toBe(later.toISOString());
    const again = io();
    await adminCommand(tdb.db, ['monitoring:recompute'], again.io, later);
    expect(again.lines).toEqual(['no tenant is pending']);
  });

  it('two scheduler instances and the operator at once: one recomputation, one message', async () => {
    const [t] = await tdb.db.insert(tenants).values({ code: 'test-c', name: '三つ目の町', settings: {} }).returning({ id: tenants.id });
    const tenantId = t?.id as string;
    const [office] = await tdb.db.insert(offices).values({ tenantId, name: '事業所C', kind: 'tokutei' }).returning({ id: offices.id });
    const [counselor] = await tdb.db
      .insert(staff)
      .values({ tenantId, officeId: office?.id as string, name: '職員C', kana: 'しょくいんC', roles: ['counselor'] })
      .returning({ id: staff.id });
    const p = await createPerson(
      tdb.db,
      {
        tenantId,
        officeId: office?.id as string,
        counselorId: counselor?.id,
        familyName: '伊藤',
        givenName: '四郎',
        familyKana: 'いとう',
        givenKana: 'しろう',
      },
      WORLD_CREATED_AT,
    );
    await createPlan(
      tdb.db,
      { tenantId, personId: p.id, periodStart: '2026-11-01', periodEnd: '2027-01-31', frequencyMonths: 6 },
      WORLD_CREATED_AT,
    );
    await tdb.db.insert(planningJobs).values({ tenantId, job: MONITORING_RULE_JOB });
    const claim = (instanceId: string) => ({ replanAfterMs: 0, syncIntervalMs: 300_000, forceSync: false, instanceId });
    await Promise.all([
      planTenant(tdb.db, tenantId, later, { syncReminders: false, claim: claim('i1') }),
      planTenant(tdb.db, tenantId, later, { syncReminders: false, claim: claim('i2') }),
      adminCommand(tdb.db, ['monitoring:recompute', '--tenant', 'test-c'], io().io, later),
    ]);
    const sent = (await moved()).filter((m) => m.tenantId === tenantId);
    expect(sent.map((m) => m.recipientId)).toEqual([counselor?.id]);
    const [job] = await tdb.db.select().from(planningJobs).where(eq(planningJobs.tenantId, tenantId));
    expect(job?.doneAt).not.toBeNull();
    const rows = await tdb.db.select().from(reminders).where(eq(reminders.tenantId, tenantId));
    expect(rows.map((r) => [r.key.slice(-7), r.status])).toEqual([['2027-01', 'open']]);
  });

  it('tenant:set --count-from sets the tenant’s convention', async () => {
    const out = io();
    expect(await adminCommand(tdb.db, ['tenant:set', '--tenant', 'test-b', '--count-from', 'next_month'], out.io, later)).toBe(0);
    const [t] = await tdb.db.select({ s: tenants.settings }).from(tenants).where(eq(tenants.id, world.otherTenantId));
    expect(t?.s).toMatchObject({ monitoringCountFrom: 'next_month' });
    expect(await adminCommand(tdb.db, ['tenant:set', '--tenant', 'test-b', '--count-from', 'tomorrow'], io().io, later)).toBe(2);
  });
});
