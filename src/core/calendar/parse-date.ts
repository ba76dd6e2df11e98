/**
 * Reads the dates a counselor types on a phone: 西暦 with any separator, 和暦 in kanji or
 * initials (R8.11.22), month/day of this year, full-width digits, and words like 今日 / 昨日.
 * Anything else is a UserError that shows examples built from today's date.
 */
import { UserError } from '../errors';
import {
  addDays,
  addMonths,
  dateParts,
  isoDate,
  isoMonth,
  isValidDateParts,
  monthOf,
  weekdayOf,
  WEEKDAYS_JA,
  type IsoDate,
  type IsoMonth,
} from './jst';
import { ERAS, formatWareki, formatWarekiMonth, gregorianYear, isDateInEra, isMonthInEra, toWareki, type Era } from './wareki';

export interface ParseOptions {
  /** Form field name; when given, the error carries fieldErrors[field]. */
  field?: string;
}

// A range, so that a slip such as 20026 or 1026 is caught here and not stored.
const MIN_YEAR = 1900;
const MAX_YEAR = 2100;

const RELATIVE_DAYS: Record<string, number> = {
  今日: 0,
  本日: 0,
  きょう: 0,
  昨日: -1,
  きのう: -1,
  一昨日: -2,
  おととい: -2,
  おとつい: -2,
  明日: 1,
  あした: 1,
  あす: 1,
  明後日: 2,
  あさって: 2,
};

const RELATIVE_MONTHS: Record<string, number> = { 今月: 0, 先月: -1, 前月: -1, 来月: 1, 翌月: 1 };

const ERA_TOKEN = '(令和|平成|昭和|大正|[RHST])(\\d{1,2}|元)';
const SEP = '[-/.]';

const DATE_PATTERNS: { re: RegExp; kind: 'ymd' | 'md' | 'era' }[] = [
  { re: new RegExp(`^(\\d{4})${SEP}(\\d{1,2})${SEP}(\\d{1,2})$`), kind: 'ymd' },
  { re: /^(\d{4})(\d{2})(\d{2})$/, kind: 'ymd' },
  { re: /^(\d{4})年(\d{1,2})月(\d{1,2})日?$/, kind: 'ymd' },
  { re: new RegExp(`^(\\d{1,2})${SEP}(\\d{1,2})$`), kind: 'md' },
  { re: /^(\d{1,2})月(\d{1,2})日?$/, kind: 'md' },
  { re: new RegExp(`^${ERA_TOKEN}(?:年|${SEP})(\\d{1,2})(?:月|${SEP})(\\d{1,2})日?$`), kind: 'era' },
];

const MONTH_PATTERNS: { re: RegExp; kind: 'ym' | 'm' | 'era' }[] = [
  { re: new RegExp(`^(\\d{4})${SEP}(\\d{1,2})$`), kind: 'ym' },
  { re: /^(\d{4})(\d{2})$/, kind: 'ym' },
  { re: /^(\d{4})年(\d{1,2})月?$/, kind: 'ym' },
  { re: /^(\d{1,2})月$/, kind: 'm' },
  { re: new RegExp(`^${ERA_TOKEN}(?:年|${SEP})(\\d{1,2})月?$`), kind: 'era' },
];

/** Full-width → half-width (NFKC also turns ㋿ into 令和), no spaces, one kind of dash. */
function normalize(input: string): string {
  return input
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(/[‐‑‒–—―−ー]/g, '-')
    .toUpperCase();
}

function findEra(token: string): Era {
  const era = ERAS.find((e) => e.name === token || e.initial === token);
  if (!era) throw new Error(`unreachable: era token ${token}`);
  return era;
}

const eraYearOf = (token: string) => (token === '元' ? 1 : Number(token));

type Failure = 'unreadable' | 'empty' | 'no_such_date' | 'era_range' | 'year_range' | 'weekday';

const ERA_RANGE_TEXT = '元号と年の組み合わせが正しくありません（平成は31年4月30日まで、令和は元年5月1日から）。';
const YEAR_RANGE_TEXT = `年は${MIN_YEAR}年から${MAX_YEAR}年の間で入力してください。`;

const DATE_FAILURE_TEXT: Record<Failure, string> = {
  unreadable: '日付として読み取れませんでした。',
  empty: '日付が入力されていません。',
  no_such_date: 'その日付はありません（月は1〜12、日はその月の末日まで）。',
  era_range: ERA_RANGE_TEXT,
  year_range: YEAR_RANGE_TEXT,
  weekday: '日付と曜日が合っていません。日付をもう一度お確かめください。',
};

const MONTH_FAILURE_TEXT: Record<Failure, string> = {
  ...DATE_FAILURE_TEXT,
  unreadable: '年月として読み取れませんでした。',
  empty: '年月が入力されていません。',
  no_such_date: '月は1〜12で入力してください。',
};

class ParseFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure);
  }
}

function dateExamples(today: IsoDate): string {
  const { year, month, day } = dateParts(today);
  const w = toWareki(today);
  const initial = w ? `、${w.era.initial}${w.eraYear}.${month}.${day}` : '';
  return `${today}、${year}/${month}/${day}、${month}/${day}、${month}月${day}日、${formatWareki(today)}${initial}、今日・昨日・明日`;
}

function monthExamples(today: IsoDate): string {
  const { year, month } = dateParts(today);
  return `${monthOf(today)}、${year}年${month}月、${month}月、${formatWarekiMonth(monthOf(today))}、今月・来月`;
}

function userError(code: 'bad_date' | 'bad_month', failure: Failure, examples: string, opts: ParseOptions | undefined): UserError {
  const text = code === 'bad_date' ? DATE_FAILURE_TEXT : MONTH_FAILURE_TEXT;
  const message = `${text[failure]}例：${examples}`;
  // The input itself stays out of the log: a date typed here may be a birth date.
  const log = `${code}: ${failure}`;
  return new UserError(code, message, log, opts?.field ? { [opts.field]: message } : undefined);
}

function checkedDate(year: number, month: number, day: number): IsoDate {
  if (year < MIN_YEAR || year > MAX_YEAR) throw new ParseFailure('year_range');
  if (!isValidDateParts(year, month, day)) throw new ParseFailure('no_such_date');
  return isoDate(year, month, day);
}

function checkedMonth(year: number, month: number): IsoMonth {
  if (year < MIN_YEAR || year > MAX_YEAR) throw new ParseFailure('year_range');
  if (month < 1 || month > 12) throw new ParseFailure('no_such_date');
  return isoMonth(year, month);
}

function matchDate(s: string, today: IsoDate): IsoDate {
  const relative = RELATIVE_DAYS[s];
  if (relative !== undefined) return addDays(today, relative);
  for (const { re, kind } of DATE_PATTERNS) {
    const m = re.exec(s);
    if (!m) continue;
    const n = m.slice(1).map((g) => g ?? '');
    if (kind === 'ymd') return checkedDate(Number(n[0]), Number(n[1]), Number(n[2]));
    if (kind === 'md') return checkedDate(dateParts(today).year, Number(n[0]), Number(n[1]));
    const era = findEra(n[0] ?? '');
    const eraYear = eraYearOf(n[1] ?? '');
    if (eraYear < 1) throw new ParseFailure('era_range');
    const date = checkedDate(gregorianYear(era, eraYear), Number(n[2]), Number(n[3]));
    if (!isDateInEra(date, era)) throw new ParseFailure('era_range');
    return date;
  }
  throw new ParseFailure('unreadable');
}

/** Parses a typed date relative to today (JST); throws UserError('bad_date') with examples. */
export function parseJapaneseDate(input: string, today: IsoDate, opts?: ParseOptions): IsoDate {
  let s = normalize(input);
  try {
    if (s === '') throw new ParseFailure('empty');
    // An optional weekday, as formatJpDate writes it: 2026年11月22日(日).
    const wd = /\(([日月火水木金土])(?:曜日?)?\)$/.exec(s);
    if (wd) s = s.slice(0, wd.index);
    const date = matchDate(s, today);
    if (wd && WEEKDAYS_JA[weekdayOf(date)] !== wd[1]) throw new ParseFailure('weekday');
    return date;
  } catch (e) {
    if (e instanceof ParseFailure) throw userError('bad_date', e.failure, dateExamples(today), opts);
    throw e;
  }
}

function matchMonth(s: string, today: IsoDate): IsoMonth {
  const relative = RELATIVE_MONTHS[s];
  if (relative !== undefined) return addMonths(monthOf(today), relative);
  for (const { re, kind } of MONTH_PATTERNS) {
    const m = re.exec(s);
    if (!m) continue;
    const n = m.slice(1).map((g) => g ?? '');
    if (kind === 'ym') return checkedMonth(Number(n[0]), Number(n[1]));
    if (kind === 'm') return checkedMonth(dateParts(today).year, Number(n[0]));
    const era = findEra(n[0] ?? '');
    const eraYear = eraYearOf(n[1] ?? '');
    if (eraYear < 1) throw new ParseFailure('era_range');
    const month = checkedMonth(gregorianYear(era, eraYear), Number(n[2]));
    if (!isMonthInEra(month, era)) throw new ParseFailure('era_range');
    return month;
  }
  throw new ParseFailure('unreadable');
}

/** Parses a typed month ('2026-11', '11月', '令和8年11月', 'R8.11', '来月'); throws UserError('bad_month'). */
export function parseJapaneseMonth(input: string, today: IsoDate, opts?: ParseOptions): IsoMonth {
  const s = normalize(input);
  try {
    if (s === '') throw new ParseFailure('empty');
    return matchMonth(s, today);
  } catch (e) {
    if (e instanceof ParseFailure) throw userError('bad_month', e.failure, monthExamples(today), opts);
    throw e;
  }
}
