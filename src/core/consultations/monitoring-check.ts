import { and, desc, eq, gte, lte, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { servicePlans } from '../../../db/schema/index';
import { monthOf, type IsoMonth } from '../calendar/jst';
import { planMonitoringMonths, tenantCountFrom } from '../monitoring/plan-row';

/**
 * The plan in force on `date` and the monitoring month `date` counts for: `null` when `date` is
 * off-month, `'no_plan'` when no plan is in force.
 */
export async function monitoringMonthOf(
  db: DbOrTx,
  tenantId: string,
  personId: string,
  date: string,
): Promise<{ planId: string; month: IsoMonth } | 'no_plan' | null> {
  const [row] = await db
    .select({
      plan: servicePlans,
      // The tenant's start convention, for a decision without its own (one round trip still).
      // Qualified by hand: drizzle writes bare column names inside a single-table select.
      tenantSettings: sql<Record<string, unknown> | null>`(select t.settings from tenants t where t.id = service_plans.tenant_id)`,
    })
    .from(servicePlans)
    .where(
      and(
        eq(servicePlans.tenantId, tenantId),
        eq(servicePlans.personId, personId),
        eq(servicePlans.active, true),
        lte(servicePlans.periodStart, date),
        gte(servicePlans.periodEnd, date),
      ),
    )
    .orderBy(desc(servicePlans.periodStart))
    .limit(1);
  if (!row) return 'no_plan';
  const month = monthOf(date);
  return planMonitoringMonths(row.plan, tenantCountFrom(row.tenantSettings)).includes(month) ? { planId: row.plan.id, month } : null;
}
