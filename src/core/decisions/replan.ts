/**
 * A person's planned reminders, recomputed inside the transaction that changed their 支給決定:
 * the case card and 予定 show the new months the same minute, not at the next planning pass.
 */
import { eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { tenants } from '../../../db/schema/index';
import { syncReminders } from '../reminders/sync';
import { reminderSettingsOf } from '../reminders/settings';

export async function replanPerson(tx: Tx, tenantId: string, personId: string, now: Date): Promise<void> {
  const [t] = await tx.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId));
  await syncReminders(tx, tenantId, reminderSettingsOf(t?.settings), now, { personId });
}
