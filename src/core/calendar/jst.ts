/**
 * Japan-time calendar helpers. Calendar dates and months are plain ISO strings so they compare
 * with `<` and store as they are; no function here reads the machine's time zone (JST has had
 * no daylight saving since 1951, so a fixed +9 h offset is exact).
 */

/** A calendar date 'YYYY-MM-DD' (no time, no zone). */
export type IsoDate = string;
/** A calendar month 'YYYY-MM'. */
export type IsoMonth = string;
/** 0 = Sunday … 6 = Saturday, as Date#getDay. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

export const WEEKDAYS_JA = ['日', '月', '火', '水', '木', '金', '土'] as const;

const JST_OFFSET_MS = 9 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH_RE = /^(\d{4})-(\d{2})$/;

export interface DateParts {
  year: number;
  month: number;
  day: number;
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const pad4 = (n: number) => String(n).padStart(4, '0');

/** UTC midnight of a calendar date; setUTCFullYear avoids Date.UTC's 0–99 → 1900s quirk. */
function utcMidnight(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

function fromUtcMidnight(ms: number): IsoDate {
  const d = new Date(ms);
  return `${pad4(d.getUTCFullYear())}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

export function isValidDateParts(year: number, month: number, day: number): boolean {
  if (![year, month, day].every(Number.isInteger)) return false;
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(`${pad4(year)}-${pad2(month)}`);
}

/** Builds an IsoDate; throws RangeError for a date that does not exist. */
export function isoDate(year: number, month: number, day: number): IsoDate {
  if (!isValidDateParts(year, month, day)) {
    throw new RangeError(`not a calendar date: ${year}-${month}-${day}`);
  }
  return `${pad4(year)}-${pad2(month)}-${pad2(day)}`;
}

/** Builds an IsoMonth; throws RangeError for month outside 1–12. */
export function isoMonth(year: number, month: number): IsoMonth {
  if (!Number.isInteger(year) || !Number.isInteger(month) || year < 1 || year > 9999 || month < 1 || month > 12) {
    throw new RangeError(`not a calendar month: ${year}-${month}`);
  }
  return `${pad4(year)}-${pad2(month)}`;
}

export function isIsoDate(s: string): boolean {
  const m = ISO_DATE_RE.exec(s);
  return m !== null && isValidDateParts(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function isIsoMonth(s: string): boolean {
  const m = ISO_MONTH_RE.exec(s);
  return m !== null && Number(m[1]) >= 1 && Number(m[2]) >= 1 && Number(m[2]) <= 12;
}

export function dateParts(date: IsoDate): DateParts {
  const m = ISO_DATE_RE.exec(date);
  if (!m) throw new RangeError(`not an ISO date: ${date}`);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

export function monthParts(month: IsoMonth): { year: number; month: number } {
  const m = ISO_MONTH_RE.exec(month);
  if (!m) throw new RangeError(`not an ISO month: ${month}`);
  return { year: Number(m[1]), month: Number(m[2]) };
}

/** The JST calendar date of an instant. */
export function jstDateOf(instant: Date): IsoDate {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid Date');
  return fromUtcMidnight(Math.floor((ms + JST_OFFSET_MS) / DAY_MS) * DAY_MS);
}

/** Today in Japan, for the given "now" (inject the clock; never read it here). */
export function jstToday(now: Date): IsoDate {
  return jstDateOf(now);
}

export function jstMonthOf(instant: Date): IsoMonth {
  return monthOf(jstDateOf(instant));
}

/** The UTC instant of a JST wall-clock time on a date (hh may be 24 for the next midnight). */
export function jstInstant(date: IsoDate, hh: number, mm: number): Date {
  const { year, month, day } = dateParts(date);
  return new Date(utcMidnight(year, month, day) + (hh * 60 + mm) * 60_000 - JST_OFFSET_MS);
}

export function addDays(date: IsoDate, n: number): IsoDate {
  const { year, month, day } = dateParts(date);
  return fromUtcMidnight(utcMidnight(year, month, day) + n * DAY_MS);
}

/** Whole days from a to b (positive when b is later). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  const pa = dateParts(a);
  const pb = dateParts(b);
  return Math.round((utcMidnight(pb.year, pb.month, pb.day) - utcMidnight(pa.year, pa.month, pa.day)) / DAY_MS);
}

export function addMonths(month: IsoMonth, n: number): IsoMonth {
  const p = monthParts(month);
  const index = p.year * 12 + (p.month - 1) + n;
  return `${pad4(Math.floor(index / 12))}-${pad2((index % 12) + 1)}`;
}

/** Whole months from a to b ('2026-05' → '2027-04' is 11). */
export function monthsBetween(a: IsoMonth, b: IsoMonth): number {
  const pa = monthParts(a);
  const pb = monthParts(b);
  return (pb.year - pa.year) * 12 + (pb.month - pa.month);
}

export function monthOf(date: IsoDate): IsoMonth {
  return date.slice(0, 7);
}

export function firstDayOfMonth(month: IsoMonth): IsoDate {
  return `${month}-01`;
}

export function lastDayOfMonth(month: IsoMonth): IsoDate {
  return `${month}-${pad2(daysInMonth(month))}`;
}

export function daysInMonth(month: IsoMonth): number {
  const { year, month: m } = monthParts(month);
  if (m === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

/** -1, 0 or 1; works for IsoDate and IsoMonth alike (4-digit years sort as strings). */
export function compareDates(a: string, b: string): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Japanese fiscal year (年度): April to March, so 2027-03-31 is in fiscal 2026. */
export function fiscalYearOf(dateOrMonth: IsoDate | IsoMonth): number {
  const { year, month } = monthParts(dateOrMonth.slice(0, 7));
  return month >= 4 ? year : year - 1;
}

/** Weekday of a calendar date (a date has no zone, so this is the JST weekday). */
export function weekdayOf(date: IsoDate): Weekday {
  const { year, month, day } = dateParts(date);
  return new Date(utcMidnight(year, month, day)).getUTCDay() as Weekday;
}

/** Weekday of an instant as seen in Japan. */
export function jstWeekday(instant: Date): Weekday {
  return weekdayOf(jstDateOf(instant));
}

export function isWeekend(date: IsoDate): boolean {
  const w = weekdayOf(date);
  return w === 0 || w === 6;
}
