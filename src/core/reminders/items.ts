/**
 * Loads open reminders with the labels a digest shows. The labels name the person (code and
 * name): they only ever go to the reminder's recipient or their office manager, by direct
 * message or ephemeral reply.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { actionItems, meetings, persons, reminders, secondaryConsultations, servicePlans } from '../../../db/schema/index';
import { shortDateTime } from '../calendar/format';
import { jstDateOf, monthOf } from '../calendar/jst';
import { formatWarekiMonth } from '../calendar/wareki';
import type { DigestItem } from './digest';
import { pgArray } from '../../../db/array';

export interface ReminderRow {
  id: string;
  recipientId: string;
  kind: string;
  key: string;
  subjectType: string;
  subjectId: string;
  dueOn: string;
  status: string;
  snoozedUntil: string | null;
  escalatedAt: Date | null;
}

/** The columns of a ReminderRow, for every query that reads reminders. */
export const reminderRowColumns = {
  id: reminders.id,
  recipientId: reminders.recipientId,
  kind: reminders.kind,
  key: reminders.key,
  subjectType: reminders.subjectType,
  subjectId: reminders.subjectId,
  dueOn: reminders.dueOn,
  status: reminders.status,
  snoozedUntil: reminders.snoozedUntil,
  escalatedAt: reminders.escalatedAt,
};

/** Open and snoozed reminders of a tenant, for some recipients or all. */
export async function openReminders(db: DbOrTx, tenantId: string, recipientIds?: readonly string[]): Promise<ReminderRow[]> {
  const where = [eq(reminders.tenantId, tenantId), inArray(reminders.status, ['open', 'snoozed'])];
  if (recipientIds) {
    if (recipientIds.length === 0) return [];
    where.push(inArray(reminders.recipientId, [...recipientIds]));
  }
  return db
    .select(reminderRowColumns)
    .from(reminders)
    .where(and(...where));
}

/** Per subject: its title and detail line, and the date the list shows when it is not the reminder's. */
type Labels = Map<string, { title: string; detail: string; dueOn?: string }>;

async function planLabels(db: DbOrTx, tenantId: string, ids: string[]): Promise<Labels> {
  const out: Labels = new Map();
  if (ids.length === 0) return out;
  const rows = await db
    .select({ id: servicePlans.id, code: persons.code, family: persons.familyName, given: persons.givenName })
    .from(servicePlans)
    .innerJoin(persons, eq(persons.id, servicePlans.personId))
    // One array parameter: a large town's digests label 50,000 plans (a list of parameters stops at 65,535).
    .where(and(eq(servicePlans.tenantId, tenantId), sql`${servicePlans.id} = any(${pgArray(ids)}::uuid[])`));
  for (const r of rows) out.set(r.id, { title: `${r.code} ${r.family} ${r.given}`, detail: '' });
  return out;
}

async function secondaryLabels(db: DbOrTx, tenantId: string, ids: string[]): Promise<Labels> {
  const out: Labels = new Map();
  if (ids.length === 0) return out;
  const rows = await db
    .select({ id: secondaryConsultations.id, number: secondaryConsultations.number, urgency: secondaryConsultations.urgency })
    .from(secondaryConsultations)
    .where(and(eq(secondaryConsultations.tenantId, tenantId), inArray(secondaryConsultations.id, ids)));
  for (const r of rows)
    out.set(r.id, {
      title: `二次相談 #${r.number}${r.urgency === 'urgent' ? '（至急）' : ''}`,
      detail: '受付待ちのまま時間が経っています',
    });
  return out;
}

async function meetingLabels(db: DbOrTx, tenantId: string, ids: string[]): Promise<Labels> {
  const out: Labels = new Map();
  if (ids.length === 0) return out;
  const rows = await db
    .select({ id: meetings.id, title: meetings.title, startsAt: meetings.startsAt, place: meetings.place })
    .from(meetings)
    .where(and(eq(meetings.tenantId, tenantId), inArray(meetings.id, ids)));
  // A meeting's reminders (the day before, the morning) are one line, dated the meeting's day.
  for (const r of rows)
    out.set(r.id, {
      title: r.title,
      detail: `会議 ${shortDateTime(r.startsAt)}${r.place ? `　${r.place}` : ''}`,
      dueOn: jstDateOf(r.startsAt),
    });
  return out;
}

async function actionLabels(db: DbOrTx, tenantId: string, ids: string[]): Promise<Labels> {
  const out: Labels = new Map();
  if (ids.length === 0) return out;
  const rows = await db
    .select({ id: actionItems.id, description: actionItems.description, meeting: meetings.title })
    .from(actionItems)
    .innerJoin(meetings, eq(meetings.id, actionItems.meetingId))
    .where(and(eq(actionItems.tenantId, tenantId), inArray(actionItems.id, ids)));
  for (const r of rows) out.set(r.id, { title: r.description, detail: `宿題（${r.meeting}）` });
  return out;
}

const KIND_DETAIL: Record<string, (r: ReminderRow) => string> = {
  monitoring: (r) => `モニタリング ${formatWarekiMonth(monthOf(r.dueOn))}`,
  certificate: () => '受給者証の更新手続き',
};

/** The digest items of the given reminder rows, labelled. Rows whose subject is gone are skipped. */
export async function labelReminders(
  db: DbOrTx,
  tenantId: string,
  rows: readonly ReminderRow[],
): Promise<(DigestItem & { recipientId: string })[]> {
  const idsOf = (type: string) => [...new Set(rows.filter((r) => r.subjectType === type).map((r) => r.subjectId))];
  const [plans, secondary, meeting, action] = await Promise.all([
    planLabels(db, tenantId, idsOf('service_plan')),
    secondaryLabels(db, tenantId, idsOf('secondary_consultation')),
    meetingLabels(db, tenantId, idsOf('meeting')),
    actionLabels(db, tenantId, idsOf('action_item')),
  ]);
  const bySubject: Record<string, Labels> = { service_plan: plans, secondary_consultation: secondary, meeting, action_item: action };
  const out: (DigestItem & { recipientId: string })[] = [];
  for (const r of rows) {
    const label = bySubject[r.subjectType]?.get(r.subjectId);
    if (!label) continue;
    out.push({
      reminderId: r.id,
      recipientId: r.recipientId,
      kind: r.kind,
      subjectId: r.subjectId,
      dueOn: label.dueOn ?? r.dueOn,
      status: r.status,
      snoozedUntil: r.snoozedUntil,
      title: label.title,
      detail: KIND_DETAIL[r.kind]?.(r) ?? label.detail,
    });
  }
  return out;
}
