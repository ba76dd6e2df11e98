import { parse } from 'csv-parse/sync';
import { isoDate, isIsoDate, isValidDateParts, type IsoDate } from '../calendar/jst';
import { parseJapaneseDate, parseJapaneseMonth } from '../calendar/parse-date';
import { isUserError, UserError } from '../errors';
import { kindFromText, kindLabel, PERSON_MEETING_KIND, type MeetingKind } from './kinds';
import { MAX_PLACE, MAX_TITLE } from './schedule';
import { resolveStaffName, type StaffOption } from './staff';
import { parseTimeRange, type TimeOfDay } from './time';

/** One row of a year plan, checked and ready to schedule. */
export interface PlanRow {
  line: number;
  title: string;
  kind: MeetingKind;
  bodyName: string;
  date: IsoDate;
  start: TimeOfDay;
  end: TimeOfDay | null;
  place: string | null;
  attendeeIds: string[];
}

/** Header names (after NFKC and without spaces) → column. Alternatives follow the 綾瀬市 plan's words. */
const HEADERS: Record<string, 'title' | 'kind' | 'body' | 'date' | 'time' | 'place' | 'attendees'> = {
  会議名: 'title',
  名称: 'title',
  種別: 'kind',
  会議体: 'body',
  部会名: 'body',
  日付: 'date',
  開催日: 'date',
  時間: 'time',
  時刻: 'time',
  場所: 'place',
  会場: 'place',
  参加者: 'attendees',
  出席者: 'attendees',
};
const REQUIRED = ['title', 'kind', 'date', 'time'] as const;
const REQUIRED_LABEL: Record<(typeof REQUIRED)[number], string> = { title: '会議名', kind: '種別', date: '日付', time: '時間' };
const MAX_PLAN_ROWS = 500;
const MAX_PLAN_CHARS = 200_000;
/** Kinds whose meetings each belong to their own body named like the meeting (災害対策部会, 精神分野連絡会). */
const BODY_FROM_TITLE: readonly MeetingKind[] = ['bukai', 'renrakukai'];

/** 年度 as typed: 2026, 2026年度, 令和8年度, R8. */
export function parseFiscalYear(input: string, today: IsoDate): number {
  const s = input
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(/年度$|年$/, '');
  if (/^\d{4}$/.test(s)) return Number(s);
  try {
    return Number(parseJapaneseMonth(`${s}年4月`, today).slice(0, 4));
  } catch (e) {
    if (!isUserError(e)) throw e;
    const msg = '年度を読み取れませんでした。例: 2026、令和8年度';
    throw new UserError('bad_fiscal_year', msg, 'bad fiscal year', { fiscalYear: msg });
  }
}

/** A plan date: a full date anywhere in the 年度, or month/day placed in it (4–12月 → that year, 1–3月 → the next). */
function planDate(text: string, fiscalYear: number, today: IsoDate): IsoDate | string {
  const s = text.normalize('NFKC').replace(/\s+/g, '');
  const md = /^(\d{1,2})(?:\/|月)(\d{1,2})日?$/.exec(s);
  let date: IsoDate;
  if (md) {
    const month = Number(md[1]);
    const day = Number(md[2]);
    const year = month >= 4 ? fiscalYear : fiscalYear + 1;
    if (!isValidDateParts(year, month, day)) return `日付「${text}」はありません。`;
    date = isoDate(year, month, day);
  } else {
    try {
      date = parseJapaneseDate(s, today);
    } catch (e) {
      if (!isUserError(e)) throw e;
      return `日付「${text}」を読み取れませんでした（例: 7/28、2026/7/28、令和8年7月28日）。`;
    }
  }
  if (!isIsoDate(date) || date < `${fiscalYear}-04-01` || date > `${fiscalYear + 1}-03-31`) {
    return `日付「${text}」が${fiscalYear}年度（${fiscalYear}年4月1日〜${fiscalYear + 1}年3月31日）の外です。`;
  }
  return date;
}

const ATTENDEE_SEPARATOR = /[、,，;；\n]/;

/**
 * Parses and checks a whole plan file. Every problem is reported on its own, with its line
 * number, in Japanese; the caller imports nothing unless `errors` is empty (a dry run is the same call).
 */
export function parsePlanCsv(
  text: string,
  fiscalYear: number,
  staff: readonly StaffOption[],
  today: IsoDate,
): { rows: PlanRow[]; errors: string[] } {
  if (text.trim() === '') return { rows: [], errors: ['CSVが空です。見出し行（会議名,種別,日付,時間,…）から貼り付けてください。'] };
  if (text.includes('\uFFFD')) {
    return {
      rows: [],
      errors: [
        '文字化けしています（Shift_JISのファイルを別の文字コードとして読んだときに起こります）。CSVファイルを「ファイルを選ぶ」から送るか、Excelで「CSV UTF-8（コンマ区切り）」で保存し直してください。',
      ],
    };
  }
  if (text.length > MAX_PLAN_CHARS)
    return { rows: [], errors: [`CSVが大きすぎます（${MAX_PLAN_CHARS.toLocaleString('ja-JP')}文字まで）。年度ごとに分けてください。`] };
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info: true` each record comes as { record, info }; the library's overloads type it as string[][].
    records = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as typeof records;
  } catch (e) {
    const line = typeof (e as { lines?: unknown }).lines === 'number' ? (e as { lines: number }).lines : null;
    return { rows: [], errors: [`${line ? `${line}行目付近: ` : ''}CSVとして読み取れませんでした（「"」の閉じ忘れなど）。`] };
  }
  const lineOf = (r: (typeof records)[number]) => r.info.lines - r.record.reduce((n, f) => n + (f.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
  const [head, ...body] = records;
  if (!head) return { rows: [], errors: ['CSVが空です。'] };
  const columns = head.record.map((h) => HEADERS[h.normalize('NFKC').replace(/\s+/g, '')] ?? null);
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    return {
      rows: [],
      errors: [
        `${lineOf(head)}行目（見出し）: 列「${missing.map((c) => REQUIRED_LABEL[c]).join('」「')}」がありません。見出しは 会議名,種別,会議体,日付,時間,場所,参加者 です。`,
      ],
    };
  }
  if (body.length === 0) return { rows: [], errors: ['見出し行のほかに会議の行がありません。'] };
  if (body.length > MAX_PLAN_ROWS) return { rows: [], errors: [`会議の行が多すぎます（${MAX_PLAN_ROWS}行まで）。`] };

  const rows: PlanRow[] = [];
  const errors: string[] = [];
  const seen = new Map<string, number>();
  for (const r of body) {
    const line = lineOf(r);
    const cell = (c: string) => {
      const i = columns.indexOf(c as never);
      return i < 0 ? '' : (r.record[i] ?? '').trim();
    };
    const problems: string[] = [];
    if (r.record.length > columns.length && r.record.slice(columns.length).some((v) => v.trim() !== '')) {
      problems.push(`列が見出しより多くあります（${r.record.length}列）。値に「,」を含むときは「"」で囲んでください。`);
    }
    const title = cell('title');
    if (title === '') problems.push('会議名が空です。');
    else if ([...title].length > MAX_TITLE) problems.push(`会議名は${MAX_TITLE}文字以内にしてください。`);
    const kindText = cell('kind');
    const kind = kindFromText(kindText);
    if (kindText === '') problems.push('種別が空です。');
    else if (!kind)
      problems.push(
        `種別「${kindText}」は使えません（運営会議、定例会、専門部会、全体会、事務局会議、事例検討、事業所連絡会、個別事例連携会議、重層的支援会議）。`,
      );
    else if (kind === PERSON_MEETING_KIND)
      problems.push('サービス担当者会議はケースごとに「会議 新規」で登録してください（計画表からは取り込めません）。');
    const dateText = cell('date');
    const date = dateText === '' ? '日付が空です。' : planDate(dateText, fiscalYear, today);
    if (!isIsoDate(date)) problems.push(date);
    let time: ReturnType<typeof parseTimeRange> | null = null;
    try {
      time = parseTimeRange(cell('time'));
    } catch (e) {
      if (!isUserError(e)) throw e;
      problems.push(`時間「${cell('time')}」: ${e.userMessage}`);
    }
    const place = cell('place');
    if ([...place].length > MAX_PLACE) problems.push(`場所は${MAX_PLACE}文字以内にしてください。`);
    const attendeeIds: string[] = [];
    for (const name of cell('attendees')
      .split(ATTENDEE_SEPARATOR)
      .map((s) => s.trim())
      .filter(Boolean)) {
      const found = resolveStaffName(staff, name, '参加者');
      if ('error' in found) problems.push(found.error);
      else if (!attendeeIds.includes(found.id)) attendeeIds.push(found.id);
    }
    if (problems.length === 0 && kind && time && isIsoDate(date)) {
      const key = `${kind}|${title}|${date}|${time.start.hour}:${time.start.minute}`;
      const dup = seen.get(key);
      if (dup !== undefined) problems.push(`${dup}行目と同じ会議（同じ会議名・日時）です。`);
      seen.set(key, line);
    }
    if (problems.length > 0 || !kind || !time || !isIsoDate(date)) {
      // One entry per problem, each with its line: several errors of one line read apart.
      for (const p of problems) errors.push(`${line}行目: ${p}`);
      continue;
    }
    const bodyName = cell('body') || (BODY_FROM_TITLE.includes(kind) ? title : kindLabel(kind));
    rows.push({ line, title, kind, bodyName, date, start: time.start, end: time.end, place: place || null, attendeeIds });
  }
  return { rows, errors };
}
