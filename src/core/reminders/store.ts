import { and, eq, inArray, sql } from 'drizzle-orm';
import { pgArray } from '../../../db/array';
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
export async function upsertReminder(db: DbOrTx, r: ReminderUpsert, now: Date): Promise<void> {
  await db
    .insert(reminders)
    .values({ ...r, createdAt: now })
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

/**
 * upsertReminder for many rows in one statement and one round trip (a tenant's planning run:
 * 150,000 rows for the largest town), the rows sent as arrays. Rows that would change nothing
 * (the same due date, or finished work) are filtered out before the insert, so that an
 * unchanged reminder is neither written nor locked: ON CONFLICT DO UPDATE locks the row it
 * conflicts with even when its WHERE then skips the update. Returns the rows written.
 */
export async function upsertReminders(
  db: DbOrTx,
  tenantId: string,
  rows: readonly Omit<ReminderUpsert, 'tenantId'>[],
  now: Date,
): Promise<number> {
  if (rows.length === 0) return 0;
  const col = (k: keyof Omit<ReminderUpsert, 'tenantId'>) => pgArray(rows.map((r) => r[k]));
  const written = await db.execute<{ n: number }>(sql`with u as (
      select * from unnest(${col('key')}::text[], ${col('kind')}::text[], ${col('recipientId')}::uuid[], ${col('subjectType')}::text[], ${col('subjectId')}::uuid[], ${col('dueOn')}::date[])
        as u(key, kind, recipient_id, subject_type, subject_id, due_on)
    ), w as (
      insert into reminders (tenant_id, key, kind, recipient_id, subject_type, subject_id, due_on, created_at)
      select ${tenantId}::uuid, u.key, u.kind, u.recipient_id, u.subject_type, u.subject_id, u.due_on, ${now.toISOString()}::timestamptz from u
      where not exists (
        select 1 from reminders r
        where r.tenant_id = ${tenantId}::uuid and r.key = u.key and r.recipient_id = u.recipient_id
          and (r.due_on = u.due_on or r.status not in ('open', 'snoozed')))
      on conflict (tenant_id, key, recipient_id) do update set due_on = excluded.due_on
        where reminders.status in ('open', 'snoozed') and reminders.due_on <> excluded.due_on
      returning 1
    ) select count(*)::int as n from w`);
  return written[0]?.n ?? 0;
}

/** Marks reminders done whose work was recorded elsewhere (a monitoring logged in its month), in one statement. */
export async function completeRemindersByKey(db: DbOrTx, tenantId: string, keys: readonly string[], doneAt: Date): Promise<void> {
  if (keys.length === 0) return;
  await db
    .update(reminders)
    .set({ status: 'done', doneAt })
    .where(
      and(
        eq(reminders.tenantId, tenantId),
        sql`${reminders.key} = any(${pgArray(keys)}::text[])`,
        inArray(reminders.status, ['open', 'snoozed']),
      ),
    );
}
