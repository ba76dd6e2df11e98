import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  businessDayOnOrAfter,
  businessDayOnOrBefore,
  businessHoursBetween,
  holidayName,
  isBusinessDay,
  isHoliday,
  lastBusinessDaysOfMonth,
  nextBusinessDay,
} from '../../src/core/calendar/business-days';
import {
  addDays,
  addMonths,
  compareDates,
  daysBetween,
  daysInMonth,
  fiscalYearOf,
  isIsoDate,
  isWeekend,
  jstDateOf,
  jstInstant,
  jstMonthOf,
  jstToday,
  jstWeekday,
  monthOf,
  monthsBetween,
  weekdayOf,
  type IsoDate,
} from '../../src/core/calendar/jst';
import { formatJpDate, formatWareki, formatWarekiMonth } from '../../src/core/calendar/wareki';

/** Any date for which the holiday library has data (1970–2050). */
const arbDate = (from = '1970-01-01', to = '2049-12-31') => fc.integer({ min: 0, max: daysBetween(from, to) }).map((n) => addDays(from, n));

const arbMonth = arbDate('1970-01-01', '2049-11-30').map(monthOf);

const isClosed = (d: IsoDate) => isWeekend(d) || isHoliday(d);

describe('Japan time, whatever the server time zone', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    process.env.TZ = originalTz;
  });

  it.each(['America/Los_Angeles', 'UTC', 'Pacific/Kiritimati', 'Asia/Tokyo'])(
    'gives the Japanese date at JST midnight under TZ=%s',
    (tz) => {
      process.env.TZ = tz;
      expect(jstToday(new Date('2026-11-21T15:00:00Z'))).toBe('2026-11-22');
      expect(jstToday(new Date('2026-11-21T14:59:59.999Z'))).toBe('2026-11-21');
      expect(jstMonthOf(new Date('2026-04-30T15:00:00Z'))).toBe('2026-05');
      expect(jstInstant('2026-11-22', 8, 30).toISOString()).toBe('2026-11-21T23:30:00.000Z');
      expect(jstWeekday(new Date('2026-11-21T15:30:00Z'))).toBe(0);
      expect(nextBusinessDay('2026-12-28')).toBe('2027-01-04');
      expect(formatJpDate('2026-11-22')).toBe('2026年11月22日(日)');
    },
  );

  it('maps every JST wall-clock time of a day back to that day', () => {
    fc.assert(
      fc.property(arbDate(), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), (d, h, m) => {
        expect(jstDateOf(jstInstant(d, h, m))).toBe(d);
      }),
    );
  });
});

describe('calendar arithmetic', () => {
  it('steps over the leap day only in leap years', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2028-02-29', 1)).toBe('2028-03-01');
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(daysInMonth('2028-02')).toBe(29);
    expect(daysInMonth('2100-02')).toBe(28);
    expect(daysInMonth('2000-02')).toBe(29);
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(isIsoDate('2027-02-29')).toBe(false);
  });

  it('adds months across years both ways', () => {
    expect(addMonths('2026-11', 3)).toBe('2027-02');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(monthsBetween('2026-05', '2027-04')).toBe(11);
  });

  it('puts January to March in the previous fiscal year', () => {
    expect(fiscalYearOf('2027-03-31')).toBe(2026);
    expect(fiscalYearOf('2027-04-01')).toBe(2027);
    expect(fiscalYearOf('2026-12')).toBe(2026);
  });

  it('orders dates and months as strings do', () => {
    expect(compareDates('2026-11-22', '2026-11-23')).toBe(-1);
    expect(compareDates('2027-01', '2026-12')).toBe(1);
    expect(compareDates('2026-11-22', '2026-11-22')).toBe(0);
    expect(weekdayOf('2028-02-29')).toBe(2);
  });

  it('undoes addDays and agrees with daysBetween', () => {
    fc.assert(
      fc.property(arbDate(), fc.integer({ min: -5000, max: 5000 }), (d, n) => {
        expect(addDays(addDays(d, n), -n)).toBe(d);
        expect(daysBetween(d, addDays(d, n))).toBe(n);
      }),
    );
  });
});

describe('holidays and the year-end closure', () => {
  it('names national holidays, substitutes and citizens’ holidays', () => {
    expect(holidayName('2026-11-23')).toBe('勤労感謝の日');
    expect(holidayName('2026-05-06')).toBe('こどもの日 振替休日');
    expect(holidayName('2026-09-22')).toBe('休日');
    expect(holidayName('2027-01-01')).toBe('元日');
    expect(holidayName('2026-11-24')).toBeNull();
  });

  it('closes municipal offices from 12/29 to 1/3 by default', () => {
    for (const d of ['2026-12-29', '2026-12-30', '2026-12-31', '2027-01-02', '2027-01-03']) {
      expect(isHoliday(d)).toBe(true);
      expect(holidayName(d)).toBe('年末年始');
    }
    expect(isBusinessDay('2026-12-28')).toBe(true);
    expect(isBusinessDay('2027-01-04')).toBe(true);
  });

  it('lets an office without a year-end closure work on 12/29', () => {
    const open = { yearEndClosure: null };
    expect(isBusinessDay('2026-12-29', open)).toBe(true);
    expect(isBusinessDay('2027-01-01', open)).toBe(false);
    expect(nextBusinessDay('2026-12-28', open)).toBe('2026-12-29');
    const longer = { yearEndClosure: { from: '12-26', to: '01-05' } };
    expect(nextBusinessDay('2026-12-25', longer)).toBe('2027-01-06');
  });

  it('does not treat a weekend as a holiday, but never as a business day', () => {
    expect(isHoliday('2026-11-21')).toBe(false);
    expect(isBusinessDay('2026-11-21')).toBe(false);
  });
});

describe('business days', () => {
  it('skips ゴールデンウィーク at the end of April', () => {
    expect(lastBusinessDaysOfMonth('2026-04', 3)).toEqual(['2026-04-27', '2026-04-28', '2026-04-30']);
    expect(lastBusinessDaysOfMonth('2027-04', 2)).toEqual(['2027-04-28', '2027-04-30']);
    expect(nextBusinessDay('2026-05-01')).toBe('2026-05-07');
    expect(businessDayOnOrBefore('2026-05-06')).toBe('2026-05-01');
    expect(businessDayOnOrAfter('2026-05-03')).toBe('2026-05-07');
  });

  it('skips 年末年始 at the end of December', () => {
    expect(lastBusinessDaysOfMonth('2026-12', 2)).toEqual(['2026-12-25', '2026-12-28']);
    expect(nextBusinessDay('2026-12-28')).toBe('2027-01-04');
    expect(businessDayOnOrBefore('2027-01-03')).toBe('2026-12-28');
  });

  it('skips the silver week in September', () => {
    expect(nextBusinessDay('2026-09-18')).toBe('2026-09-24');
  });

  it('includes the leap day of a leap February', () => {
    expect(lastBusinessDaysOfMonth('2028-02', 2)).toEqual(['2028-02-28', '2028-02-29']);
  });

  it('returns every business day when asked for more than the month has', () => {
    const all = lastBusinessDaysOfMonth('2026-05', 40);
    expect(all).toHaveLength(18);
    expect(all[0]).toBe('2026-05-01');
  });

  it('adds business days over a weekend and a Monday holiday', () => {
    expect(addBusinessDays('2026-11-20', 1)).toBe('2026-11-24');
    expect(addBusinessDays('2026-11-24', -1)).toBe('2026-11-20');
    expect(addBusinessDays('2026-11-21', 1)).toBe('2026-11-24');
    expect(addBusinessDays('2026-11-21', 0)).toBe('2026-11-21');
    expect(addBusinessDays('2026-12-25', 2)).toBe('2027-01-04');
  });

  it('never gives a weekend or 祝日 as the next business day, nor skips one', () => {
    fc.assert(
      fc.property(arbDate(), (d) => {
        const next = nextBusinessDay(d);
        expect(isClosed(next)).toBe(false);
        expect(compareDates(next, d)).toBe(1);
        for (let x = addDays(d, 1); x < next; x = addDays(x, 1)) expect(isBusinessDay(x)).toBe(false);
        expect(isClosed(businessDayOnOrBefore(d))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('never gives a weekend or 祝日 among the last business days of a month', () => {
    fc.assert(
      fc.property(arbMonth, fc.integer({ min: 1, max: 5 }), (month, n) => {
        const days = lastBusinessDaysOfMonth(month, n);
        expect(days).toHaveLength(n);
        expect([...days].sort()).toEqual(days);
        for (const d of days) {
          expect(isClosed(d)).toBe(false);
          expect(monthOf(d)).toBe(month);
        }
        const first = days[0] as IsoDate;
        const later = lastBusinessDaysOfMonth(month, 40).filter((d) => d > first);
        expect(later).toEqual(days.slice(1));
      }),
      { numRuns: 500 },
    );
  });
});

describe('business hours for urgent requests', () => {
  const at = (d: IsoDate, h: number, m = 0) => jstInstant(d, h, m);

  it('counts a full business day as 8 h 45 min', () => {
    expect(businessHoursBetween(at('2026-11-24', 0), at('2026-11-25', 0))).toBe(8.75);
  });

  it('does not count a weekend or a Monday holiday', () => {
    // Friday 17:00 → Tuesday 10:00: 15 min on Friday, nothing on 11/21–23, 1.5 h on Tuesday.
    expect(businessHoursBetween(at('2026-11-20', 17), at('2026-11-24', 10))).toBe(1.75);
  });

  it('counts only office hours within one day', () => {
    expect(businessHoursBetween(at('2026-11-24', 7), at('2026-11-24', 9))).toBe(0.5);
    expect(businessHoursBetween(at('2026-11-24', 12), at('2026-11-24', 20))).toBe(5.25);
  });

  it('is zero over 年末年始 and when the end is not after the start', () => {
    expect(businessHoursBetween(at('2026-12-28', 17, 15), at('2027-01-04', 8, 30))).toBe(0);
    expect(businessHoursBetween(at('2026-11-24', 12), at('2026-11-24', 9))).toBe(0);
  });
});

describe('和暦 and Japanese date formatting', () => {
  it.each([
    ['2026-11-22', '令和8年11月22日'],
    ['2019-05-01', '令和元年5月1日'],
    ['2019-04-30', '平成31年4月30日'],
    ['1989-01-08', '平成元年1月8日'],
    ['1989-01-07', '昭和64年1月7日'],
    ['1926-12-25', '昭和元年12月25日'],
  ])('writes %s as %s', (date, text) => {
    expect(formatWareki(date)).toBe(text);
  });

  it('names a month by its era, the era of its first day when it changed', () => {
    expect(formatWarekiMonth('2026-11')).toBe('令和8年11月');
    expect(formatWarekiMonth('2019-05')).toBe('令和元年5月');
    expect(formatWarekiMonth('2019-04')).toBe('平成31年4月');
    expect(formatWarekiMonth('1989-01')).toBe('昭和64年1月');
  });

  it('writes the weekday in Japanese', () => {
    expect(formatJpDate('2026-11-22')).toBe('2026年11月22日(日)');
    expect(formatJpDate('2028-02-29')).toBe('2028年2月29日(火)');
  });
});
