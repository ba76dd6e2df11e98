/** The planning code a bench:planning process runs (see bench/reminder-planning.ts). */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { tenants } from '../db/schema/index';
import { reminderSettingsOf } from '../src/core/reminders/settings';
import { planTenants as schedulerPass, syncReminders } from '../src/scheduler/plan-tenant';

export interface TenantResult {
  id: string;
  ms: number;
  skipped: boolean;
  reminders: number;
  written: number;
  digests: number;
  lastCalls: number;
  escalations: number;
}

/**
 * The pass planOnce runs, with the production defaults (SCHEDULER_PLAN_INTERVAL_MS 30 s,
 * SCHEDULER_SYNC_INTERVAL_MS 5 min): every instance is given every tenant.
 */
export async function planTenants(db: Db, tenantIds: readonly string[], now: Date, onTenant: (r: TenantResult) => void): Promise<void> {
  const claim = { replanAfterMs: 15_000, syncIntervalMs: 300_000, forceSync: false, instanceId: `bench:${process.pid}` };
  await schedulerPass(db, tenantIds, now, claim, {
    onTenant: (id, s, ms) =>
      onTenant({
        id,
        ms,
        skipped: !s,
        reminders: s?.reminders ?? 0,
        written: s?.remindersWritten ?? 0,
        digests: s?.digests ?? 0,
        lastCalls: s?.lastCalls ?? 0,
        escalations: s?.escalations ?? 0,
      }),
    onError: (_id, e) => {
      throw e;
    },
  });
}

/** The reminder rows of a tenant as a pass at `now` leaves them (no deliveries). */
export async function primeTenant(db: Db, tenantId: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const [t] = await tx.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId));
    await syncReminders(tx, tenantId, reminderSettingsOf(t?.settings), now);
  });
}
