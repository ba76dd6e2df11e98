/**
 * 受給者証 (certificate) renewal: the municipality needs the renewal application weeks before
 * the 支給決定 period ends, so reminders go out at fixed lead times, on business days.
 */
import { businessDayOnOrBefore, type BusinessCalendarOptions } from '../calendar/business-days';
import { addDays, compareDates, type IsoDate } from '../calendar/jst';

/** 60 and 30 days: time to reassess and draft the plan, then a last call before the deadline. */
export const DEFAULT_RENEWAL_LEAD_DAYS: readonly number[] = [60, 30];

export type CertificateStatus = 'valid' | 'renewal_due' | 'expired';

/**
 * The days to remind about a certificate ending on certificateEnd: end − lead for each lead,
 * moved back to the business day on or before (never later: a late reminder is a missed one).
 * Oldest first, without duplicates.
 */
export function renewalReminderDates(
  certificateEnd: IsoDate,
  leadDays: readonly number[] = DEFAULT_RENEWAL_LEAD_DAYS,
  opts?: BusinessCalendarOptions,
): IsoDate[] {
  for (const lead of leadDays) {
    if (!Number.isInteger(lead) || lead < 0) throw new RangeError(`lead days must be non-negative integers: ${lead}`);
  }
  const dates = leadDays.map((lead) => businessDayOnOrBefore(addDays(certificateEnd, -lead), opts));
  return [...new Set(dates)].sort(compareDates);
}

/**
 * 'expired' after the end date, 'renewal_due' from the first reminder day on, else 'valid'.
 * The first reminder day (not end − max lead) is the threshold, so the status never says
 * "valid" on a day a renewal reminder goes out.
 */
export function certificateStatus(
  end: IsoDate,
  today: IsoDate,
  leadDays: readonly number[] = DEFAULT_RENEWAL_LEAD_DAYS,
  opts?: BusinessCalendarOptions,
): CertificateStatus {
  if (compareDates(today, end) > 0) return 'expired';
  const first = renewalReminderDates(end, leadDays, opts)[0];
  return first !== undefined && compareDates(today, first) >= 0 ? 'renewal_due' : 'valid';
}
