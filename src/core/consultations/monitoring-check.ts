import { and, desc, eq, gte, lte } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { servicePlans } from '../../../db/schema/index';
import { monthOf } from '../calendar/jst';
import { planMonitoringMonths } from '../monitoring/plan-row';

/**
 * Is `date` in a monitoring month of the person's plan in force that day? With no plan in force
 * there is nothing to judge against, so the visit is not flagged.
 */
export async function isMonitoringMonthFor(db: DbOrTx, tenantId: string, personId: string, date: string): Promise<boolean> {
  const [plan] = await db
    .select()
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
  if (!plan) return true;
  return planMonitoringMonths(plan).includes(monthOf(date));
}
