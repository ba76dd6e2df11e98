/**
 * Reminder settings: per tenant (tenants.settings) and per staff member (staff.preferences).
 * Both are jsonb edited by admins and by `yotei 設定`; anything malformed falls back to the
 * default instead of silencing reminders.
 */
import { z } from 'zod';
import type { BusinessCalendarOptions } from '../calendar/business-days';
import { DEFAULT_RENEWAL_LEAD_DAYS } from '../monitoring/certificate';
import type { CountFrom } from '../monitoring/months';
import { tenantCountFrom } from '../monitoring/plan-row';

export interface ReminderSettings {
  /** Days before the certificate ends on which renewal reminders start (60 and 30 by default). */
  renewalLeadDays: readonly number[];
  /** Digest time when the staff member set none, 'HH:MM' JST. */
  digestTime: string;
  /** Monitoring still unrecorded on the last N business days of its month gets a last call. */
  lastCallDays: number;
  /** A 二次相談 still 'requested' after this many business hours reminds the 基幹 (至急: urgentWaitHours). */
  secondaryWaitHours: number;
  secondaryUrgentWaitHours: number;
  calendar: BusinessCalendarOptions;
  /** Where monitoring months start counting for a decision taking effect mid-month, unless the decision says. */
  monitoringCountFrom: CountFrom;
}

const DEFAULT_DIGEST_TIME = '08:30';
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

const tenantSchema = z.object({
  renewalLeadDays: z.array(z.number().int().min(0).max(365)).min(1).max(5).optional().catch(undefined),
  digestTime: z.string().regex(HHMM).optional().catch(undefined),
  lastCallDays: z.number().int().min(0).max(10).optional().catch(undefined),
  secondaryWaitHours: z.number().min(1).max(200).optional().catch(undefined),
  secondaryUrgentWaitHours: z.number().min(0.5).max(200).optional().catch(undefined),
  /** false: a private office open over 年末年始 (12/29–1/3 are then business days). */
  yearEndClosure: z.boolean().optional().catch(undefined),
});

export function reminderSettingsOf(settings: Record<string, unknown> | null | undefined): ReminderSettings {
  const s = tenantSchema.parse(settings ?? {});
  return {
    renewalLeadDays: s.renewalLeadDays ?? DEFAULT_RENEWAL_LEAD_DAYS,
    digestTime: s.digestTime ?? DEFAULT_DIGEST_TIME,
    lastCallDays: s.lastCallDays ?? 3,
    // One office day: a request sent in the morning and untouched by the next morning.
    secondaryWaitHours: s.secondaryWaitHours ?? 8,
    secondaryUrgentWaitHours: s.secondaryUrgentWaitHours ?? 2,
    calendar: s.yearEndClosure === false ? { yearEndClosure: null } : {},
    monitoringCountFrom: tenantCountFrom(settings),
  };
}

export interface StaffPrefs {
  /** 'HH:MM' JST, or undefined for the tenant's default. */
  digestTime?: string;
  /** 0 = Sunday … 6 = Saturday: days this staff member does not work (part-time). */
  quietWeekdays: number[];
  /** ISO dates with no digest (leave, training). */
  quietDates: string[];
}

const prefsSchema = z.object({
  digestTime: z.string().regex(HHMM).optional().catch(undefined),
  quietWeekdays: z.array(z.number().int().min(0).max(6)).optional().catch(undefined),
  quietDates: z
    .array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/))
    .optional()
    .catch(undefined),
});

export function staffPrefsOf(preferences: Record<string, unknown> | null | undefined): StaffPrefs {
  const p = prefsSchema.parse(preferences ?? {});
  return { digestTime: p.digestTime, quietWeekdays: p.quietWeekdays ?? [], quietDates: p.quietDates ?? [] };
}

export function parseHhmm(hhmm: string): [number, number] {
  const m = HHMM.exec(hhmm);
  if (!m) throw new RangeError(`not HH:MM: ${hhmm}`);
  return [Number(m[1]), Number(m[2])];
}

export function isHhmm(s: string): boolean {
  return HHMM.test(s);
}
