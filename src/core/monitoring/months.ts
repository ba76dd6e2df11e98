/**
 * Monitoring months (モニタリング実施月) of a サービス等利用計画 or 障害児支援利用計画, from the 支給決定
 * period and the rule the municipality set. 計画相談支援 and 障害児相談支援 follow the same rule.
 *
 * The rule (MHLW 相談支援関係Q&A, 2012-03-06): 「支給期間の終期月には必ずモニタリングを行う必要が
 * あるため、モニタリングの最終月を支給決定期間の終期月に設定し、そこから遡ってモニタリング月を設定
 * されたい。」 So:
 * - the period's last month is always a monitoring month;
 * - with "every f months" the others are counted back from it: last, last − f, last − 2f, …
 *   down to the month counting starts in (5/1–4/30 every 3 months: 4, 1, 10, 7; 6/1–3/31 every
 *   6 months: 3, 9, where counting forward gave 11 alone);
 * - a change of frequency (a segment) recomputes the rest: the months from the change on are
 *   counted back from the period's last month at the new frequency, the months before it stay as
 *   the earlier rule gave them (毎月 5–7, then 6か月ごと: 5, 6, 7, 10, 4). "毎月 for the first n
 *   months" is a 毎月 segment followed by the change, so it runs from the start;
 * - explicit standard months (モニタリング実施標準月) are used as given, and the period's last month
 *   is added when they miss it, with a warning for the counselor;
 * - a decision taking effect mid-month counts from that month or the next, as the municipality
 *   decides (Q&A 2012 and 2017: どちらでも良い): `countFrom`, per tenant with a per-decision override.
 */
import { UserError, type UserErrorCode } from '../errors';
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
export const COUNT_FROM_VALUES: readonly CountFrom[] = ['same_month', 'next_month'];
/** The product's default when neither the tenant nor the decision says (what it always did). */
export const DEFAULT_COUNT_FROM: CountFrom = 'same_month';

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
 * applies from the start of counting whatever its `from` says. Every segment counts back from the
 * period's last month, so a later change leaves the months before it as they were.
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

/** What the counselor must be told about a plan's months. */
export type MonitoringWarning =
  /** The standard months did not include the period's last month: it was added. */
  | { kind: 'last_month_added'; month: IsoMonth }
  /**
   * A change in force from `from` (already past) made `month` a monitoring month after it was
   * over, and no monitoring is recorded in it: it shows as overdue from the day it was entered.
   */
  | { kind: 'past_month_created'; month: IsoMonth; from: IsoMonth };

export interface MonitoringCalendar {
  /** The monitoring months, oldest first, all inside the period, the period's last month included. */
  months: IsoMonth[];
  warnings: MonitoringWarning[];
}

function invalid(code: UserErrorCode, userMessage: string, log: string): UserError {
  return new UserError(code, userMessage, log);
}

const ruleMissing = () =>
  invalid(
    'monitoring_rule_missing',
    'モニタリングの頻度（毎月・3か月ごとなど）か実施標準月を設定してください。',
    'neither frequency nor standard months',
  );

const hasStandardMonths = (rule: MonitoringRule): boolean => rule.standardMonths !== undefined && rule.standardMonths.length > 0;

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
    throw invalid(
      'monitoring_rule_invalid',
      'モニタリングの頻度は毎月・2か月ごと・3か月ごと・6か月ごと・12か月ごとから選んでください。',
      `unsupported frequency ${f}`,
    );
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

function toSchedule(plan: MonitoringPlan): MonitoringSchedule {
  const { periodStart, periodEnd, countFrom, frequencyMonths, standardMonths } = plan;
  return {
    periodStart,
    periodEnd,
    ...(countFrom ? { countFrom } : {}),
    segments: [{ from: countingStartMonth(plan), frequencyMonths, standardMonths }],
  };
}

const isSchedule = (p: MonitoringPlan | MonitoringSchedule): p is MonitoringSchedule => 'segments' in p;

/** The segments in order, each with the months it governs (a segment governing none is left out). */
interface Span {
  /** Index in the sorted segments. */
  index: number;
  rule: MonitoringSegment;
  first: IsoMonth;
  last: IsoMonth;
}

interface Prepared {
  sorted: MonitoringSegment[];
  start: IsoMonth;
  last: IsoMonth;
}

function prepare(schedule: MonitoringSchedule): Prepared {
  const sorted = [...schedule.segments].sort((a, b) => compareDates(a.from, b.from));
  if (sorted.length === 0) throw ruleMissing();
  sorted.forEach(checkRule);
  const last = monthOf(schedule.periodEnd);
  if (compareDates(schedule.periodEnd, schedule.periodStart) < 0) {
    throw invalid('monitoring_period_reversed', '支給決定期間の開始日が終了日より後になっています。', 'period reversed');
  }
  // Counting from the next month of a period that ends in its first month: that month is still
  // the period's last month, which is always monitored.
  const counted = countingStartMonth(schedule);
  return { sorted, start: compareDates(counted, last) > 0 ? last : counted, last };
}

/** The segment governing each run of months in [start, last]: the last one whose `from` is not later. */
function spansOf(sorted: readonly MonitoringSegment[], start: IsoMonth, last: IsoMonth): Span[] {
  const spans: Span[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const rule = sorted[i] as MonitoringSegment;
    const next = sorted[i + 1];
    // A segment is replaced by the next one from the next one's month on; the first one governs
    // from the start whatever its own month says (a later one taking effect at or before the
    // start replaces it entirely).
    const first = i === 0 || compareDates(rule.from, start) < 0 ? start : rule.from;
    const end = next ? addMonths(next.from, -1) : last;
    const spanLast = compareDates(end, last) > 0 ? last : end;
    // Nothing left to govern: the next segment starts at or before this one's first month, or
    // this one starts after the period.
    if (compareDates(first, spanLast) > 0) continue;
    spans.push({ index: i, rule, first, last: spanLast });
  }
  return spans;
}

/** The months of one span: counted back from the period's last month, or the standard months. */
function spanMonths(span: Span, periodLast: IsoMonth): IsoMonth[] {
  const out: IsoMonth[] = [];
  if (hasStandardMonths(span.rule)) {
    const listed = span.rule.standardMonths as readonly number[];
    for (let m = span.first; compareDates(m, span.last) <= 0; m = addMonths(m, 1)) if (listed.includes(monthParts(m).month)) out.push(m);
    return out;
  }
  const f = span.rule.frequencyMonths ?? 1;
  // The first month of the span on the period's last month's beat.
  const behind = monthsBetween(span.first, periodLast) % f;
  for (let m = addMonths(span.first, behind); compareDates(m, span.last) <= 0; m = addMonths(m, f)) out.push(m);
  return out;
}

/** The months of a rule alone, with the warnings that need no "today": memoizable per shape. */
function calendarOf(p: Prepared): MonitoringCalendar & { spans: Span[] } {
  const spans = spansOf(p.sorted, p.start, p.last);
  const months = spans.flatMap((s) => spanMonths(s, p.last));
  const warnings: MonitoringWarning[] = [];
  if (months.at(-1) !== p.last) {
    // Only standard months can miss it: a frequency span always holds the period's last month.
    months.push(p.last);
    warnings.push({ kind: 'last_month_added', month: p.last });
  }
  return { months, warnings, spans };
}

/**
 * The monitoring months of a plan (or of a schedule with changes), with what the counselor must
 * be told. `today` and `doneMonths` (months a monitoring was recorded in and counted) add:
 * - months already done stay monitoring months after a later change: a done month that an earlier
 *   rule of the schedule made a monitoring month is kept even when a change in force since drops it;
 * - a change that took effect in a past month and made a past month a monitoring month that has
 *   no monitoring is flagged (`past_month_created`): it is overdue the day it appears.
 */
export function planMonitoring(
  plan: MonitoringPlan | MonitoringSchedule,
  opts: { today?: IsoDate; doneMonths?: readonly IsoMonth[] } = {},
): MonitoringCalendar {
  const schedule = isSchedule(plan) ? plan : toSchedule(plan);
  const p = prepare(schedule);
  const { months, warnings, spans } = calendarOf(p);
  // Without a change in force (none, or only changes after the period), nothing more to say.
  if (spans.every((s) => s.index === 0)) return { months, warnings };
  const done = new Set(opts.doneMonths ?? []);
  // What the rules in force before each change gave (prefix k: the segments before the k-th).
  const prefixMonths = new Map<number, Set<IsoMonth>>();
  const monthsBefore = (k: number): Set<IsoMonth> => {
    let s = prefixMonths.get(k);
    if (!s) {
      s = new Set(calendarOf({ ...p, sorted: p.sorted.slice(0, k) }).months);
      prefixMonths.set(k, s);
    }
    return s;
  };
  const result = new Set(months);
  for (const m of done) {
    if (result.has(m) || compareDates(m, p.start) < 0 || compareDates(m, p.last) > 0) continue;
    const span = spans.find((s) => compareDates(s.first, m) <= 0 && compareDates(m, s.last) <= 0);
    if (!span || span.index === 0) continue;
    for (let k = span.index; k >= 1; k--) {
      if (monthsBefore(k).has(m)) {
        result.add(m);
        break;
      }
    }
  }
  const out = [...result].sort(compareDates);
  if (opts.today) {
    const current = monthOf(opts.today);
    for (const span of spans) {
      if (span.index === 0 || compareDates(span.first, current) >= 0) continue;
      const before = monthsBefore(span.index);
      for (const m of out) {
        if (compareDates(m, span.first) < 0 || compareDates(m, span.last) > 0 || compareDates(m, current) >= 0) continue;
        if (!before.has(m) && !done.has(m)) warnings.push({ kind: 'past_month_created', month: m, from: span.rule.from });
      }
    }
  }
  return { months: out, warnings };
}

/** The monitoring months within the period, oldest first. */
export function monitoringMonths(plan: MonitoringPlan | MonitoringSchedule): IsoMonth[] {
  const schedule = isSchedule(plan) ? plan : toSchedule(plan);
  return calendarOf(prepare(schedule)).months;
}

/**
 * Applies a frequency change: months before it keep the old rule, months from it on follow the
 * new one, counted back from the period's last month.
 */
export function changeFrequency(history: MonitoringPlan | MonitoringSchedule, change: FrequencyChange): MonitoringSchedule {
  checkRule(change);
  const schedule = isSchedule(history) ? history : toSchedule(history);
  const effective = change.effectiveFrom ?? addMonths(change.decidedIn, 1);
  const kept = schedule.segments.filter((s) => compareDates(s.from, effective) < 0);
  const { frequencyMonths, standardMonths } = change;
  return { ...schedule, segments: [...kept, { from: effective, frequencyMonths, standardMonths }] };
}

export interface ChangePreview {
  schedule: MonitoringSchedule;
  before: IsoMonth[];
  after: IsoMonth[];
  /** Monitoring months the change adds, and those it removes (done months are never removed). */
  added: IsoMonth[];
  removed: IsoMonth[];
  /** Added months already over (before today's month) with no monitoring: overdue at once. */
  pastUnrecorded: IsoMonth[];
  warnings: MonitoringWarning[];
}

/**
 * What a change would do, for the counselor entering it: the months before and after, and the
 * months it would make overdue at once (a change taking effect in a past month). Done months stay.
 */
export function previewChange(
  history: MonitoringPlan | MonitoringSchedule,
  change: FrequencyChange,
  opts: { today: IsoDate; doneMonths?: readonly IsoMonth[] },
): ChangePreview {
  const before = planMonitoring(history, { doneMonths: opts.doneMonths }).months;
  const schedule = changeFrequency(history, change);
  const done = new Set(opts.doneMonths ?? []);
  const planned = planMonitoring(schedule, { today: opts.today, doneMonths: opts.doneMonths });
  // A done month of the earlier rule stays, also when the change replaced a later change.
  const after = [...new Set([...planned.months, ...before.filter((m) => done.has(m))])].sort(compareDates);
  const had = new Set(before);
  const has = new Set(after);
  const current = monthOf(opts.today);
  const added = after.filter((m) => !had.has(m));
  return {
    schedule,
    before,
    after,
    added,
    removed: before.filter((m) => !has.has(m)),
    pastUnrecorded: added.filter((m) => compareDates(m, current) < 0 && !done.has(m)),
    warnings: planned.warnings,
  };
}

/** 'モニタリング: 3か月ごと' style label of a rule ('7・10・1・4月' for standard months). */
export function ruleLabel(rule: MonitoringRule): string {
  if (rule.standardMonths && rule.standardMonths.length > 0) return `${rule.standardMonths.join('・')}月`;
  return rule.frequencyMonths ? FREQUENCY_LABELS[rule.frequencyMonths] : '未設定';
}

type MonitoringMonthStatus = 'done' | 'due' | 'overdue' | 'upcoming';

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
