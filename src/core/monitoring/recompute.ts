/**
 * The one-off move from the product's earlier counting to the MHLW rule (months.ts): which months
 * of a stored plan moved, and what that means for the counselor. Pure; the job that applies it
 * is src/scheduler/monitoring-recompute.ts.
 *
 * Until 2026-12 the product counted monitoring months forward from the first month (months f,
 * 2f, … of the period), so a period that is not a whole multiple of the frequency lost its last
 * month (6/1–3/31 every 6 months gave 11 alone; the rule gives 9 and 3).
 */
import type { Notice, NoticeItem } from '../notices';
import { addMonths, compareDates, monthOf, monthParts, type IsoDate, type IsoMonth } from '../calendar/jst';
import { formatJpMonth } from '../calendar/wareki';
import { countingStartMonth, planMonitoring, type MonitoringRule, type MonitoringSchedule, type MonitoringSegment } from './months';

/**
 * The earlier counting, kept only to tell counselors which months moved: month 1 is the month
 * counting starts in and the monitoring months are months f, 2f, 3f, … (standard months as
 * listed, without the period's last month when they miss it). Segments as in months.ts.
 */
export function legacyMonitoringMonths(schedule: MonitoringSchedule): IsoMonth[] {
  const segments = [...schedule.segments].sort((a, b) => compareDates(a.from, b.from));
  if (segments.length === 0) return [];
  const start = countingStartMonth(schedule);
  const last = monthOf(schedule.periodEnd);
  const isMonth = (rule: MonitoringRule, month: IsoMonth, index: number): boolean =>
    rule.standardMonths && rule.standardMonths.length > 0
      ? rule.standardMonths.includes(monthParts(month).month)
      : (index + 1) % (rule.frequencyMonths ?? 1) === 0;
  const out: IsoMonth[] = [];
  let seg = 0;
  for (let i = 0, m = start; compareDates(m, last) <= 0; i++, m = addMonths(m, 1)) {
    while (seg + 1 < segments.length && compareDates((segments[seg + 1] as MonitoringSegment).from, m) <= 0) seg++;
    if (isMonth(segments[seg] as MonitoringSegment, m, i)) out.push(m);
  }
  return out;
}

/** A monitoring record of the person inside the plan's period. */
export interface MonitoringRecord {
  id: string;
  occurredOn: IsoDate;
  /** Stored as outside a monitoring month (under the earlier counting): counted for nothing. */
  offMonth: boolean;
}

export interface MonthMoves {
  /** Monitoring months before and after, within the period. */
  before: IsoMonth[];
  after: IsoMonth[];
  /** Months that became monitoring months. */
  added: IsoMonth[];
  /** Months that are no longer monitoring months (a recorded one stays done: see keptDone). */
  removed: IsoMonth[];
  /** Removed months with a monitoring recorded: they stay done. */
  keptDone: IsoMonth[];
  /**
   * Records stored as off-month that fall in a month that is now a monitoring month: they count
   * now (their off-month flag is cleared), so the month is done.
   */
  recount: { id: string; month: IsoMonth }[];
  /** Added months already over (before today's month) with no monitoring: overdue at once. */
  pastUnrecorded: IsoMonth[];
}

/**
 * What moved for one plan as of `today`, or null when nothing did. `records` are the person's
 * monitoring records (any month; those outside the period are ignored).
 */
export function monthMoves(schedule: MonitoringSchedule, records: readonly MonitoringRecord[], today: IsoDate): MonthMoves | null {
  const before = legacyMonitoringMonths(schedule);
  const inPeriod = records.filter(
    (r) => compareDates(r.occurredOn, schedule.periodStart) >= 0 && compareDates(r.occurredOn, schedule.periodEnd) <= 0,
  );
  const counted = new Set(inPeriod.filter((r) => !r.offMonth).map((r) => monthOf(r.occurredOn)));
  const after = planMonitoring(schedule, { doneMonths: [...counted] }).months;
  const had = new Set(before);
  const has = new Set(after);
  const added = after.filter((m) => !had.has(m));
  const removed = before.filter((m) => !has.has(m));
  if (added.length === 0 && removed.length === 0) return null;
  const recount = inPeriod
    .filter((r) => r.offMonth && has.has(monthOf(r.occurredOn)))
    .map((r) => ({ id: r.id, month: monthOf(r.occurredOn) }));
  const done = new Set([...counted, ...recount.map((r) => r.month)]);
  const current = monthOf(today);
  return {
    before,
    after,
    added,
    removed,
    keptDone: removed.filter((m) => done.has(m)),
    recount,
    pastUnrecorded: added.filter((m) => compareDates(m, current) < 0 && !done.has(m)),
  };
}

/** One person's plan whose months moved, as the counselor is told. */
export interface MovedPlan {
  personId: string;
  /** 'C-0012 山田 太郎' */
  title: string;
  moves: MonthMoves;
}

/** Cards per message (as the digest: Slack allows 50 blocks, LINE WORKS a few cards). */
const MAX_MOVE_CARDS = 12;
const monthsText = (months: readonly IsoMonth[]) => months.map(formatJpMonth).join('、');

function moveNotes(m: MonthMoves): string[] {
  const notes: string[] = [];
  if (m.pastUnrecorded.length > 0) {
    notes.push(
      `⚠ ${monthsText(m.pastUnrecorded)}は過ぎた月で、モニタリングの記録がありません。期限超過として表示しますが、事業所管理者への通知はしません。その月に実施していれば実施日で記録してください。`,
    );
  }
  const recounted = [...new Set(m.recount.map((r) => r.month))];
  if (recounted.length > 0)
    notes.push(`${monthsText(recounted)}の記録（モニタリング月外として記録されたもの）をその月のモニタリングとして数えます。`);
  if (m.keptDone.length > 0) notes.push(`${monthsText(m.keptDone)}は記録済みのため、実施済みのままです。`);
  return notes;
}

/**
 * The message to one counselor: which of their persons' monitoring months moved with the rule
 * (one message, every person in it: the first ones as cards, the rest as lines).
 */
export function monthMovesNotice(plans: readonly MovedPlan[]): Notice {
  const sorted = [...plans].sort((a, b) => a.title.localeCompare(b.title, 'ja'));
  const heading =
    `モニタリング月の数え方を厚生労働省の取扱い（支給決定期間の終期月を必ずモニタリング月とし、そこから遡って設定する。相談支援関係Q&A 平成24年3月6日）に合わせました。` +
    `担当の方のうち${sorted.length}名のモニタリング月が変わりました。受給者証の記載と違うときは、計画の登録内容（期間・頻度・起算）を確認してください。`;
  const items: NoticeItem[] = [];
  const notes: string[] = [];
  for (const p of sorted.slice(0, MAX_MOVE_CARDS)) {
    const fields = [
      ...(p.moves.added.length > 0 ? [{ label: '加わった月', value: monthsText(p.moves.added) }] : []),
      ...(p.moves.removed.length > 0 ? [{ label: 'なくなった月', value: monthsText(p.moves.removed) }] : []),
      { label: 'モニタリング月', value: monthsText(p.moves.after) },
      ...moveNotes(p.moves).map((n) => ({ label: '注意', value: n })),
    ];
    items.push({ title: p.title, facts: fields, actions: [{ intent: 'case.open', ref: p.personId }] });
  }
  const rest = sorted.slice(MAX_MOVE_CARDS);
  if (rest.length > 0) {
    const line = (p: MovedPlan) =>
      `${p.title}: ${[
        p.moves.added.length > 0 ? `加わった月 ${monthsText(p.moves.added)}` : '',
        p.moves.removed.length > 0 ? `なくなった月 ${monthsText(p.moves.removed)}` : '',
        p.moves.pastUnrecorded.length > 0 ? `⚠ 過ぎた月で未記録 ${monthsText(p.moves.pastUnrecorded)}` : '',
      ]
        .filter(Boolean)
        .join('／')}`;
    notes.push(`ほか${rest.length}名:\n${rest.map(line).join('\n')}`);
  }
  const pastUnrecorded = sorted.filter((p) => p.moves.pastUnrecorded.length > 0).length;
  const summary = `モニタリング月が変わった方が${sorted.length}名います${pastUnrecorded > 0 ? `（うち${pastUnrecorded}名は過ぎた月が未記録になりました）` : ''}。`;
  return { summary, lead: heading, items, notes };
}
