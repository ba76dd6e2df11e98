/**
 * Monitoring months (モニタリング実施月) of a サービス等利用計画, from the 支給決定 period and the
 * frequency the municipality set. The counting rule follows MHLW's worked examples (相談支援
 * Q&A): the month counting starts in is month 1, and with "every f months" the monitoring
 * months are months f, 2f, 3f, … So 5/1–4/30 every 3 months is 7, 10, 1, 4.
 */
import { UserError } from '../errors';
import { addMonths, compareDates, dateParts, monthOf, monthParts, monthsBetween, type IsoDate, type IsoMonth } from '../calendar/jst';

export type MonitoringFrequency = 1 | 2 | 3 | 6 | 12;
export const MONITORING_FREQUENCIES: readonly MonitoringFrequency[] = [1, 2, 3, 6, 12];

export const FREQUENCY_LABELS: Readonly<Record<MonitoringFrequency, string>> = {
  1: '毎月',
  2: '2か月ごと',
  3: '3か月ごと',
  6: '6か月ごと',
  12: '12か月ごと',
};

/** For a decision taking effect mid-month: does counting start that month or the next? */
export type CountFrom = 'same_month' | 'next_month';

/** How often: a frequency, or explicit standard months (1–12), which win when both are set. */
export interface MonitoringRule {
  frequencyMonths?: MonitoringFrequency;
  standardMonths?: readonly number[];
}

export interface MonitoringPlan extends MonitoringRule {
  /** 支給決定 period start (or plan start). */
  periodStart: IsoDate;
  /** 支給決定 period end. */
  periodEnd: IsoDate;
  /**
   * Only read when periodStart is not the 1st: both are allowed, the municipality decides.
   * A period starting on the 1st always counts from its own month, whatever the setting.
   */
  countFrom?: CountFrom;
}

/** A rule in force from a month on, until the next segment's month. */
export interface MonitoringSegment extends MonitoringRule {
  from: IsoMonth;
}

/**
 * A plan whose rule changed during the period. Segments are ordered by `from`; the first one
 * applies from the start of counting whatever its `from` says. Counting always runs from the
 * period start, also after a change (the MHLW example: 毎月 5–7, then 6か月ごと → 10, 4).
 */
export interface MonitoringSchedule {
  periodStart: IsoDate;
  periodEnd: IsoDate;
  countFrom?: CountFrom;
  segments: readonly MonitoringSegment[];
}

export interface FrequencyChange extends MonitoringRule {
  /** The month the municipality decided the change. */
  decidedIn: IsoMonth;
  /** First month under the new rule; default the month after decidedIn. */
  effectiveFrom?: IsoMonth;
}

function invalid(code: string, userMessage: string, log: string): UserError {
  return new UserError(code, userMessage, log);
}

const ruleMissing = () =>
  invalid('monitoring_rule_missing', 'モニタリングの頻度（毎月・3か月ごとなど）か実施標準月を設定してください。', 'neither frequency nor standard months');

function checkRule(rule: MonitoringRule): void {
  const { frequencyMonths: f, standardMonths: sm } = rule;
  if (sm && sm.length > 0) {
    if (!sm.every((m) => Number.isInteger(m) && m >= 1 && m <= 12)) {
      throw invalid('monitoring_rule_invalid', 'モニタリング実施標準月は1〜12の月で指定してください。', 'standard month outside 1-12');
    }
    return;
  }
  if (f === undefined) throw ruleMissing();
  if (!MONITORING_FREQUENCIES.includes(f)) {
    throw invalid('monitoring_rule_invalid', 'モニタリングの頻度は毎月・2か月ごと・3か月ごと・6か月ごと・12か月ごとから選んでください。', `unsupported frequency ${f}`);
  }
}

/** The month counted as month 1. */
export function countingStartMonth(plan: Pick<MonitoringPlan, 'periodStart' | 'countFrom'>): IsoMonth {
  const start = monthOf(plan.periodStart);
  if (dateParts(plan.periodStart).day === 1) return start;
  if (plan.countFrom === undefined) {
    throw invalid(
      'monitoring_count_from_required',
      '支給決定期間が月の途中から始まっています。モニタリング月をその月から数えるか翌月から数えるかを設定してください。',
      'mid-month period start without countFrom setting',
    );
  }
  return plan.countFrom === 'same_month' ? start : addMonths(start, 1);
}

export function toSchedule(plan: MonitoringPlan): MonitoringSchedule {
  const { periodStart, periodEnd, countFrom, frequencyMonths, standardMonths } = plan;
  return {
    periodStart,
    periodEnd,
    ...(countFrom ? { countFrom } : {}),
    segments: [{ from: countingStartMonth(plan), frequencyMonths, standardMonths }],
  };
}

const isSchedule = (p: MonitoringPlan | MonitoringSchedule): p is MonitoringSchedule => 'segments' in p;

function isMonitoringMonth(rule: MonitoringRule, month: IsoMonth, indexFromStart: number): boolean {
  if (rule.standardMonths && rule.standardMonths.length > 0) {
    return rule.standardMonths.includes(monthParts(month).month);
  }
  return (indexFromStart + 1) % (rule.frequencyMonths ?? 1) === 0;
}

/** The monitoring months within the period, oldest first. */
export function monitoringMonths(plan: MonitoringPlan | MonitoringSchedule): IsoMonth[] {
  const schedule = isSchedule(plan) ? plan : toSchedule(plan);
  const segments = [...schedule.segments].sort((a, b) => compareDates(a.from, b.from));
  if (segments.length === 0) throw ruleMissing();
  segments.forEach(checkRule);
  const start = countingStartMonth(schedule);
  const last = monthOf(schedule.periodEnd);
  const out: IsoMonth[] = [];
  let seg = 0;
  for (let i = 0, m = start; compareDates(m, last) <= 0; i++, m = addMonths(m, 1)) {
    while (seg + 1 < segments.length && compareDates((segments[seg + 1] as MonitoringSegment).from, m) <= 0) seg++;
    if (isMonitoringMonth(segments[seg] as MonitoringSegment, m, i)) out.push(m);
  }
  return out;
}

/**
 * Applies a frequency change: months before it keep the old rule, months from it on follow
 * the new one, still counted from the period start.
 */
export function changeFrequency(history: MonitoringPlan | MonitoringSchedule, change: FrequencyChange): MonitoringSchedule {
  checkRule(change);
  const schedule = isSchedule(history) ? history : toSchedule(history);
  const effective = change.effectiveFrom ?? addMonths(change.decidedIn, 1);
  const kept = schedule.segments.filter((s) => compareDates(s.from, effective) < 0);
  const { frequencyMonths, standardMonths } = change;
  return { ...schedule, segments: [...kept, { from: effective, frequencyMonths, standardMonths }] };
}

/** 'モニタリング: 3か月ごと' style label of a rule ('7・10・1・4月' for standard months). */
export function ruleLabel(rule: MonitoringRule): string {
  if (rule.standardMonths && rule.standardMonths.length > 0) return `${rule.standardMonths.join('・')}月`;
  return rule.frequencyMonths ? FREQUENCY_LABELS[rule.frequencyMonths] : '未設定';
}

export type MonitoringMonthStatus = 'done' | 'due' | 'overdue' | 'upcoming';

export interface MonitoringStatus {
  months: { month: IsoMonth; status: MonitoringMonthStatus }[];
  /** First monitoring month from this month on that is not done; null when none is left. */
  nextMonitoringMonth: IsoMonth | null;
  /** Months with a recorded monitoring that is not a monitoring month: counted for none, warn. */
  offMonth: IsoMonth[];
}

/** Status of each monitoring month as of today (JST), given the months monitorings were recorded in. */
export function monitoringStatus(months: readonly IsoMonth[], doneMonths: readonly IsoMonth[], today: IsoDate): MonitoringStatus {
  const current = monthOf(today);
  const done = new Set(doneMonths);
  const planned = new Set(months);
  const rows = [...planned].sort(compareDates).map((month) => {
    const c = compareDates(month, current);
    const status: MonitoringMonthStatus = done.has(month) ? 'done' : c < 0 ? 'overdue' : c === 0 ? 'due' : 'upcoming';
    return { month, status };
  });
  const next = rows.find((r) => r.status === 'due' || r.status === 'upcoming');
  const offMonth = [...done].filter((m) => !planned.has(m)).sort(compareDates);
  return { months: rows, nextMonitoringMonth: next ? next.month : null, offMonth };
}
