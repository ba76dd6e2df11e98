import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { planningJobs, tenants } from '../../db/schema/index';
import { reminderSettingsOf } from '../core/reminders/settings';
import {
  findMovedMonths,
  MONITORING_RULE_JOB,
  recomputeMonitoringOnce,
  reportOf,
  type RecomputeReport,
} from '../scheduler/monitoring-recompute';
import { syncReminders } from '../scheduler/plan-tenant';
import type { Output } from './with-db';

const line = (code: string, r: RecomputeReport) =>
  `tenant ${code}: plans ${r.plans}, moved ${r.moved} (counselors ${r.counselors}, without counselor ${r.withoutCounselor}), ` +
  `past months now unrecorded ${r.pastUnrecorded}, records recounted ${r.recounted}, unplannable ${r.unplannable}`;

/**
 * `monitoring:recompute [--tenant code] [--dry-run]`: the one-off recomputation of monitoring
 * months under the MHLW rule for the tenants still pending (or one), each in its own transaction
 * under the tenant's planning lock, exactly as the scheduler would run it. `--dry-run` only counts.
 * Prints counts, never names.
 */
export async function monitoringRecomputeCommand(
  db: Db,
  tenant: { id: string; code: string } | null,
  dryRun: boolean,
  io: Output,
  now: Date,
): Promise<number> {
  const pending = await db
    .select({ id: tenants.id, code: tenants.code, settings: tenants.settings })
    .from(planningJobs)
    .innerJoin(tenants, eq(tenants.id, planningJobs.tenantId))
    .where(and(eq(planningJobs.job, MONITORING_RULE_JOB), isNull(planningJobs.doneAt), tenant ? eq(tenants.id, tenant.id) : undefined))
    .orderBy(tenants.code);
  if (pending.length === 0) {
    io.out(
      tenant ? `tenant ${tenant.code}: nothing pending (recomputed already, or created after the rule change)` : 'no tenant is pending',
    );
    return 0;
  }
  for (const t of pending) {
    const settings = reminderSettingsOf(t.settings);
    if (dryRun) {
      io.out(
        `${line(t.code, reportOf(await findMovedMonths(db, t.id, settings.monitoringCountFrom, now)))} (dry run: nothing changed, nobody told)`,
      );
      continue;
    }
    const result = await db.transaction(async (tx) => {
      // The scheduler's planning lock of the tenant: waits for a planning pass in progress.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`plan:${t.id}`}, 0))`);
      return recomputeMonitoringOnce(tx, t.id, now, {
        by: 'cli',
        tenantCountFrom: settings.monitoringCountFrom,
        sync: () => syncReminders(tx, t.id, settings, now),
        askAgain: true,
      });
    });
    io.out(
      result
        ? `${line(t.code, result.report)}; messages ${result.report.notified}`
        : `tenant ${t.code}: done meanwhile by a scheduler instance`,
    );
  }
  return 0;
}
