import { parse } from 'csv-parse/sync';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client';
import { offices, persons, staff } from '../../../db/schema/index';
import { writeAudit } from '../audit/write';
import { jstToday } from '../calendar/jst';
import { parseJapaneseDate } from '../calendar/parse-date';
import { createPerson, createPlan, type NewPerson, type NewPlan } from '../cases/create';
import { isUserError } from '../errors';
import { MONITORING_FREQUENCIES } from '../monitoring/months';
import type { AdminContext } from './directory';

/** One bad row: its line in the file (1 = the header) and everything wrong with it. */
interface RowError {
  line: number;
  messages: string[];
}

export interface ImportResult {
  /** True when every row is valid (and, without dry run, everything was imported). */
  ok: boolean;
  dryRun: boolean;
  rows: number;
  imported: number;
  errors: RowError[];
}

/** Column → accepted header names (Japanese as municipalities write them, or English). */
const PERSON_COLUMNS = {
  office: ['事業所', 'office'],
  counselor: ['担当者', 'counselor'],
  familyName: ['姓', 'family_name'],
  givenName: ['名', 'given_name'],
  familyKana: ['せい', 'セイ', 'family_kana'],
  givenKana: ['めい', 'メイ', 'given_kana'],
  birthDate: ['生年月日', 'birth_date'],
  categories: ['障害種別', 'disability_categories'],
  recipientNumber: ['受給者証番号', 'recipient_number'],
  consent: ['基幹への同意', 'consent_kikan'],
} as const;

const PLAN_COLUMNS = {
  caseCode: ['ケース番号', 'case_code'],
  periodStart: ['開始日', 'period_start'],
  periodEnd: ['終了日', 'period_end'],
  frequency: ['頻度', 'frequency_months'],
  standardMonths: ['標準月', 'standard_months'],
  certificateEnd: ['受給者証期限', 'certificate_end'],
  countFrom: ['起算', 'count_from'],
} as const;

const CATEGORIES = ['身体', '知的', '精神', '発達', '難病', '児童'];
const KANA = /^[\p{Script=Hiragana}\p{Script=Katakana}ー・\s]+$/u;
const YES = ['はい', 'あり', '有', 'yes', 'true', '1', '同意'];
const NO = ['いいえ', 'なし', '無', 'no', 'false', '0', '', '不同意'];

type Columns = Record<string, readonly string[]>;
type Row<C extends Columns> = Record<keyof C, string>;

interface Parsed<C extends Columns> {
  rows: { line: number; row: Row<C> }[];
  fileError?: RowError;
}

/** Parses the CSV (UTF-8, BOM or not) and maps its headers; a malformed file is one error. */
function parseCsv<C extends Columns>(text: string, columns: C, required: (keyof C)[]): Parsed<C> {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      columns: (h: string[]) => h.map((x) => x.trim()),
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    });
  } catch (e) {
    const line = (e as { lines?: number }).lines ?? 1;
    return { rows: [], fileError: { line, messages: ['CSVとして読めません（引用符の閉じ忘れなど）。'] } };
  }
  const headers = records[0] ? Object.keys(records[0].record) : (parse(text, { bom: true, to_line: 1 })[0] ?? []);
  const key = (c: keyof C) => columns[c]?.find((name) => headers.includes(name));
  const missing = required.filter((c) => !key(c));
  if (missing.length > 0) {
    return {
      rows: [],
      fileError: { line: 1, messages: [`見出しに必要な列がありません: ${missing.map((c) => columns[c]?.[0]).join('、')}`] },
    };
  }
  const rows = records.map(({ record, info }) => {
    const row = {} as Row<C>;
    for (const c of Object.keys(columns) as (keyof C)[]) {
      const k = key(c);
      row[c] = (k ? record[k] : '') ?? '';
    }
    return { line: info.lines, row };
  });
  return { rows };
}

function dateOrError(value: string, today: string, label: string, problems: string[]): string | null {
  if (value === '') return null;
  try {
    return parseJapaneseDate(value, today);
  } catch (e) {
    if (!isUserError(e)) throw e;
    problems.push(`${label}「${value}」が日付として読めません。`);
    return null;
  }
}

/**
 * Imports persons (利用者) from CSV. Every row is checked first; any bad row means nothing is
 * imported and every bad row is reported by line. Otherwise all rows go in one transaction.
 */
export async function importPersons(
  db: Db,
  ctx: AdminContext,
  tenantId: string,
  csv: string,
  opts: { dryRun: boolean; now: Date },
): Promise<ImportResult> {
  const parsed = parseCsv(csv, PERSON_COLUMNS, ['office', 'familyName', 'givenName', 'familyKana', 'givenKana']);
  if (parsed.fileError) return { ok: false, dryRun: opts.dryRun, rows: 0, imported: 0, errors: [parsed.fileError] };
  const today = jstToday(opts.now);
  const officeRows = await db.select({ id: offices.id, name: offices.name }).from(offices).where(eq(offices.tenantId, tenantId));
  const staffRows = await db
    .select({ id: staff.id, name: staff.name, officeId: staff.officeId })
    .from(staff)
    .where(eq(staff.tenantId, tenantId));
  const existing = await db
    .select({ f: persons.familyName, g: persons.givenName, b: persons.birthDate })
    .from(persons)
    .where(and(eq(persons.tenantId, tenantId), isNull(persons.deletedAt)));
  const seen = new Set(existing.map((p) => `${p.f}|${p.g}|${p.b ?? ''}`));
  const errors: RowError[] = [];
  const valid: NewPerson[] = [];
  for (const { line, row } of parsed.rows) {
    const problems: string[] = [];
    const office = officeRows.find((o) => o.name === row.office);
    if (!office) problems.push(`事業所「${row.office}」が登録されていません。`);
    for (const [c, label] of [
      ['familyName', '姓'],
      ['givenName', '名'],
      ['familyKana', 'せい'],
      ['givenKana', 'めい'],
    ] as const) {
      if (row[c] === '') problems.push(`${label}が空です。`);
      else if ([...row[c]].length > 50) problems.push(`${label}が長すぎます（50文字まで）。`);
    }
    for (const [c, label] of [
      ['familyKana', 'せい'],
      ['givenKana', 'めい'],
    ] as const)
      if (row[c] !== '' && !KANA.test(row[c].normalize('NFKC'))) problems.push(`${label}はひらがなかカタカナで入力してください。`);
    const birthDate = dateOrError(row.birthDate, today, '生年月日', problems);
    if (birthDate && birthDate > today) problems.push('生年月日が未来の日付です。');
    const categories = row.categories.split(/[;；、,\s]+/).filter(Boolean);
    const badCat = categories.filter((c) => !CATEGORIES.includes(c));
    if (badCat.length > 0) problems.push(`障害種別「${badCat.join('、')}」は ${CATEGORIES.join('・')} から選んでください。`);
    const recipient = row.recipientNumber.normalize('NFKC');
    if (recipient !== '' && !/^\d{10}$/.test(recipient)) problems.push('受給者証番号は10桁の数字です。');
    const consentText = row.consent.normalize('NFKC').toLowerCase();
    if (!YES.includes(consentText) && !NO.includes(consentText)) problems.push('基幹への同意は「はい」か「いいえ」で入力してください。');
    let counselorId: string | null = null;
    if (row.counselor !== '') {
      const c = staffRows.filter(
        (s) => s.name.replace(/\s/g, '') === row.counselor.replace(/\s/g, '') && (!office || s.officeId === office.id),
      );
      if (c.length !== 1 || !c[0]) problems.push(`担当者「${row.counselor}」がその事業所の職員として見つかりません。`);
      else counselorId = c[0].id;
    }
    const dupKey = `${row.familyName}|${row.givenName}|${birthDate ?? ''}`;
    if (seen.has(dupKey)) problems.push('同じ氏名・生年月日の方が既に登録されているか、ファイル内で重複しています。');
    seen.add(dupKey);
    if (problems.length > 0 || !office) errors.push({ line, messages: problems });
    else {
      valid.push({
        tenantId,
        officeId: office.id,
        counselorId,
        familyName: row.familyName,
        givenName: row.givenName,
        familyKana: row.familyKana,
        givenKana: row.givenKana,
        birthDate,
        disabilityCategories: categories,
        recipientNumber: recipient || null,
        consentKikan: YES.includes(consentText),
      });
    }
  }
  return finish(db, ctx, tenantId, 'person', parsed.rows.length, valid, errors, opts.dryRun, (tx, p) => createPerson(tx, p, opts.now));
}

/** Imports plans for registered persons (by case code), with the same all-or-nothing rule. */
export async function importPlans(
  db: Db,
  ctx: AdminContext,
  tenantId: string,
  csv: string,
  opts: { dryRun: boolean; now: Date },
): Promise<ImportResult> {
  const parsed = parseCsv(csv, PLAN_COLUMNS, ['caseCode', 'periodStart', 'periodEnd']);
  if (parsed.fileError) return { ok: false, dryRun: opts.dryRun, rows: 0, imported: 0, errors: [parsed.fileError] };
  const today = jstToday(opts.now);
  const codes = new Map(
    (
      await db
        .select({ id: persons.id, code: persons.code })
        .from(persons)
        .where(and(eq(persons.tenantId, tenantId), isNull(persons.deletedAt)))
    ).map((p) => [p.code, p.id]),
  );
  const errors: RowError[] = [];
  const valid: NewPlan[] = [];
  for (const { line, row } of parsed.rows) {
    const problems: string[] = [];
    const personId = codes.get(row.caseCode.normalize('NFKC').toUpperCase());
    if (!personId) problems.push(`ケース番号「${row.caseCode}」が登録されていません。`);
    const start = dateOrError(row.periodStart, today, '開始日', problems);
    const end = dateOrError(row.periodEnd, today, '終了日', problems);
    if (row.periodStart === '') problems.push('開始日が空です。');
    if (row.periodEnd === '') problems.push('終了日が空です。');
    if (start && end && start > end) problems.push('開始日が終了日より後です。');
    const freq = row.frequency === '' ? null : Number(row.frequency.normalize('NFKC').replace(/か月|ヶ月|ヵ月|月/g, ''));
    if (freq !== null && !MONITORING_FREQUENCIES.includes(freq as never)) problems.push('頻度は1・2・3・6・12（か月ごと）のいずれかです。');
    const months = row.standardMonths
      .split(/[;；、,\s]+/)
      .filter(Boolean)
      .map((m) => Number(m.replace(/月$/, '')));
    if (months.some((m) => !Number.isInteger(m) || m < 1 || m > 12))
      problems.push('標準月は1〜12の月をセミコロンで区切って入力してください（例: 7;10;1;4）。');
    if ((freq === null) === (months.length === 0)) problems.push('頻度か標準月のどちらか一方を入力してください。');
    const certificateEnd = dateOrError(row.certificateEnd, today, '受給者証期限', problems);
    // Empty: the decision follows the tenant's start convention (tenants.settings.monitoringCountFrom).
    const countFrom =
      row.countFrom === ''
        ? null
        : ({ 当月: 'same_month', same_month: 'same_month', 翌月: 'next_month', next_month: 'next_month' } as const)[
            row.countFrom as '当月'
          ];
    if (countFrom === undefined) problems.push('起算は「当月」か「翌月」です（空欄なら市町村の設定に従います）。');
    if (problems.length > 0 || !personId || !start || !end) errors.push({ line, messages: problems });
    else
      valid.push({
        tenantId,
        personId,
        periodStart: start,
        periodEnd: end,
        frequencyMonths: freq,
        standardMonths: months.length > 0 ? months : null,
        certificateEnd,
        countFrom,
      });
  }
  return finish(db, ctx, tenantId, 'plan', parsed.rows.length, valid, errors, opts.dryRun, (tx, p) => createPlan(tx, p, opts.now));
}

async function finish<T>(
  db: Db,
  ctx: AdminContext,
  tenantId: string,
  resourceType: string,
  rows: number,
  valid: T[],
  errors: RowError[],
  dryRun: boolean,
  insert: (tx: DbOrTx, item: T) => Promise<unknown>,
): Promise<ImportResult> {
  if (errors.length > 0 || dryRun) return { ok: errors.length === 0, dryRun, rows, imported: 0, errors };
  await db.transaction(async (tx) => {
    for (const item of valid) await insert(tx, item);
    await writeAudit(tx, {
      tenantId,
      actorStaffId: ctx.by,
      platform: ctx.platform,
      action: 'import',
      resourceType,
      detail: { rows: valid.length },
    });
  });
  return { ok: true, dryRun, rows, imported: valid.length, errors };
}
