/**
 * The reminder settings a staff member reads and changes from chat (予定, 予定 設定): the tenant's
 * defaults and the actor's own preferences. Every query is the actor's own row or tenant; the
 * change is audited in its transaction.
 */
import { and, eq } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client';
import { staff, tenants } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { writeAudit } from '../audit/write';
import { reminderSettingsOf, staffPrefsOf, type ReminderSettings, type StaffPrefs } from './settings';

/** The actor's tenant's reminder settings (defaults where unset or malformed). */
export async function tenantReminderSettings(db: DbOrTx, actor: Actor): Promise<ReminderSettings> {
  const [t] = await db.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, actor.tenantId));
  return reminderSettingsOf(t?.settings);
}

/** The actor's own reminder preferences. */
export async function myReminderPrefs(db: DbOrTx, actor: Actor): Promise<StaffPrefs> {
  const [me] = await db
    .select({ preferences: staff.preferences })
    .from(staff)
    .where(and(eq(staff.id, actor.staffId), eq(staff.tenantId, actor.tenantId)));
  return staffPrefsOf(me?.preferences);
}

/** Saves the actor's own digest time and quiet days (other preferences kept), audited. */
export async function saveMyReminderPrefs(
  db: Db,
  actor: Actor,
  prefs: { digestTime: string; quietWeekdays: number[]; quietDates: string[] },
): Promise<void> {
  await db.transaction(async (tx) => {
    const mine = and(eq(staff.id, actor.staffId), eq(staff.tenantId, actor.tenantId));
    const [me] = await tx.select({ preferences: staff.preferences }).from(staff).where(mine).for('update');
    await tx
      .update(staff)
      .set({
        preferences: {
          ...(me?.preferences ?? {}),
          digestTime: prefs.digestTime,
          quietWeekdays: prefs.quietWeekdays,
          quietDates: prefs.quietDates,
        },
      })
      .where(mine);
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'update',
      resourceType: 'staff_preferences',
      resourceId: actor.staffId,
      detail: { fields: ['digestTime', 'quietWeekdays', 'quietDates'] },
    });
  });
}
