/**
 * The MHLW rule for monitoring months (相談支援関係Q&A 2012-03-06: the period's last month is always
 * a monitoring month, the others counted back from it), with properties over random periods,
 * rules and changes. Every date is fixed or generated: nothing reads the machine's clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  compareDates,
  daysInMonth,
  monthOf,
  monthsBetween,
  type IsoDate,
  type IsoMonth,
} from '../../src/core/calendar/jst';
import {
  changeFrequency,
  countingStartMonth,
  MONITORING_FREQUENCIES,
  monitoringMonths,
  planMonitoring,
  previewChange,
  type CountFrom,
  type MonitoringRule,
  type MonitoringSchedule,
  type MonitoringSegment,
} from '../../src/core/monitoring/months';
import {
  countFromOf,
  planMonitoringCalendar,
  planMonitoringMonths,
  tenantCountFrom,
  type PlanRow,
} from '../../src/core/monitoring/plan-row';
import { legacyMonitoringMonths, monthMoves, monthMovesNotice, type MonitoringRecord } from '../../src/core/monitoring/recompute';
import { deliveryReply } from '../../handlers/notices/render';

const YEAR = { periodStart: '2026-05-01', periodEnd: '2027-04-30' } as const;

describe('the period’s last month is a monitoring month, the others counted back from it', () => {
  it('a decision valid 2026-11-01 – 2027-01-31, every 6 months: January 2027 (counting forward gave none)', () => {
    const plan = { periodStart: '2026-11-01', periodEnd: '2027-01-31', frequencyMonths: 6 } as const;
    expect(monitoringMonths(plan)).toEqual(['2027-01']);
    expect(legacyMonitoringMonths({ ...plan, segments: [{ from: '2026-11', frequencyMonths: 6 }] })).toEqual([]);
  });

  it('6/1 – next 3/31, every 6 months: 9 → 3, not 11 (domain.md)', () => {
    expect(monitoringMonths({ periodStart: '2026-06-01', periodEnd: '2027-03-31', frequencyMonths: 6 })).toEqual(['2026-09', '2027-03']);
  });

  it('keeps the MHLW worked examples: 3か月ごと 7 → 10 → 1 → 4; 毎月 5–7 then 6か月ごと 10 → 4', () => {
    expect(monitoringMonths({ ...YEAR, frequencyMonths: 3 })).toEqual(['2026-07', '2026-10', '2027-01', '2027-04']);
    const changed = changeFrequency({ ...YEAR, frequencyMonths: 1 }, { decidedIn: '2026-07', frequencyMonths: 6 });
    expect(monitoringMonths(changed)).toEqual(['2026-05', '2026-06', '2026-07', '2026-10', '2027-04']);
  });

  it('毎月 for the first three months, then every 3 months: from the start, then back from the end', () => {
    const schedule = {
      ...YEAR,
      segments: [
        { from: '2026-05', frequencyMonths: 1 as const },
        { from: '2026-08', frequencyMonths: 3 as const },
      ],
    };
    expect(monitoringMonths(schedule)).toEqual(['2026-05', '2026-06', '2026-07', '2026-10', '2027-01', '2027-04']);
  });

  it('a mid-month decision within one month, counted from the next month, still monitors its last month', () => {
    expect(monitoringMonths({ periodStart: '2026-05-15', periodEnd: '2026-05-31', frequencyMonths: 3, countFrom: 'next_month' })).toEqual([
      '2026-05',
    ]);
  });

  it('standard months are used as given; the last month is added with a warning when they miss it', () => {
    expect(planMonitoring({ ...YEAR, standardMonths: [7, 10, 1, 4] })).toEqual({
      months: ['2026-07', '2026-10', '2027-01', '2027-04'],
      warnings: [],
    });
    expect(planMonitoring({ ...YEAR, standardMonths: [9, 3] })).toEqual({
      months: ['2026-09', '2027-03', '2027-04'],
      warnings: [{ kind: 'last_month_added', month: '2027-04' }],
    });
  });

  it('計画相談支援 and 障害児相談支援 alike: the planner reads only the period and the rule', () => {
    // A child's plan (障害児支援利用計画) is stored and planned exactly like an adult's.
    const row: PlanRow = {
      periodStart: '2026-06-01',
      periodEnd: '2027-03-31',
      frequencyMonths: 6,
      standardMonths: null,
      segments: [],
      countFrom: null,
    };
    expect(planMonitoringMonths(row)).toEqual(['2026-09', '2027-03']);
  });
});

describe('changes of frequency', () => {
  it('recompute the rest; months done stay done when a change taking effect in the past drops them', () => {
    // 3か月ごと (7, 10, 1, 4), 10 recorded; in December a change to 12か月ごと from September.
    const changed = changeFrequency(
      { ...YEAR, frequencyMonths: 3 },
      { decidedIn: '2026-12', effectiveFrom: '2026-09', frequencyMonths: 12 },
    );
    expect(monitoringMonths(changed)).toEqual(['2026-07', '2027-04']);
    expect(planMonitoring(changed, { doneMonths: ['2026-07', '2026-10'], today: '2026-12-10' }).months).toEqual([
      '2026-07',
      '2026-10',
      '2027-04',
    ]);
  });

  it('say so when a change taking effect in the past makes a past month a monitoring month without a record', () => {
    // 3か月ごと (7, 10, 1, 4); entered on 12/10: every 2 months from August → 8, 10, 12, 2, 4.
    const history = { ...YEAR, frequencyMonths: 3 as const };
    const change = { decidedIn: '2026-12', effectiveFrom: '2026-08', frequencyMonths: 2 as const };
    const preview = previewChange(history, change, { today: '2026-12-10', doneMonths: ['2026-07', '2026-10'] });
    expect(preview.after).toEqual(['2026-07', '2026-08', '2026-10', '2026-12', '2027-02', '2027-04']);
    expect(preview.added).toEqual(['2026-08', '2026-12', '2027-02']);
    expect(preview.removed).toEqual(['2027-01']);
    expect(preview.pastUnrecorded).toEqual(['2026-08']);
    const stored = planMonitoring(preview.schedule, { today: '2026-12-10', doneMonths: ['2026-07', '2026-10'] });
    expect(stored.warnings).toEqual([{ kind: 'past_month_created', month: '2026-08', from: '2026-08' }]);
    // Recorded in August (the reason for the change, as MHLW asks): nothing to say.
    expect(planMonitoring(preview.schedule, { today: '2026-12-10', doneMonths: ['2026-07', '2026-08'] }).warnings).toEqual([]);
  });
});

describe('start convention (countFrom): tenant setting, decision override', () => {
  it('a decision without its own convention follows the tenant, whose default is the same month', () => {
    const row: PlanRow = {
      periodStart: '2026-05-15',
      periodEnd: '2027-05-14',
      frequencyMonths: 6,
      standardMonths: null,
      segments: [],
      countFrom: null,
    };
    expect(tenantCountFrom({})).toBe('same_month');
    expect(tenantCountFrom({ monitoringCountFrom: 'next_month' })).toBe('next_month');
    expect(tenantCountFrom({ monitoringCountFrom: 'tomorrow' })).toBe('same_month');
    expect(planMonitoringMonths(row, tenantCountFrom({}))).toEqual(['2026-05', '2026-11', '2027-05']);
    expect(planMonitoringMonths(row, 'next_month')).toEqual(['2026-11', '2027-05']);
    expect(countFromOf({ countFrom: 'same_month' }, 'next_month')).toBe('same_month');
    expect(planMonitoringMonths({ ...row, countFrom: 'same_month' }, 'next_month')).toEqual(['2026-05', '2026-11', '2027-05']);
    expect(planMonitoringCalendar({ ...row, countFrom: 'next_month' }).months).toEqual(['2026-11', '2027-05']);
  });
});

// ---- properties ----

const arbRule: fc.Arbitrary<MonitoringRule> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...MONITORING_FREQUENCIES).map((f) => ({ frequencyMonths: f })) },
  {
    weight: 1,
    arbitrary: fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }).map((m) => ({ standardMonths: m })),
  },
);

interface Case {
  schedule: MonitoringSchedule;
  today: IsoDate;
}

/** A period of 1 day to 3 years from 2000 to 2040, starting any day, with up to 3 changes. */
const arbCase: fc.Arbitrary<Case> = fc
  .record({
    startMonth: fc.integer({ min: 0, max: 480 }).map((n) => addMonths('2000-01', n)),
    day: fc.integer({ min: 1, max: 31 }),
    days: fc.integer({ min: 0, max: 1100 }),
    countFrom: fc.constantFrom<CountFrom>('same_month', 'next_month'),
    first: arbRule,
    changes: fc.array(fc.record({ offset: fc.integer({ min: -2, max: 40 }), rule: arbRule }), { maxLength: 3 }),
    todayOffset: fc.integer({ min: -60, max: 1200 }),
  })
  .map(({ startMonth, day, days, countFrom, first, changes, todayOffset }) => {
    const periodStart = `${startMonth}-${String(Math.min(day, daysInMonth(startMonth))).padStart(2, '0')}`;
    const periodEnd = addDays(periodStart, days);
    const segments: MonitoringSegment[] = [{ from: startMonth, ...first }];
    let from = startMonth;
    // Appended in order, as editPlan does (a change from a month before the last one is refused).
    for (const c of [...changes].sort((a, b) => a.offset - b.offset)) {
      from = addMonths(startMonth, c.offset);
      if (compareDates(from, segments.at(-1)?.from ?? from) < 0) from = segments.at(-1)?.from ?? from;
      segments.push({ from, ...c.rule });
    }
    return { schedule: { periodStart, periodEnd, countFrom, segments }, today: addDays(periodStart, todayOffset) };
  });

const subsetOf = (months: readonly IsoMonth[]) => fc.subarray([...months]);

describe('properties over random periods, rules and changes', () => {
  it('the period’s last month is always a monitoring month; no month falls outside the period; oldest first, once each', () => {
    fc.assert(
      fc.property(arbCase, ({ schedule, today }) => {
        const { months } = planMonitoring(schedule, { today });
        const first = monthOf(schedule.periodStart);
        const last = monthOf(schedule.periodEnd);
        expect(months.at(-1)).toBe(last);
        for (const m of months) {
          expect(compareDates(m, first)).toBeGreaterThanOrEqual(0);
          expect(compareDates(m, last)).toBeLessThanOrEqual(0);
        }
        for (let i = 1; i < months.length; i++) expect(compareDates(months[i - 1] as string, months[i] as string)).toBe(-1);
      }),
      { numRuns: 500 },
    );
  });

  it('every f months: evenly spaced back from the last month, as many as fit from where counting starts', () => {
    fc.assert(
      fc.property(arbCase, fc.constantFrom(...MONITORING_FREQUENCIES), ({ schedule }, f) => {
        const plan = {
          periodStart: schedule.periodStart,
          periodEnd: schedule.periodEnd,
          countFrom: schedule.countFrom,
          frequencyMonths: f,
        };
        const months = monitoringMonths(plan);
        const last = monthOf(plan.periodEnd);
        const start = countingStartMonth(plan);
        for (const [i, m] of months.entries()) expect(monthsBetween(m, last)).toBe((months.length - 1 - i) * f);
        // No room for one more before the first (unless the period ends before counting starts).
        if (compareDates(start, last) <= 0) expect(compareDates(addMonths(months[0] as string, -f), start)).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });

  it('months already done stay monitoring months after a change, whenever it takes effect', () => {
    fc.assert(
      fc.property(
        arbCase.chain((c) =>
          fc.record({
            c: fc.constant(c),
            done: subsetOf(monitoringMonths(c.schedule)),
            rule: arbRule,
            offset: fc.integer({ min: -2, max: 40 }),
          }),
        ),
        ({ c, done, rule, offset }) => {
          const lastFrom = c.schedule.segments.at(-1)?.from as string;
          const from = addMonths(lastFrom, Math.max(0, offset));
          const changed: MonitoringSchedule = { ...c.schedule, segments: [...c.schedule.segments, { from, ...rule }] };
          const after = planMonitoring(changed, { today: c.today, doneMonths: done }).months;
          for (const m of done) expect(after).toContain(m);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a change never makes a past month overdue without saying so (planner warning and change preview)', () => {
    fc.assert(
      fc.property(
        arbCase.chain((c) =>
          fc.record({
            c: fc.constant(c),
            done: subsetOf(monitoringMonths(c.schedule)),
            rule: arbRule,
            offset: fc.integer({ min: -2, max: 40 }),
          }),
        ),
        ({ c, done, rule, offset }) => {
          const lastFrom = c.schedule.segments.at(-1)?.from as string;
          const from = addMonths(lastFrom, Math.max(0, offset));
          const before = new Set(planMonitoring(c.schedule, { doneMonths: done }).months);
          const changed: MonitoringSchedule = { ...c.schedule, segments: [...c.schedule.segments, { from, ...rule }] };
          const planned = planMonitoring(changed, { today: c.today, doneMonths: done });
          const current = monthOf(c.today);
          const silentlyOverdue = planned.months.filter((m) => !before.has(m) && compareDates(m, current) < 0 && !done.includes(m));
          const flagged = planned.warnings.flatMap((w) => (w.kind === 'past_month_created' ? [w.month] : []));
          // Everything this change made overdue at once is flagged; whatever is flagged is a past,
          // unrecorded monitoring month (an earlier change in force since a past month may add some).
          for (const m of silentlyOverdue) expect(flagged).toContain(m);
          for (const m of flagged) {
            expect(planned.months).toContain(m);
            expect(compareDates(m, current)).toBe(-1);
            expect(done).not.toContain(m);
          }
          // The same through changeFrequency (which also replaces later changes): the preview says it.
          const preview = previewChange(
            c.schedule,
            { decidedIn: addMonths(from, -1), effectiveFrom: from, ...rule },
            { today: c.today, doneMonths: done },
          );
          const had = new Set(preview.before);
          expect(preview.pastUnrecorded).toEqual(
            preview.after.filter((m) => !had.has(m) && compareDates(m, current) < 0 && !done.includes(m)),
          );
          for (const m of done) expect(preview.after).toContain(m);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('the recomputation under the rule: months that moved, records recounted, past months without a record flagged', () => {
    const arbRecords = (c: Case) =>
      fc
        .array(fc.record({ offset: fc.integer({ min: -40, max: 1140 }), offMonth: fc.boolean() }), { maxLength: 12 })
        .map((rs) => rs.map(({ offset, offMonth }, i) => ({ id: `r${i}`, occurredOn: addDays(c.schedule.periodStart, offset), offMonth })));
    fc.assert(
      fc.property(
        arbCase.chain((c) => fc.record({ c: fc.constant(c), records: arbRecords(c) })),
        ({ c, records }: { c: Case; records: MonitoringRecord[] }) => {
          const moves = monthMoves(c.schedule, records, c.today);
          const legacy = legacyMonitoringMonths(c.schedule);
          const inPeriod = records.filter((r) => r.occurredOn >= c.schedule.periodStart && r.occurredOn <= c.schedule.periodEnd);
          const counted = inPeriod.filter((r) => !r.offMonth).map((r) => monthOf(r.occurredOn));
          const rule = planMonitoring(c.schedule, { doneMonths: counted }).months;
          if (!moves) {
            expect(rule).toEqual(legacy);
            return;
          }
          expect(moves.before).toEqual(legacy);
          expect(moves.after).toEqual(rule);
          expect(moves.after.at(-1)).toBe(monthOf(c.schedule.periodEnd));
          // Only off-month records of the period in a month that is now a monitoring month.
          for (const r of moves.recount) {
            const rec = inPeriod.find((x) => x.id === r.id);
            expect(rec?.offMonth).toBe(true);
            expect(moves.after).toContain(r.month);
          }
          // Every month added in the past is done (recorded, or recounted) or flagged.
          const done = new Set([...counted, ...moves.recount.map((r) => r.month)]);
          for (const m of moves.added)
            if (compareDates(m, monthOf(c.today)) < 0) expect(done.has(m) || moves.pastUnrecorded.includes(m)).toBe(true);
          // Removed months with a counted record stay done.
          for (const m of moves.removed) expect(moves.keptDone.includes(m)).toBe(done.has(m));
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('what a counselor is told after the recomputation', () => {
  const moves = monthMoves(
    { periodStart: '2026-06-01', periodEnd: '2027-03-31', segments: [{ from: '2026-06', frequencyMonths: 6 }] },
    [{ id: 'r1', occurredOn: '2026-11-10', offMonth: false }],
    '2026-12-05',
  );

  it('6/1–3/31 every 6 months, November recorded: 9 and 3 added, 11 kept done, September flagged', () => {
    expect(moves).toEqual({
      before: ['2026-11'],
      after: ['2026-09', '2027-03'],
      added: ['2026-09', '2027-03'],
      removed: ['2026-11'],
      keptDone: ['2026-11'],
      recount: [],
      pastUnrecorded: ['2026-09'],
    });
  });

  it('an off-month record in September now counts, so nothing is flagged', () => {
    const m = monthMoves(
      { periodStart: '2026-06-01', periodEnd: '2027-03-31', segments: [{ from: '2026-06', frequencyMonths: 6 }] },
      [{ id: 'r2', occurredOn: '2026-09-03', offMonth: true }],
      '2026-12-05',
    );
    expect(m?.recount).toEqual([{ id: 'r2', month: '2026-09' }]);
    expect(m?.pastUnrecorded).toEqual([]);
  });

  it('one direct message listing every person, the first twelve as cards', () => {
    if (!moves) throw new Error('moves expected');
    const plans = Array.from({ length: 14 }, (_, i) => ({ personId: `p${i}`, title: `C-${String(i).padStart(4, '0')} 山田 太郎`, moves }));
    const r = deliveryReply({ notice: monthMovesNotice(plans) }, { recipientId: 'staff-1', channel: null });
    expect(r.visibility).toBe('dm');
    expect(r.toStaffId).toBe('staff-1');
    expect(r.summary).toBe('モニタリング月が変わった方が14名います（うち14名は過ぎた月が未記録になりました）。');
    const cards = r.blocks.filter((b) => b.type === 'card');
    expect(cards).toHaveLength(12);
    expect(JSON.stringify(cards[0])).toContain('2026年9月、2027年3月');
    expect(JSON.stringify(cards[0])).toContain('事業所管理者への通知はしません');
    expect(JSON.stringify(r.blocks.at(-1))).toContain('ほか2名');
  });
});
