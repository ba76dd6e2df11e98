import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { tenants } from '../../../db/schema/index';
import { addBusinessDays, businessDayOnOrBefore } from '../calendar/business-days';
import { type IsoDate, jstToday } from '../calendar/jst';
import { cancelReminders, upsertReminder } from '../reminders/store';

/**
 * Per-tenant reminder settings (tenants.settings):
 * - meetingReminderDaysBefore: business days before the meeting for the "day before" reminder
 *   (default 1, so a Monday meeting is announced on the previous Friday; 0 turns it off);
 * - meetingReminderMorning: a reminder on the meeting day itself (default true).
 */
export interface MeetingReminderSettings {
  daysBefore: number;
  morning: boolean;
}

const DEFAULT_MEETING_REMINDERS: MeetingReminderSettings = { daysBefore: 1, morning: true };
const MAX_DAYS_BEFORE = 20;

export function meetingReminderSettings(settings: Record<string, unknown>): MeetingReminderSettings {
  const d = settings.meetingReminderDaysBefore;
  const m = settings.meetingReminderMorning;
  return {
    daysBefore: typeof d === 'number' && Number.isInteger(d) && d >= 0 && d <= MAX_DAYS_BEFORE ? d : DEFAULT_MEETING_REMINDERS.daysBefore,
    morning: typeof m === 'boolean' ? m : DEFAULT_MEETING_REMINDERS.morning,
  };
}

export type MeetingReminderSlot = 'day_before' | 'morning';

/**
 * When to remind about a meeting on `meetingDate`: N business days before (so weekends and 祝日
 * are skipped) and on the day itself. Reminders already in the past are not planned.
 */
export function planMeetingReminders(
  meetingDate: IsoDate,
  today: IsoDate,
  s: MeetingReminderSettings,
): { slot: MeetingReminderSlot; dueOn: IsoDate }[] {
  const out: { slot: MeetingReminderSlot; dueOn: IsoDate }[] = [];
  if (s.daysBefore > 0) {
    const dueOn = addBusinessDays(meetingDate, -s.daysBefore);
    if (dueOn >= today) out.push({ slot: 'day_before', dueOn });
  }
  if (s.morning && meetingDate >= today) out.push({ slot: 'morning', dueOn: meetingDate });
  return out;
}

const meetingReminderPrefix = (meetingId: string) => `meeting:${meetingId}:`;
export const actionItemReminderKey = (actionItemId: string) => `action_item:${actionItemId}`;

export async function loadTenantSettings(tx: DbOrTx, tenantId: string): Promise<Record<string, unknown>> {
  const [row] = await tx.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId));
  return row?.settings ?? {};
}

/** Creates the reminder rows of one meeting for each attendee (idempotent: natural keys). */
export async function writeMeetingReminders(
  tx: DbOrTx,
  m: { tenantId: string; meetingId: string; date: IsoDate; attendeeIds: readonly string[] },
  now: Date,
  settings: MeetingReminderSettings,
): Promise<number> {
  const today = jstToday(now);
  let n = 0;
  for (const { slot, dueOn } of planMeetingReminders(m.date, today, settings)) {
    for (const recipientId of m.attendeeIds) {
      await upsertReminder(
        tx,
        {
          tenantId: m.tenantId,
          key: `${meetingReminderPrefix(m.meetingId)}${slot}`,
          kind: 'meeting',
          recipientId,
          subjectType: 'meeting',
          subjectId: m.meetingId,
          dueOn,
        },
        now,
      );
      n++;
    }
  }
  return n;
}

export async function cancelMeetingReminders(tx: DbOrTx, tenantId: string, meetingId: string): Promise<void> {
  await cancelReminders(tx, tenantId, meetingReminderPrefix(meetingId));
}

/**
 * An action item is reminded on its due date, moved back to the business day before when the
 * date falls on a weekend or 祝日 (the owner should hear of it while the office is open).
 */
export async function writeActionItemReminder(
  tx: DbOrTx,
  a: { tenantId: string; id: string; ownerId: string; dueOn: IsoDate },
  now: Date,
): Promise<void> {
  await upsertReminder(
    tx,
    {
      tenantId: a.tenantId,
      key: actionItemReminderKey(a.id),
      kind: 'action_item',
      recipientId: a.ownerId,
      subjectType: 'action_item',
      subjectId: a.id,
      dueOn: businessDayOnOrBefore(a.dueOn),
    },
    now,
  );
}
