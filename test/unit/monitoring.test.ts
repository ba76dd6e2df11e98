import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUserError } from '../../src/core/errors';
import { isBusinessDay } from '../../src/core/calendar/business-days';
import { addDays, addMonths, daysBetween, monthOf, monthsBetween } from '../../src/core/calendar/jst';
import { certificateStatus, renewalReminderDates } from '../../src/core/monitoring/certificate';
import {
  changeFrequency,
  FREQUENCY_LABELS,
  MONITORING_FREQUENCIES,
  monitoringMonths,
  monitoringStatus,
  planMonitoring,
  ruleLabel,
  type MonitoringPlan,
} from '../../src/core/monitoring/months';

const YEAR = { periodStart: '2026-05-01', periodEnd: '2027-04-30' } as const;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isUserError(e)) return e.code;
    throw e;
  }
  return 'no error';
}

describe('monitoring months from the 支給決定 period (MHLW worked examples)', () => {
  it('renewal 5/1–4/30 every 3 months: 7 → 10 → 1 → 4', () => {
    expect(monitoringMonths({ ...YEAR, frequencyMonths: 3 })).toEqual(['2026-07', '2026-10', '2027-01', '2027-04']);
  });

  it('new decision 5/1–4/30 monthly, changed in July to every 6 months: 5, 6, 7 then 10 → 4', () => {
    const changed = changeFrequency({ ...YEAR, frequencyMonths: 1 }, { decidedIn: '2026-07', frequencyMonths: 6 });
    expect(changed.segments).toEqual([
      { from: '2026-05', frequencyMonths: 1, standardMonths: undefined },
      { from: '2026-08', frequencyMonths: 6, standardMonths: undefined },
    ]);
    expect(monitoringMonths(changed)).toEqual(['2026-05', '2026-06', '2026-07', '2026-10', '2027-04']);
  });

  it('gives the same months when the change is written as segments from the start', () => {
    const schedule = {
      ...YEAR,
      segments: [
        { from: '2026-05', frequencyMonths: 1 as const },
        { from: '2026-08', frequencyMonths: 6 as const },
      ],
    };
    expect(monitoringMonths(schedule)).toEqual(['2026-05', '2026-06', '2026-07', '2026-10', '2027-04']);
  });

  it.each([
    [
      1,
      ['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12', '2027-01', '2027-02', '2027-03', '2027-04'],
    ],
    [2, ['2026-06', '2026-08', '2026-10', '2026-12', '2027-02', '2027-04']],
    [6, ['2026-10', '2027-04']],
    [12, ['2027-04']],
  ] as const)('every %i month(s) over 5/1–4/30', (f, months) => {
    expect(monitoringMonths({ ...YEAR, frequencyMonths: f })).toEqual(months);
  });

  it('counts a mid-month decision from that month or the next, as the municipality set, back from the last month', () => {
    // 13 calendar months: counted from May, the beat back from May 2027 reaches May 2026 too.
    const plan = { periodStart: '2026-05-15', periodEnd: '2027-05-14', frequencyMonths: 3 } as const;
    expect(monitoringMonths({ ...plan, countFrom: 'same_month' })).toEqual(['2026-05', '2026-08', '2026-11', '2027-02', '2027-05']);
    expect(monitoringMonths({ ...plan, countFrom: 'next_month' })).toEqual(['2026-08', '2026-11', '2027-02', '2027-05']);
    expect(codeOf(() => monitoringMonths(plan))).toBe('monitoring_count_from_required');
  });

  it('counts a period starting on the 1st from that month even under a next-month setting', () => {
    expect(monitoringMonths({ ...YEAR, frequencyMonths: 3, countFrom: 'next_month' })).toEqual([
      '2026-07',
      '2026-10',
      '2027-01',
      '2027-04',
    ]);
  });

  it('handles a period starting on the leap day', () => {
    const plan = { periodStart: '2028-02-29', periodEnd: '2029-02-28', frequencyMonths: 6, countFrom: 'next_month' } as const;
    expect(monitoringMonths(plan)).toEqual(['2028-08', '2029-02']);
  });
});

describe('standard months (モニタリング実施標準月)', () => {
  it('takes the listed calendar months inside a period that crosses fiscal years', () => {
    const plan = { periodStart: '2026-10-01', periodEnd: '2027-09-30', standardMonths: [3, 9] };
    expect(monitoringMonths(plan)).toEqual(['2027-03', '2027-09']);
  });

  it('repeats them in every year of a two-year period, in order, and adds the period’s last month they miss', () => {
    const plan = { periodStart: '2026-04-01', periodEnd: '2028-03-31', standardMonths: [12, 6] };
    expect(monitoringMonths(plan)).toEqual(['2026-06', '2026-12', '2027-06', '2027-12', '2028-03']);
    expect(planMonitoring(plan).warnings).toEqual([{ kind: 'last_month_added', month: '2028-03' }]);
  });

  it('overrides a frequency given alongside', () => {
    expect(monitoringMonths({ ...YEAR, frequencyMonths: 1, standardMonths: [8] })).toEqual(['2026-08', '2027-04']);
  });

  it('can replace a frequency from a given month (the last month added to the standard months)', () => {
    const changed = changeFrequency(
      { ...YEAR, frequencyMonths: 3 },
      { decidedIn: '2026-09', effectiveFrom: '2026-11', standardMonths: [12, 3] },
    );
    expect(monitoringMonths(changed)).toEqual(['2026-07', '2026-10', '2026-12', '2027-03', '2027-04']);
    expect(planMonitoring(changed).warnings).toEqual([{ kind: 'last_month_added', month: '2027-04' }]);
  });

  it('refuses a rule with neither frequency nor standard months, or a 13th month', () => {
    expect(codeOf(() => monitoringMonths(YEAR))).toBe('monitoring_rule_missing');
    expect(codeOf(() => monitoringMonths({ ...YEAR, segments: [] }))).toBe('monitoring_rule_missing');
    expect(codeOf(() => monitoringMonths({ ...YEAR, standardMonths: [13] }))).toBe('monitoring_rule_invalid');
    expect(codeOf(() => changeFrequency({ ...YEAR, frequencyMonths: 3 }, { decidedIn: '2026-07' }))).toBe('monitoring_rule_missing');
  });
});

describe('frequency changes', () => {
  it('has no effect when it takes effect after the period', () => {
    const changed = changeFrequency({ ...YEAR, frequencyMonths: 3 }, { decidedIn: '2027-04', frequencyMonths: 1 });
    expect(monitoringMonths(changed)).toEqual(['2026-07', '2026-10', '2027-01', '2027-04']);
  });

  it('replaces a later change when a new one takes effect before it', () => {
    const first = changeFrequency({ ...YEAR, frequencyMonths: 1 }, { decidedIn: '2026-10', frequencyMonths: 6 });
    const second = changeFrequency(first, { decidedIn: '2026-06', frequencyMonths: 3 });
    expect(monitoringMonths(second)).toEqual(['2026-05', '2026-06', '2026-07', '2026-10', '2027-01', '2027-04']);
  });

  it('keeps every month before the change and counts later ones back from the period’s last month', () => {
    const arbPlan = fc.record({
      start: fc.integer({ min: 0, max: 360 }).map((n) => `${addMonths('2000-01', n)}-01`),
      length: fc.integer({ min: 1, max: 36 }),
      before: fc.constantFrom(...MONITORING_FREQUENCIES),
      after: fc.constantFrom(...MONITORING_FREQUENCIES),
      at: fc.integer({ min: 0, max: 40 }),
    });
    fc.assert(
      fc.property(arbPlan, ({ start, length, before, after, at }) => {
        const startMonth = monthOf(start);
        const plan: MonitoringPlan = {
          periodStart: start,
          periodEnd: addDays(`${addMonths(startMonth, length)}-01`, -1),
          frequencyMonths: before,
        };
        const effective = addMonths(startMonth, at);
        const months = monitoringMonths(changeFrequency(plan, { decidedIn: addMonths(effective, -1), frequencyMonths: after }));
        expect(months.filter((m) => m < effective)).toEqual(monitoringMonths(plan).filter((m) => m < effective));
        const last = addMonths(startMonth, length - 1);
        for (const m of months.filter((m) => m >= effective)) expect(monthsBetween(m, last) % after).toBe(0);
      }),
    );
  });
});

describe('frequency properties', () => {
  it('gives 12/f months, evenly spaced, the last one the period’s last month, in a 1-year period', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 600 }), fc.constantFrom(...MONITORING_FREQUENCIES), (n, f) => {
        const start = addMonths('2000-01', n);
        const months = monitoringMonths({
          periodStart: `${start}-01`,
          periodEnd: addDays(`${addMonths(start, 12)}-01`, -1),
          frequencyMonths: f,
        });
        expect(months).toHaveLength(12 / f);
        expect(months.at(-1)).toBe(addMonths(start, 11));
        for (const [i, m] of months.entries()) expect(monthsBetween(start, m)).toBe((i + 1) * f - 1);
      }),
    );
  });

  it('has Japanese labels for every frequency', () => {
    expect(FREQUENCY_LABELS).toEqual({ 1: '毎月', 2: '2か月ごと', 3: '3か月ごと', 6: '6か月ごと', 12: '12か月ごと' });
    expect(ruleLabel({ frequencyMonths: 3 })).toBe('3か月ごと');
    expect(ruleLabel({ standardMonths: [7, 10, 1, 4] })).toBe('7・10・1・4月');
  });
});

describe('monitoring status', () => {
  const months = ['2026-07', '2026-10', '2027-01', '2027-04'];

  it('marks the current month due and later ones upcoming', () => {
    const s = monitoringStatus(months, ['2026-07'], '2026-10-15');
    expect(s.months.map((m) => m.status)).toEqual(['done', 'due', 'upcoming', 'upcoming']);
    expect(s.nextMonitoringMonth).toBe('2026-10');
    expect(s.offMonth).toEqual([]);
  });

  it('marks a past month without a monitoring overdue and moves on to the next', () => {
    const s = monitoringStatus(months, ['2026-07'], '2026-11-02');
    expect(s.months.map((m) => m.status)).toEqual(['done', 'overdue', 'upcoming', 'upcoming']);
    expect(s.nextMonitoringMonth).toBe('2027-01');
  });

  it('does not count a visit outside a monitoring month, and reports it', () => {
    const s = monitoringStatus(months, ['2026-08'], '2026-10-01');
    expect(s.months[0]).toEqual({ month: '2026-07', status: 'overdue' });
    expect(s.offMonth).toEqual(['2026-08']);
  });

  it('has no next month once all are done', () => {
    const s = monitoringStatus(months, [...months].reverse(), '2027-04-30');
    expect(s.months.every((m) => m.status === 'done')).toBe(true);
    expect(s.nextMonitoringMonth).toBeNull();
  });
});

describe('certificate (受給者証) renewal', () => {
  it('reminds 60 and 30 days before the end, on business days', () => {
    expect(renewalReminderDates('2026-11-30')).toEqual(['2026-10-01', '2026-10-30']);
  });

  it('moves a reminder falling in ゴールデンウィーク back to the day before it', () => {
    // 7/5 − 60 = 5/6 (振替休日) → 5/1 (Fri); 7/5 − 30 = 6/5 (Fri).
    expect(renewalReminderDates('2026-07-05')).toEqual(['2026-05-01', '2026-06-05']);
  });

  it('moves a reminder falling on 元日 back before 年末年始', () => {
    expect(renewalReminderDates('2027-01-31')).toEqual(['2026-12-02', '2026-12-28']);
  });

  it('still reminds on business days for a certificate ending on a holiday or the leap day', () => {
    expect(renewalReminderDates('2026-11-23')).toEqual(['2026-09-24', '2026-10-23']);
    expect(renewalReminderDates('2028-02-29')).toEqual(['2027-12-28', '2028-01-28']);
  });

  it('never reminds on a closed day nor after the lead time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20000 }),
        fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 4 }),
        (n, leads) => {
          const end = addDays('1975-01-01', n);
          const dates = renewalReminderDates(end, leads);
          for (const d of dates) expect(isBusinessDay(d)).toBe(true);
          expect(dates[0] && daysBetween(dates[0], end)).toBeGreaterThanOrEqual(Math.max(...leads));
        },
      ),
    );
  });

  it('is valid until the first reminder, renewal due until the end date, then expired', () => {
    expect(certificateStatus('2026-11-30', '2026-09-30')).toBe('valid');
    expect(certificateStatus('2026-11-30', '2026-10-01')).toBe('renewal_due');
    expect(certificateStatus('2026-11-30', '2026-11-30')).toBe('renewal_due');
    expect(certificateStatus('2026-11-30', '2026-12-01')).toBe('expired');
  });

  it('is renewal due on the moved reminder day before a holiday lead date', () => {
    expect(certificateStatus('2026-07-05', '2026-05-01')).toBe('renewal_due');
    expect(certificateStatus('2026-07-05', '2026-04-30')).toBe('valid');
  });
});
