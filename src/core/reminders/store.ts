import { and, eq, inArray, like, notInArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { reminders } from '../../../db/schema/index';

/** Kinds of things to remind about. Each planner owns its kind. */
export type ReminderKind = 'monitoring' | 'certificate' | 'meeting' | 'action_item' | 'secondary_waiting' | 'next_action';

export interface ReminderUpsert {
  tenantId: string;
  /** Natural key, stable across replanning: `monitoring:<planId>:2026-11`, `meeting:<id>:day_before`. */
  key: string;
  kind: ReminderKind;
  recipientId: string;
  subjectType: string;
  subjectId: string;
  dueOn: string;
}

/**
 * Creates the reminder, or moves its due date when the plan behind it changed. A reminder that
 * is done or cancelled stays so: replanning never reopens finished work.
 */
export async function upsertReminder(db: DbOrTx, r: ReminderUpsert): Promise<void> {
  await db
    .insert(reminders)
    .values(r)
    .onConflictDoUpdate({
      target: [reminders.tenantId, reminders.key, reminders.recipientId],
      set: { dueOn: r.dueOn },
      setWhere: sql`${reminders.status} in ('open', 'snoozed')`,
    });
}

/** Cancels open reminders whose subject went away (a meeting cancelled, a plan ended early). */
export async function cancelReminders(db: DbOrTx, tenantId: string, keyPrefix: string): Promise<void> {
  await db.execute(sql`update reminders set status = 'cancelled'
    where tenant_id = ${tenantId} and key like ${`${keyPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} and status in ('open', 'snoozed')`);
}

/** upsertReminder for many rows in one statement (a tenant's planning run). */
export async function upsertReminders(db: DbOrTx, tenantId: string, rows: readonly Omit<ReminderUpsert, 'tenantId'>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000).map((r) => ({ ...r, tenantId }));
    await db
      .insert(reminders)
      .values(chunk)
      .onConflictDoUpdate({
        target: [reminders.tenantId, reminders.key, reminders.recipientId],
        set: { dueOn: sql`excluded.due_on` },
        setWhere: sql`${reminders.status} in ('open', 'snoozed') and ${reminders.dueOn} <> excluded.due_on`,
      });
  }
}

/** Marks reminders done whose work was recorded elsewhere (a monitoring logged in its month). */
export async function completeRemindersByKey(db: DbOrTx, tenantId: string, keys: readonly string[], doneAt: Date): Promise<void> {
  for (let i = 0; i < keys.length; i += 5000) {
    await db
      .update(reminders)
      .set({ status: 'done', doneAt })
      .where(and(eq(reminders.tenantId, tenantId), inArray(reminders.key, keys.slice(i, i + 5000)), inArray(reminders.status, ['open', 'snoozed'])));
  }
}

/** Cancels open reminders under a key prefix except the listed keys (a plan whose months changed). */
export async function cancelRemindersExcept(db: DbOrTx, tenantId: string, keyPrefix: string, keep: readonly string[]): Promise<void> {
  await db
    .update(reminders)
    .set({ status: 'cancelled' })
    .where(
      and(
        eq(reminders.tenantId, tenantId),
        like(reminders.key, `${keyPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`),
        keep.length > 0 ? notInArray(reminders.key, [...keep]) : undefined,
        inArray(reminders.status, ['open', 'snoozed']),
      ),
    );
}
