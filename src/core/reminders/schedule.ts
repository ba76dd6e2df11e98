/**
 * When reminder messages go out: digests on the staff member's business days at their hour,
 * last calls on the month's last business days, snoozes to the next business day or a week.
 * Pure functions of dates and settings.
 */
import {
  businessDayOnOrAfter,
  isBusinessDay,
  lastBusinessDaysOfMonth,
  nextBusinessDay,
  type BusinessCalendarOptions,
} from '../calendar/business-days';
import { addDays, jstInstant, monthOf, weekdayOf, type IsoDate } from '../calendar/jst';
import { parseHhmm, type ReminderSettings, type StaffPrefs } from './settings';

/** A day the staff member gets a digest: a business day that is not one of their quiet days. */
export function isDigestDay(date: IsoDate, prefs: StaffPrefs, cal?: BusinessCalendarOptions): boolean {
  if (!isBusinessDay(date, cal)) return false;
  if (prefs.quietWeekdays.includes(weekdayOf(date))) return false;
  return !prefs.quietDates.includes(date);
}

/** The instant of the staff member's digest on a date (their hour, else the tenant's). */
export function digestInstant(date: IsoDate, prefs: StaffPrefs, settings: Pick<ReminderSettings, 'digestTime'>): Date {
  const [h, m] = parseHhmm(prefs.digestTime ?? settings.digestTime);
  return jstInstant(date, h, m);
}

/** The first digest day on or after date (searching a year at most: quiet every day means none). */
export function nextDigestDay(date: IsoDate, prefs: StaffPrefs, cal?: BusinessCalendarOptions): IsoDate | null {
  let d = date;
  for (let i = 0; i < 370; i++, d = addDays(d, 1)) if (isDigestDay(d, prefs, cal)) return d;
  return null;
}

/** Is date one of the last `n` business days of its month (the monitoring last call)? */
export function isLastCallDay(date: IsoDate, n: number, cal?: BusinessCalendarOptions): boolean {
  if (n <= 0) return false;
  return lastBusinessDaysOfMonth(monthOf(date), n, cal).includes(date);
}

export type SnoozeChoice = '1d' | '1w';

/** 翌営業日: the next business day; 1週間: a week later, moved to a business day. */
export function snoozeUntil(today: IsoDate, choice: SnoozeChoice, cal?: BusinessCalendarOptions): IsoDate {
  return choice === '1d' ? nextBusinessDay(today, cal) : businessDayOnOrAfter(addDays(today, 7), cal);
}
