import { and, eq, isNull } from 'drizzle-orm';
import { persons, servicePlans, type PlanSegment } from '../../../db/schema/index';
import type { IsoDate, IsoMonth } from '../calendar/jst';
import {
  COUNT_FROM_VALUES,
  DEFAULT_COUNT_FROM,
  monitoringMonths,
  planMonitoring,
  type CountFrom,
  type MonitoringCalendar,
  type MonitoringFrequency,
  type MonitoringSchedule,
} from './months';

/** The columns of a service_plans row that decide its monitoring months. */
export interface PlanRow {
  periodStart: string;
  periodEnd: string;
  frequencyMonths: number | null;
  standardMonths: number[] | null;
  segments: PlanSegment[];
  /** The decision's own start convention; null: the tenant's (`tenants.settings.monitoringCountFrom`). */
  countFrom: string | null;
}

/** The columns that planning reads from an active plan and its person (select with `activePlansOf`). */
export const ACTIVE_PLAN_COLUMNS = {
  id: servicePlans.id,
  personId: servicePlans.personId,
  counselorId: persons.counselorId,
  periodStart: servicePlans.periodStart,
  periodEnd: servicePlans.periodEnd,
  frequencyMonths: servicePlans.frequencyMonths,
  standardMonths: servicePlans.standardMonths,
  segments: servicePlans.segments,
  countFrom: servicePlans.countFrom,
} as const;

/** A tenant's active plans of persons not deleted: the join and filter every planner uses. */
export const activePlansOf = (tenantId: string) =>
  ({
    join: eq(persons.id, servicePlans.personId),
    where: and(eq(servicePlans.tenantId, tenantId), eq(servicePlans.active, true), isNull(persons.deletedAt)),
  }) as const;

const isCountFrom = (v: unknown): v is CountFrom => typeof v === 'string' && (COUNT_FROM_VALUES as readonly string[]).includes(v);

/**
 * The tenant's start convention for decisions taking effect mid-month
 * (`tenants.settings.monitoringCountFrom`: "same_month" | "next_month"), else the product's default.
 */
export function tenantCountFrom(settings: Record<string, unknown> | null | undefined): CountFrom {
  const v = settings?.monitoringCountFrom;
  return isCountFrom(v) ? v : DEFAULT_COUNT_FROM;
}

/** The convention a plan counts with: its own when the decision set one, else the tenant's. */
export function countFromOf(plan: Pick<PlanRow, 'countFrom'>, tenantDefault: CountFrom = DEFAULT_COUNT_FROM): CountFrom {
  return isCountFrom(plan.countFrom) ? plan.countFrom : tenantDefault;
}

/** A stored plan as the monitoring calendar sees it: the first rule, then each change. */
export function scheduleOfPlan(plan: PlanRow, tenantDefault: CountFrom = DEFAULT_COUNT_FROM): MonitoringSchedule {
  const first = {
    from: plan.periodStart.slice(0, 7),
    frequencyMonths: (plan.frequencyMonths ?? undefined) as MonitoringFrequency | undefined,
    standardMonths: plan.standardMonths && plan.standardMonths.length > 0 ? plan.standardMonths : undefined,
  };
  const changes = plan.segments.map((s) => ({
    from: s.from,
    frequencyMonths: s.frequencyMonths as MonitoringFrequency | undefined,
    standardMonths: s.standardMonths,
  }));
  return {
    periodStart: plan.periodStart,
    periodEnd: plan.periodEnd,
    countFrom: countFromOf(plan, tenantDefault),
    segments: [first, ...changes],
  };
}

/** The monitoring months of a stored plan (the tenant's convention for a decision without its own). */
export function planMonitoringMonths(plan: PlanRow, tenantDefault: CountFrom = DEFAULT_COUNT_FROM): IsoMonth[] {
  return monitoringMonths(scheduleOfPlan(plan, tenantDefault));
}

/** The months with the warnings for the counselor (standard months missing the last month, past months a change made). */
export function planMonitoringCalendar(
  plan: PlanRow,
  opts: { tenantDefault?: CountFrom; today?: IsoDate; doneMonths?: readonly IsoMonth[] } = {},
): MonitoringCalendar {
  return planMonitoring(scheduleOfPlan(plan, opts.tenantDefault), { today: opts.today, doneMonths: opts.doneMonths });
}
