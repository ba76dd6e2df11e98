import { dateParts, jstDateOf, monthParts, WEEKDAYS_JA, weekdayOf } from './jst';

/** '11/22(日)': short enough for a phone line. */
export function shortDate(date: string): string {
  const { month, day } = dateParts(date);
  return `${month}/${day}(${WEEKDAYS_JA[weekdayOf(date)]})`;
}

/** '11/22(日) 14:00' in Japan time. */
export function shortDateTime(instant: Date): string {
  const date = jstDateOf(instant);
  const hm = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', hour12: false }).format(
    instant,
  );
  return `${shortDate(date)} ${hm}`;
}

/** '2026年11月' */
export function monthLabel(month: string): string {
  const { year, month: m } = monthParts(month);
  return `${year}年${m}月`;
}
