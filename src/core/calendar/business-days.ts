/**
 * Business days of a Japanese municipal office: not Saturday or Sunday, not a national holiday
 * (祝日, from @holiday-jp/holiday_jp), not in the year-end closure (年末年始).
 */
import holidayJp from '@holiday-jp/holiday_jp';
import { addDays, compareDates, daysInMonth, isWeekend, jstDateOf, jstInstant, type IsoDate, type IsoMonth } from './jst';

/** 'MM-DD'. */
type MonthDay = string;

export interface BusinessCalendarOptions {
  /**
   * Closed days around the new year, inclusive, wrapping over 1/1 when from > to.
   * Default 12-29 … 01-03: the closure of 行政機関の休日に関する法律 that municipal offices
   * follow by ordinance. null = no closure (a private office open on 12/29).
   */
  yearEndClosure?: { from: MonthDay; to: MonthDay } | null;
  /** Business hours in JST, [hh, mm]. Default 8:30–17:15, the usual municipal hours. */
  hours?: { start: readonly [number, number]; end: readonly [number, number] };
}

const DEFAULT_YEAR_END_CLOSURE = { from: '12-29', to: '01-03' } as const;
const DEFAULT_BUSINESS_HOURS = { start: [8, 30], end: [17, 15] } as const;
const YEAR_END_CLOSURE_NAME = '年末年始';

/** Keyed by 'YYYY-MM-DD'; a direct lookup, since the library's isHoliday scans every key. */
const HOLIDAYS: Record<string, { name: string } | undefined> = holidayJp.holidays;

function inYearEndClosure(date: IsoDate, opts: BusinessCalendarOptions | undefined): boolean {
  const closure = opts?.yearEndClosure === undefined ? DEFAULT_YEAR_END_CLOSURE : opts.yearEndClosure;
  if (closure === null) return false;
  const md = date.slice(5);
  return closure.from <= closure.to ? md >= closure.from && md <= closure.to : md >= closure.from || md <= closure.to;
}

/** A national holiday (incl. 振替休日 and 国民の休日) or a year-end closure day; weekends are not holidays. */
export function isHoliday(date: IsoDate, opts?: BusinessCalendarOptions): boolean {
  return HOLIDAYS[date] !== undefined || inYearEndClosure(date, opts);
}

/** The 祝日 name ('元日', 'こどもの日 振替休日'), '年末年始' for a closure day, or null. */
export function holidayName(date: IsoDate, opts?: BusinessCalendarOptions): string | null {
  const h = HOLIDAYS[date];
  if (h) return h.name;
  return inYearEndClosure(date, opts) ? YEAR_END_CLOSURE_NAME : null;
}

export function isBusinessDay(date: IsoDate, opts?: BusinessCalendarOptions): boolean {
  return !isWeekend(date) && !isHoliday(date, opts);
}

// Never more than ~10 consecutive closed days in Japan (GW + weekend, 年末年始 + weekend);
// the bound only turns a misconfigured closure into an error instead of a hang.
const MAX_SCAN_DAYS = 400;

function scan(date: IsoDate, step: 1 | -1, opts: BusinessCalendarOptions | undefined): IsoDate {
  let d = date;
  for (let i = 0; i < MAX_SCAN_DAYS; i++) {
    if (isBusinessDay(d, opts)) return d;
    d = addDays(d, step);
  }
  throw new RangeError(`no business day within ${MAX_SCAN_DAYS} days of ${date}`);
}

export function businessDayOnOrAfter(date: IsoDate, opts?: BusinessCalendarOptions): IsoDate {
  return scan(date, 1, opts);
}

export function businessDayOnOrBefore(date: IsoDate, opts?: BusinessCalendarOptions): IsoDate {
  return scan(date, -1, opts);
}

/** The first business day strictly after date. */
export function nextBusinessDay(date: IsoDate, opts?: BusinessCalendarOptions): IsoDate {
  return scan(addDays(date, 1), 1, opts);
}

/** The last business day strictly before date. */
function previousBusinessDay(date: IsoDate, opts?: BusinessCalendarOptions): IsoDate {
  return scan(addDays(date, -1), -1, opts);
}

/**
 * n business days after date (before it when n < 0); counting starts from the next business
 * day, so Saturday + 1 is Monday. n = 0 returns date unchanged.
 */
export function addBusinessDays(date: IsoDate, n: number, opts?: BusinessCalendarOptions): IsoDate {
  if (!Number.isInteger(n)) throw new RangeError(`n must be an integer: ${n}`);
  let d = date;
  for (let i = 0; i < Math.abs(n); i++) {
    d = n > 0 ? nextBusinessDay(d, opts) : previousBusinessDay(d, opts);
  }
  return d;
}

/** The last n business days of a month, oldest first (fewer if the month has fewer). */
export function lastBusinessDaysOfMonth(month: IsoMonth, n: number, opts?: BusinessCalendarOptions): IsoDate[] {
  const out: IsoDate[] = [];
  for (let day = daysInMonth(month); day >= 1 && out.length < n; day--) {
    const d = `${month}-${String(day).padStart(2, '0')}`;
    if (isBusinessDay(d, opts)) out.unshift(d);
  }
  return out;
}

/** Business days of a month, oldest first. */
export function businessDaysOfMonth(month: IsoMonth, opts?: BusinessCalendarOptions): IsoDate[] {
  return lastBusinessDaysOfMonth(month, Number.POSITIVE_INFINITY, opts);
}

/**
 * Business hours elapsed between two instants (fractional hours), counting only the office
 * hours of business days in JST. Used to escalate urgent (至急) requests by office time, so a
 * request sent on Friday evening is not "overdue" on Monday morning. 0 when to <= from.
 */
export function businessHoursBetween(from: Date, to: Date, opts?: BusinessCalendarOptions): number {
  const start = from.getTime();
  const end = to.getTime();
  if (!(end > start)) return 0;
  const hours = opts?.hours ?? DEFAULT_BUSINESS_HOURS;
  const lastDay = jstDateOf(to);
  let ms = 0;
  for (let d = jstDateOf(from); compareDates(d, lastDay) <= 0; d = addDays(d, 1)) {
    if (!isBusinessDay(d, opts)) continue;
    const open = jstInstant(d, hours.start[0], hours.start[1]).getTime();
    const close = jstInstant(d, hours.end[0], hours.end[1]).getTime();
    ms += Math.max(0, Math.min(close, end) - Math.max(open, start));
  }
  return ms / 3_600_000;
}
