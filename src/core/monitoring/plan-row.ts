import type { PlanSegment } from '../../../db/schema/index';
import type { IsoMonth } from '../calendar/jst';
import { monitoringMonths, type CountFrom, type MonitoringFrequency, type MonitoringSchedule } from './months';

/** The columns of a service_plans row that decide its monitoring months. */
export interface PlanRow {
  periodStart: string;
  periodEnd: string;
  frequencyMonths: number | null;
  standardMonths: number[] | null;
  segments: PlanSegment[];
  countFrom: string;
}

/** A stored plan as the monitoring calendar sees it: the first rule, then each change. */
export function scheduleOfPlan(plan: PlanRow): MonitoringSchedule {
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
    countFrom: plan.countFrom as CountFrom,
    segments: [first, ...changes],
  };
}

export function planMonitoringMonths(plan: PlanRow): IsoMonth[] {
  return monitoringMonths(scheduleOfPlan(plan));
}
