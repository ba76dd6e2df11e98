import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUserError, type UserError } from '../../src/core/errors';
import { addDays, daysBetween, isIsoDate, isIsoMonth, monthOf } from '../../src/core/calendar/jst';
import { parseJapaneseDate, parseJapaneseMonth } from '../../src/core/calendar/parse-date';
import { formatJpDate, formatJpMonth, formatWareki, formatWarekiMonth, toWareki } from '../../src/core/calendar/wareki';

const TODAY = '2026-06-10';

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    if (isUserError(e)) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}

describe('parseJapaneseDate accepts what counselors type', () => {
  it.each([
    ['2026-11-22', '2026-11-22'],
    ['2026/11/22', '2026-11-22'],
    ['2026.11.22', '2026-11-22'],
    ['2026/1/5', '2026-01-05'],
    ['20261122', '2026-11-22'],
    ['２０２６／１１／２２', '2026-11-22'],
    ['２０２６－１１－２２', '2026-11-22'],
    [' 2026-11-22 ', '2026-11-22'],
    ['2026年11月22日', '2026-11-22'],
    ['2026 年 11 月 22 日', '2026-11-22'],
    ['2026年11月22日(日)', '2026-11-22'],
    ['2026年11月22日（日曜日）', '2026-11-22'],
    ['11/22', '2026-11-22'],
    ['１１／２２', '2026-11-22'],
    ['11月22日', '2026-11-22'],
    ['1/5', '2026-01-05'],
    ['令和8年11月22日', '2026-11-22'],
    ['令和８年１１月２２日', '2026-11-22'],
    ['㋿8年11月22日', '2026-11-22'],
    ['令和元年5月1日', '2019-05-01'],
    ['R8.11.22', '2026-11-22'],
    ['r8.11.22', '2026-11-22'],
    ['Ｒ８．１１．２２', '2026-11-22'],
    ['R8/11/22', '2026-11-22'],
    ['R元.5.1', '2019-05-01'],
    ['H31.4.30', '2019-04-30'],
    ['H31.1.1', '2019-01-01'],
    ['平成31年4月30日', '2019-04-30'],
    ['平成元年1月8日', '1989-01-08'],
    ['S64.1.7', '1989-01-07'],
    ['昭和64年1月7日', '1989-01-07'],
    ['2028-02-29', '2028-02-29'],
  ])('reads %s as %s', (input, expected) => {
    expect(parseJapaneseDate(input, TODAY)).toBe(expected);
  });

  it.each([
    ['今日', 0],
    ['本日', 0],
    ['きょう', 0],
    ['昨日', -1],
    ['きのう', -1],
    ['一昨日', -2],
    ['おととい', -2],
    ['明日', 1],
    ['あした', 1],
  ])('reads %s relative to today in Japan', (input, offset) => {
    expect(parseJapaneseDate(input, TODAY)).toBe(addDays(TODAY, offset));
  });

  it('reads 昨日 on the 1st of March of a leap year as the leap day', () => {
    expect(parseJapaneseDate('昨日', '2028-03-01')).toBe('2028-02-29');
  });

  it('reads month/day as this year even when it is months away', () => {
    expect(parseJapaneseDate('1/5', '2026-12-28')).toBe('2026-01-05');
  });
});

describe('parseJapaneseDate refuses what is not a date', () => {
  it.each([
    ['2026-02-30'],
    ['2027-02-29'],
    ['2026-13-01'],
    ['2026-00-10'],
    ['11/31'],
    ['13月1日'],
    ['令和0年1月1日'],
    ['平成32年1月1日'],
    ['平成31年5月1日'],
    ['H31.5.1'],
    ['令和元年4月30日'],
    ['昭和64年1月8日'],
    ['S65.1.1'],
    [''],
    ['   '],
    ['あさってのあと'],
    ['来週'],
    ['2026-11'],
    ['26/11/22'],
    ['2026-11-22-1'],
    ['1026-11-22'],
    ['20026-11-22'],
    ['2026年11月22日(月)'],
  ])('refuses %j with bad_date', (input) => {
    const e = errorOf(() => parseJapaneseDate(input, TODAY));
    expect(e.code).toBe('bad_date');
    expect(e.userMessage).toContain('例：');
  });

  it('shows examples built from today, in every accepted style', () => {
    const e = errorOf(() => parseJapaneseDate('そのうち', TODAY));
    expect(e.userMessage).toBe(
      '日付として読み取れませんでした。例：2026-06-10、2026/6/10、6/10、6月10日、令和8年6月10日、R8.6.10、今日・昨日・明日',
    );
  });

  it('says which part is wrong for a day that does not exist or an era that had ended', () => {
    expect(errorOf(() => parseJapaneseDate('2026-02-30', TODAY)).userMessage).toMatch(/^その日付はありません/);
    expect(errorOf(() => parseJapaneseDate('平成32年1月1日', TODAY)).userMessage).toMatch(/^元号と年の組み合わせが正しくありません/);
    expect(errorOf(() => parseJapaneseDate('', TODAY)).userMessage).toMatch(/^日付が入力されていません/);
  });

  it('keeps the typed text out of the log message', () => {
    const e = errorOf(() => parseJapaneseDate('1975-02-30', TODAY));
    expect(e.message).not.toContain('1975');
    expect(e.userMessage).not.toContain('1975');
  });

  it('attaches the message to the form field when asked', () => {
    const e = errorOf(() => parseJapaneseDate('x', TODAY, { field: 'due_date' }));
    expect(e.fieldErrors?.due_date).toBe(e.userMessage);
  });

  it('either returns a real date or throws a UserError, for any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9０-９RH令和平成年月日./-]{0,12}$/)), (s) => {
        try {
          expect(isIsoDate(parseJapaneseDate(s, TODAY))).toBe(true);
        } catch (e) {
          expect(isUserError(e)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseJapaneseMonth', () => {
  it.each([
    ['2026-11', '2026-11'],
    ['2026/11', '2026-11'],
    ['2026.1', '2026-01'],
    ['202611', '2026-11'],
    ['2026年11月', '2026-11'],
    ['11月', '2026-11'],
    ['１１月', '2026-11'],
    ['令和8年11月', '2026-11'],
    ['R8.11', '2026-11'],
    ['R8/11', '2026-11'],
    ['平成31年4月', '2019-04'],
    ['令和元年5月', '2019-05'],
    ['昭和64年1月', '1989-01'],
    ['平成元年1月', '1989-01'],
    ['今月', '2026-06'],
    ['来月', '2026-07'],
    ['先月', '2026-05'],
  ])('reads %s as %s', (input, expected) => {
    expect(parseJapaneseMonth(input, TODAY)).toBe(expected);
  });

  it.each([
    ['13月'],
    ['0月'],
    ['2026-13'],
    ['令和8年13月'],
    ['平成31年5月'],
    ['令和元年4月'],
    ['令和0年1月'],
    [''],
    ['11'],
    ['2026-11-22'],
  ])('refuses %j with bad_month and examples', (input) => {
    const e = errorOf(() => parseJapaneseMonth(input, TODAY));
    expect(e.code).toBe('bad_month');
    expect(e.userMessage).toContain('例：2026-06、2026年6月、6月、令和8年6月');
  });
});

describe('round trips between formatting and parsing', () => {
  const arbDate = fc.integer({ min: 0, max: daysBetween('1900-01-01', '2100-12-31') }).map((n) => addDays('1900-01-01', n));

  it('reads back every date written in 西暦, 和暦 and era initials', () => {
    fc.assert(
      fc.property(arbDate, (d) => {
        expect(parseJapaneseDate(d, TODAY)).toBe(d);
        expect(parseJapaneseDate(d.replaceAll('-', '/'), TODAY)).toBe(d);
        expect(parseJapaneseDate(d.replaceAll('-', ''), TODAY)).toBe(d);
        expect(parseJapaneseDate(formatJpDate(d), TODAY)).toBe(d);
        expect(parseJapaneseDate(formatWareki(d), TODAY)).toBe(d);
        const w = toWareki(d);
        if (w) {
          const [, m, day] = d.split('-').map(Number);
          expect(parseJapaneseDate(`${w.era.initial}${w.eraYear}.${m}.${day}`, TODAY)).toBe(d);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reads back every month written in 西暦 and 和暦', () => {
    fc.assert(
      fc.property(arbDate.map(monthOf), (m) => {
        expect(isIsoMonth(m)).toBe(true);
        expect(parseJapaneseMonth(m, TODAY)).toBe(m);
        expect(parseJapaneseMonth(formatJpMonth(m), TODAY)).toBe(m);
        expect(parseJapaneseMonth(formatWarekiMonth(m), TODAY)).toBe(m);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads back every era boundary day', () => {
    for (const d of ['1912-07-30', '1926-12-24', '1926-12-25', '1989-01-07', '1989-01-08', '2019-04-30', '2019-05-01']) {
      expect(parseJapaneseDate(formatWareki(d), TODAY)).toBe(d);
    }
  });
});
