/**
 * 和暦 (Japanese era) formatting. Dates before 大正 fall back to 西暦: nobody the bot serves
 * needs 明治, and a wrong era is worse than a plain year.
 */
import { compareDates, dateParts, lastDayOfMonth, monthParts, weekdayOf, WEEKDAYS_JA, type IsoDate, type IsoMonth } from './jst';

type EraName = '令和' | '平成' | '昭和' | '大正';

export interface Era {
  name: EraName;
  /** Latin initial used in forms: R8.11.22. */
  initial: 'R' | 'H' | 'S' | 'T';
  /** First day of the era. */
  start: IsoDate;
  /** Last day of the era, or null for the current one. */
  end: IsoDate | null;
}

/** Newest first. */
export const ERAS: readonly Era[] = [
  { name: '令和', initial: 'R', start: '2019-05-01', end: null },
  { name: '平成', initial: 'H', start: '1989-01-08', end: '2019-04-30' },
  { name: '昭和', initial: 'S', start: '1926-12-25', end: '1989-01-07' },
  { name: '大正', initial: 'T', start: '1912-07-30', end: '1926-12-24' },
];

export interface WarekiYear {
  era: Era;
  /** 1 for 元年. */
  eraYear: number;
}

/** The era and era year of a date, or null before 大正. */
export function toWareki(date: IsoDate): WarekiYear | null {
  const era = ERAS.find((e) => compareDates(date, e.start) >= 0);
  if (!era) return null;
  return { era, eraYear: dateParts(date).year - Number(era.start.slice(0, 4)) + 1 };
}

/** The Gregorian year of an era year (no range check; see isDateInEra). */
export function gregorianYear(era: Era, eraYear: number): number {
  return Number(era.start.slice(0, 4)) + eraYear - 1;
}

export function isDateInEra(date: IsoDate, era: Era): boolean {
  return compareDates(date, era.start) >= 0 && (era.end === null || compareDates(date, era.end) <= 0);
}

/** True when any day of the month falls in the era (1989-01 is both 昭和64年 and 平成元年). */
export function isMonthInEra(month: IsoMonth, era: Era): boolean {
  return compareDates(lastDayOfMonth(month), era.start) >= 0 && (era.end === null || compareDates(`${month}-01`, era.end) <= 0);
}

function eraYearLabel(w: WarekiYear): string {
  return `${w.era.name}${w.eraYear === 1 ? '元' : w.eraYear}年`;
}

/** '令和8年11月22日', '令和元年5月1日'. */
export function formatWareki(date: IsoDate): string {
  const { year, month, day } = dateParts(date);
  const w = toWareki(date);
  return `${w ? eraYearLabel(w) : `${year}年`}${month}月${day}日`;
}

/**
 * '令和8年11月'. A month in which the era changed is named by the era of its first day
 * (1989-01 → 昭和64年1月), as month-level documents dated that month were.
 */
export function formatWarekiMonth(month: IsoMonth): string {
  const { year, month: m } = monthParts(month);
  const w = toWareki(`${month}-01`);
  return `${w ? eraYearLabel(w) : `${year}年`}${m}月`;
}

/** '2026年11月22日(日)'. */
export function formatJpDate(date: IsoDate): string {
  const { year, month, day } = dateParts(date);
  return `${year}年${month}月${day}日(${WEEKDAYS_JA[weekdayOf(date)]})`;
}

/** '2026年11月'. */
export function formatJpMonth(month: IsoMonth): string {
  const { year, month: m } = monthParts(month);
  return `${year}年${m}月`;
}
