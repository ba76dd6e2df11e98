/**
 * What is due: pure planning from plans, recorded monitorings, certificates and waiting
 * 二次相談, as of "today" (JST). The scheduler feeds it rows and writes what it returns; the
 * natural keys make writing it twice (two instances, a restart) a no-op.
 */
import { businessDayOnOrBefore, businessHoursBetween, type BusinessCalendarOptions } from '../calendar/business-days';
import { addMonths, compareDates, lastDayOfMonth, monthOf, type IsoDate, type IsoMonth } from '../calendar/jst';
import { renewalReminderDates } from '../monitoring/certificate';
import { planMonitoringMonths, type PlanRow } from '../monitoring/plan-row';
import type { ReminderKind } from './store';

export interface PlannedReminder {
  key: string;
  kind: ReminderKind;
  recipientId: string;
  subjectType: string;
  subjectId: string;
  dueOn: IsoDate;
}

export interface PlanFacts {
  planId: string;
  personId: string;
  /** The assigned counselor; a plan with none reminds nobody (the case list shows it instead). */
  counselorId: string | null;
  plan: PlanRow & { certificateEnd: string | null };
  /** Months in which a monitoring consultation was recorded. */
  doneMonths: readonly IsoMonth[];
}

export interface PlanOutcome {
  upserts: PlannedReminder[];
  /** Keys whose work is done (a monitoring recorded in its month). */
  doneKeys: string[];
  /** Per key prefix, every key the plan may have now: open ones outside it are cancelled. */
  keep: { prefix: string; keys: string[] }[];
}

export const monitoringKey = (planId: string, month: IsoMonth) => `monitoring:${planId}:${month}`;
const certificateKey = (planId: string, end: IsoDate) => `certificate:${planId}:${end}`;
const secondaryKey = (secondaryId: string) => `secondary_waiting:${secondaryId}`;

/** The deadline of a monitoring month: its last business day. */
export function monitoringDeadline(month: IsoMonth, cal?: BusinessCalendarOptions): IsoDate {
  return businessDayOnOrBefore(lastDayOfMonth(month), cal);
}

/**
 * Calendar work shared by the plans of one tenant on one day: most plans have one of a few
 * dozen (period, rule) shapes and their months end on the same few deadlines, so a town's
 * planning computes each once (measured: 60 % of the pure planning time of 50,000 plans).
 * Only valid for one calendar (the tenant's settings) and one list of renewal lead days.
 */
export interface PlanMemo {
  months: Map<string, IsoMonth[]>;
  deadlines: Map<IsoMonth, IsoDate>;
  renewalFirst: Map<IsoDate, IsoDate | undefined>;
}

export const createPlanMemo = (): PlanMemo => ({ months: new Map(), deadlines: new Map(), renewalFirst: new Map() });

function memoized<K, V>(map: Map<K, V> | undefined, key: K, compute: () => V): V {
  if (!map) return compute();
  if (map.has(key)) return map.get(key) as V;
  const v = compute();
  map.set(key, v);
  return v;
}

const shapeOf = (p: PlanRow) =>
  `${p.periodStart}|${p.periodEnd}|${p.frequencyMonths ?? ''}|${p.standardMonths?.join(',') ?? ''}|${p.countFrom}|${p.segments.length === 0 ? '' : JSON.stringify(p.segments)}`;

/**
 * Monitoring reminders for every monitoring month up to next month (so next month's shows as
 * coming), done where a monitoring was recorded in that month; a certificate reminder from its
 * first renewal day on. A change of frequency or period changes the months, and reminders of
 * months that are no longer monitoring months are cancelled through `keep`.
 */
export function planForPlan(
  f: PlanFacts,
  today: IsoDate,
  renewalLeadDays: readonly number[],
  cal?: BusinessCalendarOptions,
  memo?: PlanMemo,
): PlanOutcome {
  const monitoring = { prefix: `monitoring:${f.planId}:`, keys: [] as string[] };
  const certificate = { prefix: `certificate:${f.planId}:`, keys: [] as string[] };
  const out: PlanOutcome = { upserts: [], doneKeys: [], keep: [monitoring, certificate] };
  const horizon = addMonths(monthOf(today), 1);
  const done = new Set(f.doneMonths);
  // A plan whose rule is incomplete throws here, every time (failures are not memoized).
  const months = memoized(memo?.months, shapeOf(f.plan), () => planMonitoringMonths(f.plan));
  for (const month of months) {
    if (compareDates(month, horizon) > 0) break;
    const key = monitoringKey(f.planId, month);
    monitoring.keys.push(key);
    if (!f.counselorId) continue;
    out.upserts.push({
      key,
      kind: 'monitoring',
      recipientId: f.counselorId,
      subjectType: 'service_plan',
      subjectId: f.planId,
      dueOn: memoized(memo?.deadlines, month, () => monitoringDeadline(month, cal)),
    });
    if (done.has(month)) out.doneKeys.push(key);
  }
  const end = f.plan.certificateEnd;
  if (end) certificate.keys.push(certificateKey(f.planId, end));
  if (end && f.counselorId) {
    const first = memoized(memo?.renewalFirst, end, () => renewalReminderDates(end, renewalLeadDays, cal)[0]);
    if (first !== undefined && compareDates(today, first) >= 0) {
      out.upserts.push({
        key: certificateKey(f.planId, end),
        kind: 'certificate',
        recipientId: f.counselorId,
        subjectType: 'service_plan',
        subjectId: f.planId,
        dueOn: end,
      });
    }
  }
  return out;
}

export interface WaitingSecondary {
  id: string;
  urgency: string;
  createdAt: Date;
}

/**
 * A 二次相談 nobody has taken after N office hours reminds every 基幹 staff member; office
 * hours, so a request sent on Friday evening is not "waiting" on Monday at 8:31.
 */
export function planSecondaryWaiting(
  requests: readonly WaitingSecondary[],
  kikanStaff: readonly string[],
  now: Date,
  today: IsoDate,
  waitHours: { normal: number; urgent: number },
  cal?: BusinessCalendarOptions,
): PlannedReminder[] {
  const out: PlannedReminder[] = [];
  for (const r of requests) {
    const limit = r.urgency === 'urgent' ? waitHours.urgent : waitHours.normal;
    if (businessHoursBetween(r.createdAt, now, cal) < limit) continue;
    for (const staffId of kikanStaff) {
      out.push({
        key: secondaryKey(r.id),
        kind: 'secondary_waiting',
        recipientId: staffId,
        subjectType: 'secondary_consultation',
        subjectId: r.id,
        dueOn: today,
      });
    }
  }
  return out;
}

export interface OpenReminder {
  id: string;
  kind: string;
  key: string;
  dueOn: IsoDate;
  escalatedAt: Date | null;
}

/**
 * Should this open reminder go to the office manager today? Monitoring: once its month has
 * passed unrecorded. Certificate: once the last renewal reminder day has come and the renewal
 * step is still not recorded (after the end date it is too late to help the person).
 */
export function needsEscalation(
  r: OpenReminder,
  today: IsoDate,
  renewalLeadDays: readonly number[],
  cal?: BusinessCalendarOptions,
): boolean {
  if (r.escalatedAt) return false;
  if (r.kind === 'monitoring') return compareDates(today, r.dueOn) > 0;
  if (r.kind === 'certificate') {
    const dates = renewalReminderDates(r.dueOn, renewalLeadDays, cal);
    const last = dates[dates.length - 1];
    return last !== undefined && compareDates(today, last) >= 0;
  }
  return false;
}
