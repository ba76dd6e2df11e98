/**
 * Planning one tenant at "now": reminder rows from plans, monitorings, certificates and waiting
 * 二次相談 (core/reminders/plan-due), then today's deliveries: digests, last calls and
 * escalations. Every write has a natural key, so N instances planning at once write each thing
 * once; an advisory lock per tenant only saves the others the work.
 */
import { and, eq, gte, inArray, isNull, notInArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { consultations, deliveries, offices, persons, reminders, secondaryConsultations, servicePlans, staff, tenants } from '../../db/schema/index';
import { writeAudit } from '../core/audit/write';
import { isBusinessDay } from '../core/calendar/business-days';
import { jstToday, monthOf } from '../core/calendar/jst';
import { groupDigest, digestCount, renderDigest, renderEscalation, renderLastCall, type DigestItem } from '../core/reminders/digest';
import { labelReminders, openReminders } from '../core/reminders/items';
import { needsEscalation, planForPlan, planSecondaryWaiting, type PlannedReminder } from '../core/reminders/plan-due';
import { digestInstant, isDigestDay, isLastCallDay } from '../core/reminders/schedule';
import { reminderSettingsOf, staffPrefsOf, type ReminderSettings } from '../core/reminders/settings';
import { completeRemindersByKey, upsertReminders } from '../core/reminders/store';
import { MONITORING_KIND } from '../core/vocabulary';
import { enqueueDelivery } from './outbox';

/** Planned this long before the digest hour, so that it leaves on the minute. */
export const DIGEST_LOOKAHEAD_MS = 2 * 60_000;
/** An instance that was down at the digest hour still sends it this long after; later, that day's digest is skipped. */
export const DIGEST_CATCH_UP_MS = 3 * 60 * 60_000;

export interface PlanStats {
  reminders: number;
  digests: number;
  lastCalls: number;
  escalations: number;
}

/** Reminder rows of a tenant as of now (monitoring, certificate, 二次相談 waiting). */
export async function syncReminders(db: DbOrTx, tenantId: string, settings: ReminderSettings, now: Date): Promise<number> {
  const today = jstToday(now);
  const plans = await db
    .select({
      id: servicePlans.id,
      personId: servicePlans.personId,
      counselorId: persons.counselorId,
      periodStart: servicePlans.periodStart,
      periodEnd: servicePlans.periodEnd,
      frequencyMonths: servicePlans.frequencyMonths,
      standardMonths: servicePlans.standardMonths,
      segments: servicePlans.segments,
      countFrom: servicePlans.countFrom,
      certificateEnd: servicePlans.certificateEnd,
    })
    .from(servicePlans)
    .innerJoin(persons, eq(persons.id, servicePlans.personId))
    .where(and(eq(servicePlans.tenantId, tenantId), eq(servicePlans.active, true), isNull(persons.deletedAt)));
  const monitored = await db
    .selectDistinct({ personId: consultations.personId, month: sql<string>`to_char(${consultations.occurredOn}, 'YYYY-MM')` })
    .from(consultations)
    .where(and(eq(consultations.tenantId, tenantId), eq(consultations.kind, MONITORING_KIND), isNull(consultations.deletedAt), eq(consultations.offMonth, false)));
  const doneByPerson = new Map<string, string[]>();
  for (const m of monitored) if (m.personId) doneByPerson.set(m.personId, [...(doneByPerson.get(m.personId) ?? []), m.month]);

  const upserts: PlannedReminder[] = [];
  const doneKeys: string[] = [];
  const validKeys: string[] = [];
  const unplannable: string[] = [];
  for (const p of plans) {
    try {
      const out = planForPlan({ planId: p.id, personId: p.personId, counselorId: p.counselorId, plan: p, doneMonths: doneByPerson.get(p.personId) ?? [] }, today, settings.renewalLeadDays, settings.calendar);
      upserts.push(...out.upserts);
      doneKeys.push(...out.doneKeys);
      for (const k of out.keep) validKeys.push(...k.keys);
    } catch {
      // A plan with an incomplete rule (no frequency, mid-month start without a setting) has
      // no months to remind about; the case card asks the counselor to fix it. Its reminders
      // are left as they are.
      unplannable.push(p.id);
    }
  }
  const waiting = await db
    .select({ id: secondaryConsultations.id, urgency: secondaryConsultations.urgency, createdAt: secondaryConsultations.createdAt })
    .from(secondaryConsultations)
    .where(and(eq(secondaryConsultations.tenantId, tenantId), eq(secondaryConsultations.status, 'requested')));
  if (waiting.length > 0) {
    const kikan = await db
      .select({ id: staff.id })
      .from(staff)
      .innerJoin(offices, eq(offices.id, staff.officeId))
      .where(and(eq(staff.tenantId, tenantId), eq(staff.active, true), eq(offices.kind, 'kikan')));
    upserts.push(...planSecondaryWaiting(waiting, kikan.map((k) => k.id), now, today, { normal: settings.secondaryWaitHours, urgent: settings.secondaryUrgentWaitHours }, settings.calendar));
  }
  await upsertReminders(db, tenantId, upserts);
  await completeRemindersByKey(db, tenantId, doneKeys, now);
  // One statement for the whole tenant (not one per plan): monitoring and certificate reminders
  // whose key no active plan produces any more (frequency or period changed, plan ended).
  await db.execute(sql`update reminders set status = 'cancelled'
    where tenant_id = ${tenantId} and status in ('open', 'snoozed') and kind in ('monitoring', 'certificate')
      and subject_type = 'service_plan'
      and key <> all(string_to_array(${validKeys.join('\n')}, E'\n'))
      and subject_id::text <> all(string_to_array(${unplannable.join('\n')}, E'\n'))`);
  // A request taken by the 基幹 no longer waits.
  await db
    .update(reminders)
    .set({ status: 'done', doneAt: now })
    .where(
      and(
        eq(reminders.tenantId, tenantId),
        eq(reminders.kind, 'secondary_waiting'),
        inArray(reminders.status, ['open', 'snoozed']),
        waiting.length > 0 ? notInArray(reminders.subjectId, waiting.map((w) => w.id)) : undefined,
      ),
    );
  return upserts.length;
}

async function enqueueAudited(db: DbOrTx, tenantId: string, key: string, kind: string, recipientId: string, reply: ReturnType<typeof renderDigest>, runAt: Date, items: number): Promise<boolean> {
  const fresh = await enqueueDelivery(db, { tenantId, idempotencyKey: key, recipientId, kind, reply, runAt });
  // Sending names of persons to a staff member is a disclosure: audited, with counts only.
  if (fresh) await writeAudit(db, { tenantId, actorStaffId: null, platform: null, action: 'notify', resourceType: 'delivery', resourceId: key, detail: { kind, items } });
  return fresh;
}

/** Today's digests, last calls and escalations that are due by now (plus the lookahead). */
export async function planDeliveries(db: DbOrTx, tenantId: string, settings: ReminderSettings, now: Date): Promise<Omit<PlanStats, 'reminders'>> {
  const stats = { digests: 0, lastCalls: 0, escalations: 0 };
  const today = jstToday(now);
  if (!isBusinessDay(today, settings.calendar)) return stats;
  const members = await db
    .select({ id: staff.id, name: staff.name, officeId: staff.officeId, roles: staff.roles, preferences: staff.preferences })
    .from(staff)
    .where(and(eq(staff.tenantId, tenantId), eq(staff.active, true)));
  const inWindow = (at: Date) => now.getTime() >= at.getTime() - DIGEST_LOOKAHEAD_MS && now.getTime() <= at.getTime() + DIGEST_CATCH_UP_MS;
  const due = members
    .map((m) => ({ ...m, prefs: staffPrefsOf(m.preferences) }))
    .map((m) => ({ ...m, at: digestInstant(today, m.prefs, settings) }))
    .filter((m) => isDigestDay(today, m.prefs, settings.calendar) && inWindow(m.at));
  const keys = due.map((m) => `digest:${m.id}:${today}`);
  const planned = new Set(
    keys.length === 0 ? [] : (await db.select({ k: deliveries.idempotencyKey }).from(deliveries).where(inArray(deliveries.idempotencyKey, keys))).map((r) => r.k),
  );
  const todo = due.filter((m) => !planned.has(`digest:${m.id}:${today}`));
  const rows = await openReminders(db, tenantId, todo.map((m) => m.id));
  const items = await labelReminders(db, tenantId, rows);
  const byStaff = new Map<string, DigestItem[]>();
  for (const i of items) byStaff.set(i.recipientId, [...(byStaff.get(i.recipientId) ?? []), i]);
  const lastCallDay = isLastCallDay(today, settings.lastCallDays, settings.calendar);
  for (const m of todo) {
    const sections = groupDigest(byStaff.get(m.id) ?? [], today);
    const runAt = new Date(Math.max(m.at.getTime(), now.getTime()));
    if (digestCount(sections) > 0 && (await enqueueAudited(db, tenantId, `digest:${m.id}:${today}`, 'digest', m.id, renderDigest(sections, today, { visibility: 'dm', toStaffId: m.id }), runAt, digestCount(sections)))) stats.digests++;
    const unrecorded = sections.now.filter((i) => i.kind === 'monitoring' && monthOf(i.dueOn) === monthOf(today));
    if (lastCallDay && unrecorded.length > 0 && (await enqueueAudited(db, tenantId, `lastcall:${m.id}:${today}`, 'last_call', m.id, renderLastCall(unrecorded, today, m.id), runAt, unrecorded.length))) stats.lastCalls++;
  }
  stats.escalations = await planEscalations(db, tenantId, settings, now, members);
  return stats;
}

/** Overdue monitoring and certificate reminders go once to the managers of the recipient's office. */
async function planEscalations(
  db: DbOrTx,
  tenantId: string,
  settings: ReminderSettings,
  now: Date,
  members: { id: string; name: string; officeId: string; roles: string[]; preferences: Record<string, unknown> }[],
): Promise<number> {
  const today = jstToday(now);
  const open = await db
    .select({ id: reminders.id, kind: reminders.kind, key: reminders.key, dueOn: reminders.dueOn, escalatedAt: reminders.escalatedAt, recipientId: reminders.recipientId, subjectType: reminders.subjectType, subjectId: reminders.subjectId, status: reminders.status, snoozedUntil: reminders.snoozedUntil })
    .from(reminders)
    .where(and(eq(reminders.tenantId, tenantId), inArray(reminders.status, ['open', 'snoozed']), inArray(reminders.kind, ['monitoring', 'certificate']), isNull(reminders.escalatedAt), gteDue(today)));
  const toEscalate = open.filter((r) => needsEscalation(r, today, settings.renewalLeadDays, settings.calendar));
  if (toEscalate.length === 0) return 0;
  const byId = new Map(members.map((m) => [m.id, m]));
  const managersOf = new Map<string, typeof members>();
  for (const m of members) if (m.roles.includes('office_manager')) managersOf.set(m.officeId, [...(managersOf.get(m.officeId) ?? []), m]);
  const managersFor = (r: (typeof toEscalate)[number]) => {
    const counselor = byId.get(r.recipientId);
    return counselor ? (managersOf.get(counselor.officeId) ?? []).filter((m) => m.id !== counselor.id) : [];
  };
  // With no manager to tell (an office without one, or the counselor is the manager), the
  // escalation is settled at once: the digest already shows the item as overdue.
  const settled = toEscalate.filter((r) => managersFor(r).length === 0).map((r) => r.id);
  const withManagers = toEscalate.filter((r) => managersFor(r).length > 0);
  const items = new Map((await labelReminders(db, tenantId, withManagers)).map((i) => [i.reminderId, i]));
  let n = 0;
  for (const r of withManagers) {
    const counselor = byId.get(r.recipientId);
    const item = items.get(r.id);
    const managers = managersFor(r);
    if (!counselor || !item) continue;
    // Each manager at their own digest hour; the reminder counts as escalated once all are planned.
    if (managers.some((m) => now.getTime() < digestInstant(today, staffPrefsOf(m.preferences), settings).getTime() - DIGEST_LOOKAHEAD_MS)) continue;
    for (const m of managers) {
      if (await enqueueAudited(db, tenantId, `escalation:${r.id}:${m.id}`, 'escalation', m.id, renderEscalation(item, counselor.name, m.id), now, 1)) n++;
    }
    settled.push(r.id);
  }
  for (let i = 0; i < settled.length; i += 5000) {
    await db.update(reminders).set({ escalatedAt: now }).where(and(inArray(reminders.id, settled.slice(i, i + 5000)), isNull(reminders.escalatedAt)));
  }
  return n;
}

/** Escalation looks back a year at most: older unfinished work is for the case review, not a DM. */
function gteDue(today: string) {
  return gte(reminders.dueOn, `${Number(today.slice(0, 4)) - 1}${today.slice(4)}`);
}

/** Plans one tenant if no other instance is planning it right now. Returns null when skipped. */
export async function planTenant(db: Db, tenantId: string, now: Date, opts: { syncReminders: boolean }): Promise<PlanStats | null> {
  return db.transaction(async (tx) => {
    const [lock] = await tx.execute<{ ok: boolean }>(sql`select pg_try_advisory_xact_lock(hashtextextended(${`plan:${tenantId}`}, 0)) as ok`);
    if (!lock?.ok) return null;
    const [tenant] = await tx.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId));
    if (!tenant) return null;
    const settings = reminderSettingsOf(tenant.settings);
    const count = opts.syncReminders ? await syncReminders(tx, tenantId, settings, now) : 0;
    return { reminders: count, ...(await planDeliveries(tx, tenantId, settings, now)) };
  });
}
