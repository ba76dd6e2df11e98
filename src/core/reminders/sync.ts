/**
 * The reminder rows of a tenant (or of one person) as of now: monitoring months and certificates
 * of the active plans, and 二次相談 waiting for the 基幹. Pure planning is core/reminders/plan-due;
 * this compares it with what is stored and writes only what changed. Called by the planning pass
 * (src/scheduler/plan-tenant.ts) for a whole tenant, and by a 支給決定 entered from chat for one
 * person inside its own transaction (core/decisions/replan.ts).
 */
import { and, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { pgArray } from '../../../db/array';
import { offices, persons, reminders, secondaryConsultations, servicePlans, staff } from '../../../db/schema/index';
import { jstToday } from '../calendar/jst';
import { ACTIVE_PLAN_COLUMNS, activePlansOf, countFromOf } from '../monitoring/plan-row';
import { MONITORING_KIND } from '../vocabulary';
import { createPlanMemo, planForPlan, planSecondaryWaiting, type PlannedReminder } from './plan-due';
import type { ReminderSettings } from './settings';
import { completeRemindersByKey, upsertReminders } from './store';

/**
 * The kind as a literal, not a parameter: a prepared statement's generic plan cannot prove the
 * partial index's predicate from `kind = $2`.
 */
const MONITORING_LITERAL = sql.raw(`'${MONITORING_KIND.replaceAll("'", "''")}'`);

/**
 * Reminder rows of a tenant as of now (monitoring, certificate, 二次相談 waiting). With `scope`,
 * only one person's plan reminders: a 支給決定 entered from chat recomputes them in its own
 * transaction, so that the case card and 予定 show the new months at once, not at the next pass.
 */
export async function syncReminders(
  db: DbOrTx,
  tenantId: string,
  settings: ReminderSettings,
  now: Date,
  scope?: { personId: string },
): Promise<{ planned: number; written: number }> {
  const today = jstToday(now);
  const personOnly = scope ? sql` and person_id = ${scope.personId}` : sql``;
  // Issued together: in a transaction postgres.js pipelines them on its one connection.
  const [plans, monitored, stored, waiting] = await Promise.all([
    db
      .select({ ...ACTIVE_PLAN_COLUMNS, certificateEnd: servicePlans.certificateEnd })
      .from(servicePlans)
      .innerJoin(persons, activePlansOf(tenantId).join)
      .where(and(activePlansOf(tenantId).where, scope ? eq(servicePlans.personId, scope.personId) : undefined)),
    // An index-only scan of consultations_monitoring_idx (the partial index of these rows). The
    // large reads are plain rows, not mapped through the query builder (a third of their cost).
    db.execute<{
      person_id: string;
      month: string;
    }>(sql`select distinct person_id, to_char(occurred_on, 'YYYY-MM') as month from consultations
      where tenant_id = ${tenantId} and kind = ${MONITORING_LITERAL} and deleted_at is null and off_month = false and person_id is not null${personOnly}`),
    // What is stored, so that only what changed is written (most days: next to nothing).
    scope
      ? db.execute<{
          key: string;
          recipient_id: string;
          due_on: string;
          status: string;
        }>(sql`select key, recipient_id, due_on, status from reminders
      where tenant_id = ${tenantId} and kind in ('monitoring', 'certificate') and subject_type = 'service_plan'
        and subject_id in (select id from service_plans where tenant_id = ${tenantId} and person_id = ${scope.personId})`)
      : db.execute<{
          key: string;
          recipient_id: string;
          due_on: string;
          status: string;
        }>(sql`select key, recipient_id, due_on, status from reminders
      where tenant_id = ${tenantId} and kind in ('monitoring', 'certificate', 'secondary_waiting')`),
    scope
      ? Promise.resolve([])
      : db
          .select({ id: secondaryConsultations.id, urgency: secondaryConsultations.urgency, createdAt: secondaryConsultations.createdAt })
          .from(secondaryConsultations)
          .where(and(eq(secondaryConsultations.tenantId, tenantId), eq(secondaryConsultations.status, 'requested'))),
  ]);
  const doneByPerson = new Map<string, string[]>();
  for (const m of monitored) {
    const months = doneByPerson.get(m.person_id);
    if (months) months.push(m.month);
    else doneByPerson.set(m.person_id, [m.month]);
  }

  const upserts: PlannedReminder[] = [];
  const doneKeys: string[] = [];
  const validKeys = new Set<string>();
  const unplannable: string[] = [];
  const memo = createPlanMemo();
  for (const p of plans) {
    try {
      // A decision without its own start convention follows the tenant's.
      const plan = { ...p, countFrom: countFromOf(p, settings.monitoringCountFrom) };
      const out = planForPlan(
        { planId: p.id, personId: p.personId, counselorId: p.counselorId, plan, doneMonths: doneByPerson.get(p.personId) ?? [] },
        today,
        settings.renewalLeadDays,
        settings.calendar,
        memo,
      );
      for (const u of out.upserts) upserts.push(u);
      for (const k of out.doneKeys) doneKeys.push(k);
      for (const k of out.keep) for (const key of k.keys) validKeys.add(key);
    } catch {
      // A plan with an incomplete rule (no frequency, mid-month start without a setting) has
      // no months to remind about; the case card asks the counselor to fix it. Its reminders
      // are left as they are.
      unplannable.push(p.id);
    }
  }
  if (waiting.length > 0) {
    const kikan = await db
      .select({ id: staff.id })
      .from(staff)
      .innerJoin(offices, eq(offices.id, staff.officeId))
      .where(and(eq(staff.tenantId, tenantId), eq(staff.active, true), eq(offices.kind, 'kikan')));
    upserts.push(
      ...planSecondaryWaiting(
        waiting,
        kikan.map((k) => k.id),
        now,
        today,
        { normal: settings.secondaryWaitHours, urgent: settings.secondaryUrgentWaitHours },
        settings.calendar,
      ),
    );
  }

  // The differences with what is stored. The statements below keep every guard of their own
  // (open or snoozed only, the ON CONFLICT condition): this only leaves out rows they would not
  // change, which they would still have locked or scanned.
  const isOpen = (status: string) => status === 'open' || status === 'snoozed';
  type Stored = (typeof stored)[number];
  // By key (one row per key but for 二次相談, one per 基幹 staff member): no string built per row.
  const storedRow = new Map<string, Stored>();
  const moreRows = new Map<string, Stored[]>();
  const openKeys = new Set<string>();
  const cancelKeys: string[] = [];
  for (const r of stored) {
    if (!storedRow.has(r.key)) storedRow.set(r.key, r);
    else moreRows.set(r.key, [...(moreRows.get(r.key) ?? []), r]);
    if (!isOpen(r.status)) continue;
    openKeys.add(r.key);
    // Candidates only: the statement checks kind, subject and status itself.
    if (!validKeys.has(r.key) && !r.key.startsWith('secondary_waiting:')) cancelKeys.push(r.key);
  }
  const storedFor = (u: PlannedReminder) => {
    const first = storedRow.get(u.key);
    return first?.recipient_id === u.recipientId ? first : moreRows.get(u.key)?.find((m) => m.recipient_id === u.recipientId);
  };
  const changed = upserts.filter((u) => {
    const r = storedFor(u);
    return !r || (isOpen(r.status) && r.due_on !== u.dueOn);
  });
  let written = await upsertReminders(db, tenantId, changed, now);
  // Only planning cancels monitoring and certificate reminders (their month or end date stopped
  // being planned): one planned again (a change undone, a month the MHLW rule brings back) reopens.
  const reopen = upserts.filter((u) => (u.kind === 'monitoring' || u.kind === 'certificate') && storedFor(u)?.status === 'cancelled');
  if (reopen.length > 0) {
    const rows = await db.execute(sql`update reminders r set status = 'open', due_on = u.due_on, snoozed_until = null
      from unnest(${pgArray(reopen.map((u) => u.key))}::text[], ${pgArray(reopen.map((u) => u.recipientId))}::uuid[], ${pgArray(reopen.map((u) => u.dueOn))}::date[]) as u(key, recipient_id, due_on)
      where r.tenant_id = ${tenantId} and r.key = u.key and r.recipient_id = u.recipient_id and r.status = 'cancelled' and r.kind in ('monitoring', 'certificate')
      returning 1`);
    written += rows.length;
  }
  // Done: those stored open, and those just written (inserted open, reopened, or a new recipient's row).
  const writtenKeys = new Set([...changed, ...reopen].map((u) => u.key));
  await completeRemindersByKey(
    db,
    tenantId,
    doneKeys.filter((k) => openKeys.has(k) || writtenKeys.has(k)),
    now,
  );
  // Monitoring and certificate reminders whose key no active plan produces any more (frequency
  // or period changed, plan ended), except those of plans that cannot be planned now.
  if (cancelKeys.length > 0) {
    await db.execute(sql`update reminders set status = 'cancelled'
      where tenant_id = ${tenantId} and key = any(${pgArray(cancelKeys)}::text[])
        and status in ('open', 'snoozed') and kind in ('monitoring', 'certificate') and subject_type = 'service_plan'
        and subject_id <> all(${pgArray(unplannable)}::uuid[])`);
  }
  // A request taken by the 基幹 no longer waits.
  if ([...openKeys].some((k) => k.startsWith('secondary_waiting:'))) {
    await db
      .update(reminders)
      .set({ status: 'done', doneAt: now })
      .where(
        and(
          eq(reminders.tenantId, tenantId),
          eq(reminders.kind, 'secondary_waiting'),
          inArray(reminders.status, ['open', 'snoozed']),
          waiting.length > 0
            ? notInArray(
                reminders.subjectId,
                waiting.map((w) => w.id),
              )
            : undefined,
        ),
      );
  }
  return { planned: upserts.length, written };
}
