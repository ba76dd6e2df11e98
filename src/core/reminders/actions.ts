/**
 * 完了 and snooze, pressed on a reminder message. Only the recipient, or the office manager of
 * the recipient's office, may act; every change is audited. 完了 records the work itself:
 * - monitoring: a monitoring consultation dated today (only within the monitoring month: an
 *   overdue month needs its real date, so the caller offers the record form instead);
 * - certificate: the renewal step, a consultation of kind 福祉サービスの利用援助 noting that the
 *   renewal application was supported;
 * - action item: the item is marked done; meeting and 二次相談 reminders are acknowledged.
 */
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { actionItems, persons, reminders, servicePlans, staff } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { writeAudit } from '../audit/write';
import type { BusinessCalendarOptions } from '../calendar/business-days';
import { compareDates, jstToday, monthOf, type IsoDate } from '../calendar/jst';
import { logConsultation } from '../consultations/log';
import { UserError } from '../errors';
import { MONITORING_KIND } from '../vocabulary';
import { labelReminders, reminderRowColumns, type ReminderRow } from './items';
import type { DigestItem } from './digest';
import { snoozeUntil, type SnoozeChoice } from './schedule';

const RENEWAL_STEP_KIND = '福祉サービスの利用援助';
const RENEWAL_STEP_SUMMARY = '受給者証の更新申請を支援した（予定の通知から完了を記録）。';
const MONITORING_DONE_SUMMARY = 'モニタリングを実施した（予定の通知から完了を記録）。';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const notFound = () =>
  new UserError('unknown_reminder', 'この予定は見つからないか、操作する権限がありません。', 'reminder not found or not actionable');

/** The reminder if the actor may act on it: its recipient, or a manager of the recipient's office. */
export async function reminderForActor(db: Db, actor: Actor, reminderId: string): Promise<ReminderRow> {
  if (!UUID.test(reminderId)) throw notFound();
  const [row] = await db
    .select({ ...reminderRowColumns, recipientOffice: staff.officeId })
    .from(reminders)
    .innerJoin(staff, eq(staff.id, reminders.recipientId))
    .where(and(eq(reminders.id, reminderId), eq(reminders.tenantId, actor.tenantId)));
  if (!row) throw notFound();
  const mine = row.recipientId === actor.staffId;
  const manager = actor.roles.includes('office_manager') && row.recipientOffice === actor.officeId;
  if (!mine && !manager) throw notFound();
  const { recipientOffice: _office, ...rest } = row;
  return rest;
}

export type ActResult =
  /** `recipientId`: whose reminder it is (the actor's own, or, for an office manager, a colleague's). */
  | { kind: 'done' | 'snoozed' | 'already'; item: DigestItem; recipientId: string; until?: string; consultationId?: string }
  /** An overdue monitoring: the record needs its real date, so ask for it. */
  | { kind: 'needs_record'; item: DigestItem; personId: string; personCode: string };

async function itemOf(db: Db, actor: Actor, row: ReminderRow): Promise<DigestItem> {
  const [item] = await labelReminders(db, actor.tenantId, [row]);
  if (!item) throw notFound();
  return item;
}

/** The person of a plan of the tenant, with the case code the record form is prefilled with. */
async function personOfPlan(db: Db, tenantId: string, planId: string): Promise<{ id: string; code: string }> {
  const [plan] = await db
    .select({ id: servicePlans.personId, code: persons.code })
    .from(servicePlans)
    .innerJoin(persons, and(eq(persons.id, servicePlans.personId), eq(persons.tenantId, tenantId)))
    .where(and(eq(servicePlans.id, planId), eq(servicePlans.tenantId, tenantId)));
  if (!plan) throw notFound();
  return plan;
}

/**
 * The rows one press acts on: the reminder itself, and for a meeting every open reminder of the
 * recipient about it (the day before and the morning are one line in the lists: 確認済み is for the
 * meeting, and it must not come back under the other reminder).
 */
function sameSubject(row: ReminderRow, tenantId: string) {
  if (row.kind !== 'meeting') return eq(reminders.id, row.id);
  return and(
    eq(reminders.tenantId, tenantId),
    eq(reminders.recipientId, row.recipientId),
    eq(reminders.kind, 'meeting'),
    eq(reminders.subjectType, row.subjectType),
    eq(reminders.subjectId, row.subjectId),
    inArray(reminders.status, ['open', 'snoozed']),
  );
}

/** The date and method a 完了 on a monitoring reminder records (asked for before it is written). */
export interface DoneRecord {
  occurredOn: IsoDate;
  method: string;
}

/** Marks a reminder done, recording the work it stands for (for a monitoring: on `record`'s date, by its method). */
export async function completeReminder(db: Db, actor: Actor, reminderId: string, now: Date, record?: DoneRecord): Promise<ActResult> {
  const row = await reminderForActor(db, actor, reminderId);
  const item = await itemOf(db, actor, row);
  if (row.status === 'done' || row.status === 'cancelled') return { kind: 'already', item, recipientId: row.recipientId };
  const today = jstToday(now);
  let consultationId: string | undefined;
  if (row.kind === 'monitoring' || row.kind === 'certificate') {
    const person = await personOfPlan(db, actor.tenantId, row.subjectId);
    const personId = person.id;
    if (row.kind === 'monitoring') {
      const c = compareDates(monthOf(row.dueOn), monthOf(today));
      if (c > 0)
        throw new UserError(
          'not_yet',
          'まだモニタリング月ではありません。実施月になってから記録してください。',
          'monitoring month not started',
        );
      if (record && monthOf(record.occurredOn) !== monthOf(row.dueOn)) {
        const msg = `モニタリング月（${Number(monthOf(row.dueOn).slice(5))}月）の日付を入力してください。別の月の実施はその月のモニタリングに数えられません。`;
        throw new UserError('bad_date', msg, 'monitoring done outside its month', { occurredOn: msg });
      }
      if (c < 0 && !record) return { kind: 'needs_record', item, personId, personCode: person.code };
    }
    const monitoring = row.kind === 'monitoring';
    consultationId = (
      await logConsultation(
        db,
        actor,
        {
          personId,
          occurredOn: record?.occurredOn ?? today,
          method: record?.method ?? 'その他',
          kind: monitoring ? MONITORING_KIND : RENEWAL_STEP_KIND,
          summary: monitoring ? MONITORING_DONE_SUMMARY : RENEWAL_STEP_SUMMARY,
        },
        now,
      )
    ).id;
  }
  await db.transaction(async (tx) => {
    await tx
      .update(reminders)
      .set({ status: 'done', doneAt: now, doneBy: actor.staffId, snoozedUntil: null })
      .where(sameSubject(row, actor.tenantId));
    if (row.kind === 'action_item') {
      await tx
        .update(actionItems)
        .set({ doneAt: now })
        .where(and(eq(actionItems.id, row.subjectId), eq(actionItems.tenantId, actor.tenantId), isNull(actionItems.doneAt)));
    }
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'reminder_done',
      resourceType: 'reminder',
      resourceId: row.id,
      detail: { kind: row.kind },
    });
  });
  return { kind: 'done', item: { ...item, status: 'done' }, recipientId: row.recipientId, consultationId };
}

/** Snoozes a reminder to the next business day or a week later; it returns in that day's digest. */
export async function snoozeReminder(
  db: Db,
  actor: Actor,
  reminderId: string,
  choice: SnoozeChoice,
  now: Date,
  cal?: BusinessCalendarOptions,
): Promise<ActResult> {
  const row = await reminderForActor(db, actor, reminderId);
  const item = await itemOf(db, actor, row);
  if (row.status === 'done' || row.status === 'cancelled') return { kind: 'already', item, recipientId: row.recipientId };
  const until = snoozeUntil(jstToday(now), choice, cal);
  await db.transaction(async (tx) => {
    await tx.update(reminders).set({ status: 'snoozed', snoozedUntil: until }).where(sameSubject(row, actor.tenantId));
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'reminder_snooze',
      resourceType: 'reminder',
      resourceId: row.id,
      detail: { kind: row.kind, until },
    });
  });
  return { kind: 'snoozed', item: { ...item, status: 'snoozed', snoozedUntil: until }, recipientId: row.recipientId, until };
}
