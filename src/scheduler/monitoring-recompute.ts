/**
 * The one-off recomputation of monitoring months under the MHLW rule (src/core/monitoring/months.ts)
 * for a tenant whose plans were counted the earlier way (src/core/monitoring/recompute.ts).
 *
 * Who runs it: migration 0008 gave every tenant that existed then a pending `planning_jobs` row
 * (tenants created later never counted the earlier way and have none). The scheduler runs it in
 * the tenant's planning transaction, under the tenant's planning lock, before the reminder rows
 * are recomputed (planTenant); the operator can run it first with `npm run admin --
 * monitoring:recompute [--tenant code] [--dry-run]`. Whoever comes first marks the row done in
 * the same transaction as the work, so it runs once across every instance, and a failure leaves
 * it pending for the next pass.
 *
 * What it does, in that one transaction:
 * 1. monitoring records stored as "outside a monitoring month" that fall in a month the rule now
 *    makes a monitoring month count from now on (off_month cleared, audited per record);
 * 2. the caller's reminder sync then cancels the reminders of months that are no longer
 *    monitoring months (recorded ones stay done), creates those of the new months, and reopens
 *    one cancelled earlier if its month is planned again;
 * 3. a new month already over and unrecorded is overdue at once: it is shown to the counselor, but
 *    counted as escalated, so office managers are not told of a month nobody could have known;
 * 4. each counselor gets one message listing their persons whose months moved (outbox, natural key
 *    `monitoring-rule:2012qa:<staff>`), audited with counts only.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { pgArray } from '../../db/array';
import { persons, planningJobs, servicePlans } from '../../db/schema/index';
import { writeAuditBatch } from '../core/audit/write';
import { jstToday } from '../core/calendar/jst';
import type { CountFrom } from '../core/monitoring/months';
import { ACTIVE_PLAN_COLUMNS, activePlansOf, scheduleOfPlan } from '../core/monitoring/plan-row';
import { monthMoves, monthMovesNotice, type MonitoringRecord, type MonthMoves } from '../core/monitoring/recompute';
import { monitoringKey } from '../core/reminders/plan-due';
import { MONITORING_KIND } from '../core/vocabulary';
import { sendNotice } from '../core/notices';

/** The planning_jobs row of this recomputation. */
export const MONITORING_RULE_JOB = 'monitoring-months-2012qa';
export const movedMessageKey = (staffId: string) => `monitoring-rule:2012qa:${staffId}`;

export interface PlanMoved {
  planId: string;
  personId: string;
  counselorId: string | null;
  title: string;
  moves: MonthMoves;
}

export interface RecomputeReport {
  /** Active plans looked at, and those whose months moved. */
  plans: number;
  moved: number;
  /** Plans that cannot be planned (incomplete rule): left as they were. */
  unplannable: number;
  /** Moved plans whose person has no counselor (nobody to tell; the case list shows them). */
  withoutCounselor: number;
  /** Counselors with moved months (one message each), and messages newly enqueued. */
  counselors: number;
  notified: number;
  /** Records now counted as monitoring (off-month flag cleared). */
  recounted: number;
  /** New months already over with no monitoring (shown, not escalated). */
  pastUnrecorded: number;
}

/**
 * Tenants this process knows have nothing pending: the scheduler asks once per process, not once
 * per pass (a pending row added by hand later is for the admin command, or the next start).
 */
const settledHere = new Set<string>();

/** The plans of a tenant whose months moved, as of now. Reads only. */
export async function findMovedMonths(
  db: DbOrTx,
  tenantId: string,
  tenantCountFrom: CountFrom,
  now: Date,
): Promise<{ moved: PlanMoved[]; plans: number; unplannable: number }> {
  const today = jstToday(now);
  const [plans, records] = await Promise.all([
    db
      .select({ ...ACTIVE_PLAN_COLUMNS, code: persons.code, familyName: persons.familyName, givenName: persons.givenName })
      .from(servicePlans)
      .innerJoin(persons, activePlansOf(tenantId).join)
      .where(activePlansOf(tenantId).where),
    // Every monitoring record, counted or not (the partial index holds the counted ones only).
    db.execute<{
      id: string;
      person_id: string;
      occurred_on: string;
      off_month: boolean;
    }>(sql`select id, person_id, occurred_on::text as occurred_on, off_month from consultations
      where tenant_id = ${tenantId} and kind = ${MONITORING_KIND} and deleted_at is null and person_id is not null`),
  ]);
  const byPerson = new Map<string, MonitoringRecord[]>();
  for (const r of records) {
    const list = byPerson.get(r.person_id) ?? [];
    list.push({ id: r.id, occurredOn: r.occurred_on, offMonth: r.off_month });
    byPerson.set(r.person_id, list);
  }
  const moved: PlanMoved[] = [];
  let unplannable = 0;
  for (const p of plans) {
    let moves: MonthMoves | null;
    try {
      moves = monthMoves(scheduleOfPlan(p, tenantCountFrom), byPerson.get(p.personId) ?? [], today);
    } catch {
      // An incomplete rule: no months before or after; the case card asks to complete it.
      unplannable++;
      continue;
    }
    if (moves)
      moved.push({
        planId: p.id,
        personId: p.personId,
        counselorId: p.counselorId,
        title: `${p.code} ${p.familyName} ${p.givenName}`,
        moves,
      });
  }
  return { moved, plans: plans.length, unplannable };
}

/** Counts for the operator (no personal data). */
export function reportOf(found: { moved: PlanMoved[]; plans: number; unplannable: number }, notified = 0): RecomputeReport {
  const counselors = new Set(found.moved.flatMap((p) => (p.counselorId ? [p.counselorId] : [])));
  return {
    plans: found.plans,
    moved: found.moved.length,
    unplannable: found.unplannable,
    withoutCounselor: found.moved.filter((p) => !p.counselorId).length,
    counselors: counselors.size,
    notified,
    recounted: found.moved.reduce((n, p) => n + p.moves.recount.length, 0),
    pastUnrecorded: found.moved.reduce((n, p) => n + p.moves.pastUnrecorded.length, 0),
  };
}

/**
 * Marks the tenant's pending recomputation as done by this transaction. False when there is none
 * (done already by another instance or the operator, or a tenant created after the rule change).
 */
async function claim(tx: DbOrTx, tenantId: string, now: Date, by: string): Promise<boolean> {
  const rows = await tx
    .update(planningJobs)
    .set({ doneAt: now, doneBy: by })
    .where(and(eq(planningJobs.tenantId, tenantId), eq(planningJobs.job, MONITORING_RULE_JOB), isNull(planningJobs.doneAt)))
    .returning({ tenantId: planningJobs.tenantId });
  return rows.length > 0;
}

/**
 * Runs the tenant's recomputation if it is pending, in the caller's transaction, which must hold
 * the tenant's planning lock; `sync` recomputes the reminder rows (syncReminders) between the
 * record recount and the messages. Returns null when nothing was pending.
 */
export async function recomputeMonitoringOnce<T>(
  tx: DbOrTx,
  tenantId: string,
  now: Date,
  opts: { by: string; tenantCountFrom: CountFrom; sync: () => Promise<T>; askAgain?: boolean },
): Promise<{ synced: T; report: RecomputeReport } | null> {
  // The scheduler asks once per process; the operator's command always asks.
  if (settledHere.has(tenantId) && !opts.askAgain) return null;
  if (!(await claim(tx, tenantId, now, opts.by))) {
    settledHere.add(tenantId);
    return null;
  }
  const found = await findMovedMonths(tx, tenantId, opts.tenantCountFrom, now);
  const audit: Parameters<typeof writeAuditBatch>[2][number][] = [];

  // 1. Records in a month that is now a monitoring month count (before the sync reads them).
  const recount = found.moved.flatMap((p) => p.moves.recount.map((r) => r.id));
  if (recount.length > 0) {
    await tx.execute(sql`update consultations set off_month = false, updated_at = ${now.toISOString()}::timestamptz
      where tenant_id = ${tenantId} and id = any(${pgArray(recount)}::uuid[]) and off_month = true`);
    for (const id of recount)
      audit.push({
        actorStaffId: null,
        platform: null,
        action: 'update',
        resourceType: 'consultation',
        resourceId: id,
        detail: { fields: ['offMonth'], job: MONITORING_RULE_JOB },
      });
  }

  // 2. The reminder rows under the rule.
  const synced = await opts.sync();

  // 3. New months already over and unrecorded: shown to the counselor, not escalated.
  const settle = found.moved.flatMap((p) => (p.counselorId ? p.moves.pastUnrecorded.map((m) => monitoringKey(p.planId, m)) : []));
  if (settle.length > 0) {
    await tx.execute(sql`update reminders set escalated_at = ${now.toISOString()}::timestamptz
      where tenant_id = ${tenantId} and key = any(${pgArray(settle)}::text[]) and kind = 'monitoring'
        and status in ('open', 'snoozed') and escalated_at is null`);
  }

  // 4. One message per counselor, in this transaction.
  const byCounselor = new Map<string, PlanMoved[]>();
  for (const p of found.moved) if (p.counselorId) byCounselor.set(p.counselorId, [...(byCounselor.get(p.counselorId) ?? []), p]);
  let notified = 0;
  for (const [staffId, plans] of byCounselor) {
    const key = movedMessageKey(staffId);
    const fresh = await sendNotice(
      tx,
      { tenantId, kind: 'monitoring_moved', idempotencyKey: key, to: { staffId }, notice: monthMovesNotice(plans) },
      now,
    );
    if (!fresh) continue;
    notified++;
    // Sending persons' names to their counselor is a disclosure: audited, counts only.
    audit.push({
      actorStaffId: null,
      platform: null,
      action: 'notify',
      resourceType: 'delivery',
      resourceId: key,
      detail: { kind: 'monitoring_moved', items: plans.length },
    });
  }
  await writeAuditBatch(tx, tenantId, audit);
  const report = reportOf(found, notified);
  await tx
    .update(planningJobs)
    .set({ result: report as unknown as Record<string, unknown> })
    .where(and(eq(planningJobs.tenantId, tenantId), eq(planningJobs.job, MONITORING_RULE_JOB)));
  return { synced, report };
}
