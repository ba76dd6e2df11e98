import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHoliday } from '../../src/core/calendar/business-days';
import { addDays, isWeekend, jstInstant } from '../../src/core/calendar/jst';
import { renewalReminderDates } from '../../src/core/monitoring/certificate';
import type { PlanRow } from '../../src/core/monitoring/plan-row';
import { groupDigest, sectionOf, type DigestItem } from '../../src/core/reminders/digest';
import { MAX_CARDS, renderDigest, renderEscalations } from '../../handlers/notices/digest';
import { monitoringDeadline, monitoringKey, needsEscalation, planForPlan, planSecondaryWaiting } from '../../src/core/reminders/plan-due';
import { digestInstant, isDigestDay, isLastCallDay, nextDigestDay, snoozeUntil } from '../../src/core/reminders/schedule';
import { reminderSettingsOf, staffPrefsOf } from '../../src/core/reminders/settings';
import { backoffMs } from '../../src/scheduler/deliver';

const noPrefs = staffPrefsOf({});
const plan = (p: Partial<PlanRow> & { certificateEnd?: string | null }): PlanRow & { certificateEnd: string | null } => ({
  periodStart: '2026-04-01',
  periodEnd: '2027-03-31',
  frequencyMonths: 3,
  standardMonths: null,
  segments: [],
  countFrom: 'same_month',
  certificateEnd: null,
  ...p,
});

describe('monitoring deadlines on Japanese business days', () => {
  it('December ends on the last day before the 年末年始 closure', () => {
    expect(monitoringDeadline('2026-12')).toBe('2026-12-28');
  });
  it('April ends before 昭和の日 and the weekend (ゴールデンウィーク)', () => {
    expect(monitoringDeadline('2022-04')).toBe('2022-04-28');
    expect(monitoringDeadline('2028-04')).toBe('2028-04-28');
  });
  it('a private office open over 年末年始 keeps 12/30 as a business day', () => {
    expect(monitoringDeadline('2026-12', reminderSettingsOf({ yearEndClosure: false }).calendar)).toBe('2026-12-31');
  });
  it('the last call runs on the last three business days, closure excluded', () => {
    expect(['2026-12-23', '2026-12-24', '2026-12-25', '2026-12-28'].map((d) => isLastCallDay(d, 3))).toEqual([false, true, true, true]);
    expect(isLastCallDay('2026-12-28', 0)).toBe(false);
  });
});

describe('snooze', () => {
  it('翌営業日 over ゴールデンウィーク lands on the first day back', () => {
    expect(snoozeUntil('2027-04-30', '1d')).toBe('2027-05-06');
  });
  it('1週間 into a holiday moves to the next business day', () => {
    expect(snoozeUntil('2027-04-28', '1w')).toBe('2027-05-06');
  });
  it('翌営業日 from the last business day of the year is the first one of the next', () => {
    expect(snoozeUntil('2026-12-28', '1d')).toBe('2027-01-04');
  });
});

describe('what is due for a plan', () => {
  it('standard months across fiscal years: January, then July of the next fiscal year', () => {
    const facts = {
      planId: 'p1',
      personId: 'x',
      counselorId: 'c1',
      plan: plan({ periodStart: '2026-10-01', periodEnd: '2027-09-30', frequencyMonths: null, standardMonths: [1, 7] }),
      doneMonths: [],
    };
    expect(planForPlan(facts, '2027-01-10', [60, 30]).upserts.map((u) => [u.key, u.dueOn])).toEqual([
      ['monitoring:p1:2027-01', '2027-01-29'],
    ]);
    const june = planForPlan({ ...facts, doneMonths: ['2027-01'] }, '2027-06-20', [60, 30]);
    expect(june.upserts.map((u) => u.dueOn)).toEqual(['2027-01-29', '2027-07-30']);
    expect(june.doneKeys).toEqual(['monitoring:p1:2027-01']);
  });

  it('a change from 毎月 to 6か月ごと recomputes the months and drops the old ones (MHLW example)', () => {
    const facts = {
      planId: 'p2',
      personId: 'x',
      counselorId: 'c1',
      plan: plan({
        periodStart: '2026-05-01',
        periodEnd: '2027-04-30',
        frequencyMonths: 1,
        segments: [{ from: '2026-08', frequencyMonths: 6 }],
      }),
      doneMonths: ['2026-05', '2026-06', '2026-07'],
    };
    const out = planForPlan(facts, '2026-10-05', [60, 30]);
    const keep = out.keep.find((k) => k.prefix === 'monitoring:p2:');
    expect(keep?.keys).toEqual(['2026-05', '2026-06', '2026-07', '2026-10'].map((m) => monitoringKey('p2', m)));
    expect(keep?.keys).not.toContain(monitoringKey('p2', '2026-08'));
    expect(out.doneKeys).toHaveLength(3);
  });

  it('a plan without a counselor reminds nobody but still says which keys are valid', () => {
    const out = planForPlan({ planId: 'p3', personId: 'x', counselorId: null, plan: plan({}), doneMonths: [] }, '2026-12-01', [60, 30]);
    expect(out.upserts).toEqual([]);
    expect(out.keep[0]?.keys.length).toBeGreaterThan(0);
  });

  it('a certificate ending on 2/29 of a leap year is reminded 60 and 30 days before, on business days', () => {
    expect(renewalReminderDates('2028-02-29', [60, 30])).toEqual(['2027-12-28', '2028-01-28']);
    const facts = {
      planId: 'p4',
      personId: 'x',
      counselorId: 'c1',
      plan: plan({ periodStart: '2027-03-01', periodEnd: '2028-02-29', certificateEnd: '2028-02-29' }),
      doneMonths: [],
    };
    expect(planForPlan(facts, '2027-12-27', [60, 30]).upserts.some((u) => u.kind === 'certificate')).toBe(false);
    expect(planForPlan(facts, '2027-12-28', [60, 30]).upserts.find((u) => u.kind === 'certificate')).toMatchObject({
      key: 'certificate:p4:2028-02-29',
      dueOn: '2028-02-29',
    });
  });

  it('a certificate ending on 元日 escalates from the last renewal reminder day', () => {
    expect(renewalReminderDates('2027-01-01', [60, 30])).toEqual(['2026-11-02', '2026-12-02']);
    const r = { id: 'r', kind: 'certificate', key: 'certificate:p:2027-01-01', dueOn: '2027-01-01', escalatedAt: null };
    expect(needsEscalation(r, '2026-12-01', [60, 30])).toBe(false);
    expect(needsEscalation(r, '2026-12-02', [60, 30])).toBe(true);
    expect(needsEscalation({ ...r, escalatedAt: new Date() }, '2026-12-02', [60, 30])).toBe(false);
  });

  it('an unrecorded monitoring month escalates once the month is over', () => {
    const r = { id: 'r', kind: 'monitoring', key: 'monitoring:p:2026-11', dueOn: '2026-11-30', escalatedAt: null };
    expect(needsEscalation(r, '2026-11-30', [60])).toBe(false);
    expect(needsEscalation(r, '2026-12-01', [60])).toBe(true);
  });

  it('a 二次相談 sent on Friday evening is not waiting on Monday at 8:31; an urgent one waits after 2 office hours', () => {
    const friday = jstInstant('2026-11-27', 17, 0);
    const monday = jstInstant('2026-11-30', 8, 31);
    const hours = { normal: 8, urgent: 2 };
    expect(planSecondaryWaiting([{ id: 's', urgency: 'normal', createdAt: friday }], ['k1', 'k2'], monday, '2026-11-30', hours)).toEqual(
      [],
    );
    const urgent = planSecondaryWaiting(
      [{ id: 's', urgency: 'urgent', createdAt: friday }],
      ['k1', 'k2'],
      jstInstant('2026-11-30', 11, 0),
      '2026-11-30',
      hours,
    );
    expect(urgent.map((u) => u.recipientId)).toEqual(['k1', 'k2']);
  });
});

describe('digest days', () => {
  it('never on a weekend, a 祝日 or a closure day, whatever the staff member set (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 365 * 24 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }),
        (offset, quiet) => {
          const date = addDays('2026-01-01', offset);
          const prefs = staffPrefsOf({ quietWeekdays: quiet });
          if (isDigestDay(date, prefs)) expect(isWeekend(date) || isHoliday(date)).toBe(false);
          const next = nextDigestDay(date, prefs);
          if (next) expect(isWeekend(next) || isHoliday(next) || quiet.includes(new Date(`${next}T00:00:00Z`).getUTCDay())).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a quiet day and a quiet weekday have no digest', () => {
    expect(isDigestDay('2026-12-02', staffPrefsOf({ quietDates: ['2026-12-02'] }))).toBe(false);
    expect(isDigestDay('2026-12-02', staffPrefsOf({ quietWeekdays: [3] }))).toBe(false);
    expect(isDigestDay('2026-12-02', noPrefs)).toBe(true);
  });

  it('goes out at 8:30 JST unless the staff member or the tenant set another time', () => {
    expect(digestInstant('2026-12-01', noPrefs, reminderSettingsOf({})).toISOString()).toBe('2026-11-30T23:30:00.000Z');
    expect(
      digestInstant('2026-12-01', staffPrefsOf({ digestTime: '07:45' }), reminderSettingsOf({ digestTime: '09:00' })).toISOString(),
    ).toBe('2026-11-30T22:45:00.000Z');
    expect(digestInstant('2026-12-01', noPrefs, reminderSettingsOf({ digestTime: '25:00' })).toISOString()).toBe(
      '2026-11-30T23:30:00.000Z',
    );
  });
});

const item = (p: Partial<DigestItem>): DigestItem => ({
  reminderId: 'r',
  kind: 'monitoring',
  dueOn: '2026-12-28',
  status: 'open',
  snoozedUntil: null,
  title: 'C-0001 山田 太郎',
  detail: 'モニタリング 令和8年12月',
  ...p,
});

describe('the digest content', () => {
  it('sorts items into overdue, this month and coming', () => {
    const today = '2026-12-01';
    expect(sectionOf(item({ dueOn: '2026-11-30' }), today)).toBe('overdue');
    expect(sectionOf(item({}), today)).toBe('now');
    expect(sectionOf(item({ dueOn: '2027-01-29' }), today)).toBe('coming');
    expect(sectionOf(item({ dueOn: '2027-02-26' }), today)).toBeNull();
    expect(sectionOf(item({ kind: 'certificate', dueOn: '2027-01-01' }), today)).toBe('now');
    expect(sectionOf(item({ kind: 'meeting', dueOn: '2026-12-14' }), today)).toBe('coming');
    expect(sectionOf(item({ kind: 'meeting', dueOn: '2026-12-16' }), today)).toBeNull();
    expect(sectionOf(item({ kind: 'action_item', dueOn: '2026-11-20' }), today)).toBe('overdue');
    expect(sectionOf(item({ kind: 'secondary_waiting', dueOn: today }), today)).toBe('overdue');
  });

  it('a 宿題 more than a week ahead is in 予定 (a listing), not yet in the digest', () => {
    const task = item({ kind: 'action_item', dueOn: '2026-12-24', title: '就労アンケートの集計', detail: '宿題（12月 事務局会議）' });
    expect(sectionOf(task, '2026-12-10')).toBeNull();
    expect(sectionOf(task, '2026-12-10', 'listing')).toBe('coming');
    expect(sectionOf(task, '2026-12-17')).toBe('coming');
  });

  it('a meeting (a reminder the day before and one on the day) is one line', () => {
    const meeting = (reminderId: string) =>
      item({ reminderId, kind: 'meeting', subjectId: 'm1', dueOn: '2026-12-15', title: '12月 定例会', detail: '会議 12/15(火) 14:00' });
    const other = item({ reminderId: 'r3', kind: 'meeting', subjectId: 'm2', dueOn: '2026-12-16', title: '運営会議' });
    for (const mode of ['digest', 'listing'] as const) {
      const s = groupDigest([meeting('r1'), meeting('r2'), other], '2026-12-10', mode);
      expect(
        s.coming.map((i) => i.reminderId),
        mode,
      ).toEqual(['r1', 'r3']);
    }
  });

  it('a snoozed reminder stays out until its day', () => {
    const snoozed = item({ status: 'snoozed', snoozedUntil: '2026-12-08' });
    expect(sectionOf(snoozed, '2026-12-07')).toBeNull();
    expect(sectionOf(snoozed, '2026-12-08')).toBe('now');
    expect(sectionOf(item({ status: 'done' }), '2026-12-08')).toBeNull();
  });

  it('予定 (a listing) keeps a snoozed reminder, marked with the day it comes back', () => {
    const snoozed = item({ status: 'snoozed', snoozedUntil: '2026-12-08' });
    expect(sectionOf(snoozed, '2026-12-07', 'listing')).toBe('now');
    expect(sectionOf(item({ status: 'done' }), '2026-12-07', 'listing')).toBeNull();
    const listing = renderDigest(
      groupDigest([snoozed, item({ reminderId: 'r2', title: 'C-0002 山田 花子' })], '2026-12-07', 'listing'),
      '2026-12-07',
      { visibility: 'ephemeral' },
    );
    const cards = listing.blocks.flatMap((b) => (b.type === 'card' ? [b] : []));
    expect(cards.map((c) => c.fields)).toEqual([
      [
        { label: '期限', value: '2026年12月28日(月)' },
        { label: '再通知', value: '12/8(火)' },
      ],
      [{ label: '期限', value: '2026年12月28日(月)' }],
    ]);
    // The morning digest of that day leaves it out.
    expect(
      renderDigest(groupDigest([snoozed], '2026-12-07'), '2026-12-07', { visibility: 'dm' }).blocks.some((b) => b.type === 'card'),
    ).toBe(false);
  });

  it('carries 完了 and both snoozes for each item, and points to 予定 past the card limit', () => {
    const many = Array.from({ length: MAX_CARDS + 3 }, (_, i) => item({ reminderId: `r${i}` }));
    const r = renderDigest(groupDigest(many, '2026-12-01'), '2026-12-01', { visibility: 'dm', toStaffId: 's1' });
    const cards = r.blocks.filter((b) => b.type === 'card');
    expect(cards).toHaveLength(MAX_CARDS);
    const first = cards[0];
    expect(first?.type === 'card' && first.buttons?.map((b) => [b.action.id, b.action.value])).toEqual([
      ['yotei:done', 'r0'],
      ['yotei:snooze1d', 'r0'],
      ['yotei:snooze1w', 'r0'],
    ]);
    expect(JSON.stringify(r.blocks.at(-1))).toContain('ほか3件');
    expect(r).toMatchObject({ visibility: 'dm', toStaffId: 's1' });
  });

  it("an office manager's escalation lists every overdue item in one DM, oldest first, with the counselor and the buttons", () => {
    const entries = Array.from({ length: MAX_CARDS + 2 }, (_, i) => ({
      item: item({ reminderId: `r${i}`, kind: i === 0 ? 'certificate' : 'monitoring', dueOn: i === 5 ? '2026-09-30' : '2026-11-30' }),
      counselorName: i % 2 === 0 ? '相談員B' : '相談員A',
    }));
    const r = renderEscalations(entries, 'm1');
    expect(r).toMatchObject({ visibility: 'dm', toStaffId: 'm1' });
    expect(r.summary).toContain(`モニタリング未記録 ${MAX_CARDS + 1}件`);
    expect(r.summary).toContain('受給者証の更新手続き未記録 1件');
    const cards = r.blocks.filter((b) => b.type === 'card');
    expect(cards).toHaveLength(MAX_CARDS);
    const first = cards[0];
    expect(first?.type === 'card' && first.buttons?.[0]?.action).toMatchObject({ id: 'yotei:done', value: 'r5' });
    expect(JSON.stringify(first)).toContain('相談員A');
    expect(JSON.stringify(r.blocks.at(-1))).toContain('ほか2件');
  });
});

describe('settings', () => {
  it('malformed tenant settings fall back to the defaults instead of silencing reminders', () => {
    const s = reminderSettingsOf({ renewalLeadDays: 'sixty', lastCallDays: -1 });
    expect(s.renewalLeadDays).toEqual([60, 30]);
    expect(s.lastCallDays).toBe(3);
    expect(reminderSettingsOf({ renewalLeadDays: [90, 45, 14] }).renewalLeadDays).toEqual([90, 45, 14]);
  });

  it('retry backoff doubles per attempt within its cap', () => {
    for (let n = 1; n <= 12; n++) {
      const ms = backoffMs(n, 1000, 60_000);
      expect(ms).toBeGreaterThanOrEqual(Math.min(60_000, 1000 * 2 ** (n - 1)) * 0.75);
      expect(ms).toBeLessThanOrEqual(Math.min(60_000, 1000 * 2 ** (n - 1)) * 1.25);
    }
  });
});
