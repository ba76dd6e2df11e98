import { describe, expect, it } from 'vitest';
import { isUserError } from '../../src/core/errors';
import { parseActionItemLines } from '../../src/core/meetings/action-lines';
import { kindFromText } from '../../src/core/meetings/kinds';
import { parseFiscalYear, parsePlanCsv } from '../../src/core/meetings/plan-csv';
import { meetingReminderSettings, planMeetingReminders } from '../../src/core/meetings/reminders';
import type { StaffOption } from '../../src/core/meetings/staff';
import { parseTimeRange } from '../../src/core/meetings/time';

const staff: StaffOption[] = [
  { id: 's1', name: '佐藤 花子', kana: 'さとう はなこ', officeName: '基幹相談支援センター' },
  { id: 's2', name: '鈴木一郎', kana: 'すずきいちろう', officeName: '障害福祉課' },
  { id: 's3', name: '田中', kana: 'たなか', officeName: '事業所A' },
  { id: 's4', name: '田中', kana: 'たなか', officeName: '事業所B' },
];
const today = '2026-11-22';

/** The Japanese message a user would read. */
function userMessageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isUserError(e)) return e.userMessage;
    throw e;
  }
  return '(no error)';
}

describe('meeting times', () => {
  it.each([
    ['14:00～', { start: { hour: 14, minute: 0 }, end: null }],
    ['10:00～12:00', { start: { hour: 10, minute: 0 }, end: { hour: 12, minute: 0 } }],
    ['１３：３０－１５：００', { start: { hour: 13, minute: 30 }, end: { hour: 15, minute: 0 } }],
    ['10時半～12時', { start: { hour: 10, minute: 30 }, end: { hour: 12, minute: 0 } }],
  ])('reads %s as the plan writes it', (input, expected) => {
    expect(parseTimeRange(input)).toEqual(expected);
  });

  it.each([['25:00'], ['午後'], ['15:00～14:00'], ['']])('refuses %s with a Japanese example', (input) => {
    expect(userMessageOf(() => parseTimeRange(input))).toMatch(/例: 14:00/);
  });
});

describe('meeting reminders', () => {
  const defaults = meetingReminderSettings({});

  it('a Monday meeting is announced on the Friday before and on the morning itself', () => {
    expect(planMeetingReminders('2026-11-30', today, defaults)).toEqual([
      { slot: 'day_before', dueOn: '2026-11-27' },
      { slot: 'morning', dueOn: '2026-11-30' },
    ]);
  });

  it('skips 祝日: a meeting the day after 勤労感謝の日 振替 is announced on the Friday', () => {
    expect(planMeetingReminders('2026-11-24', '2026-11-01', defaults)[0]).toEqual({ slot: 'day_before', dueOn: '2026-11-20' });
  });

  it('does not plan reminders that are already in the past', () => {
    expect(planMeetingReminders('2026-11-24', '2026-11-24', defaults)).toEqual([{ slot: 'morning', dueOn: '2026-11-24' }]);
  });

  it('follows the tenant settings and ignores nonsense values', () => {
    expect(
      planMeetingReminders('2026-11-30', today, meetingReminderSettings({ meetingReminderDaysBefore: 2, meetingReminderMorning: false })),
    ).toEqual([{ slot: 'day_before', dueOn: '2026-11-26' }]);
    expect(meetingReminderSettings({ meetingReminderDaysBefore: -3, meetingReminderMorning: 'yes' })).toEqual({
      daysBefore: 1,
      morning: true,
    });
    expect(planMeetingReminders('2026-11-30', today, meetingReminderSettings({ meetingReminderDaysBefore: 0 }))).toEqual([
      { slot: 'morning', dueOn: '2026-11-30' },
    ]);
  });
});

describe('action item lines', () => {
  it('reads owners by name or kana and dates in the usual forms', () => {
    const { items, errors } = parseActionItemLines(
      '・アンケート集計 / 佐藤花子 / 12/15\n\n研修案の作成／すずきいちろう／2027-01-20',
      staff,
      today,
    );
    expect(errors).toEqual([]);
    expect(items).toEqual([
      { line: 1, description: 'アンケート集計', ownerId: 's1', dueOn: '2026-12-15' },
      { line: 3, description: '研修案の作成', ownerId: 's2', dueOn: '2027-01-20' },
    ]);
  });

  it('names every bad line by its number, blank lines counted', () => {
    const text = [
      '資料作成 / 佐藤花子 / 12/1',
      '',
      '名簿の更新 / 山川 / 12/1',
      '会場予約 / 田中 / 12/1',
      '調整 / 鈴木一郎 / 13/45',
      '区切りのない行',
      '報告 / 鈴木一郎 / 2026-11-01',
    ].join('\n');
    const { errors } = parseActionItemLines(text, staff, today);
    expect(errors).toHaveLength(5);
    expect(errors[0]).toMatch(/^3行目: 担当者「山川」が職員として登録されていません/);
    expect(errors[1]).toMatch(/^4行目: .*2人います/);
    expect(errors[2]).toMatch(/^5行目: 期限「13\/45」を日付として読み取れませんでした/);
    expect(errors[3]).toMatch(/^6行目: 「内容 \/ 担当者名 \/ 期限」の3つを/);
    expect(errors[4]).toMatch(/^7行目: .*過去の日付/);
  });
});

describe('year plan CSV', () => {
  const header = '会議名,種別,会議体,日付,時間,場所,参加者';

  it('places month/day dates in the 年度 and reads the 綾瀬市-style cells', () => {
    const csv = `\uFEFF${header}\n災害対策部会,専門部会,,6/14,10:00～,市314,佐藤花子、鈴木一郎\nあやとも協議会,全体会,,2/18,14:00～16:00,中央公民館,\n`;
    const { rows, errors } = parsePlanCsv(csv, 2026, staff, today);
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.line, r.kind, r.bodyName, r.date, r.attendeeIds.length])).toEqual([
      [2, 'bukai', '災害対策部会', '2026-06-14', 2],
      [3, 'zentai', '全体会', '2027-02-18', 0],
    ]);
  });

  it('reports every bad row by line number and its reason, several problems of one line apart', () => {
    const csv = [
      header,
      '運営会議,運営会議,,4/20,10:00,市役所,',
      '運営会議,会食,,5/18,10:00,市役所,',
      '運営会議,運営会議,,2/30,10:00,市役所,',
      '運営会議,運営会議,,6/15,朝,市役所,知らない人',
      '運営会議,運営会議,,2028/6/15,10:00,,',
    ].join('\n');
    const { errors } = parsePlanCsv(csv, 2026, staff, today);
    expect(errors).toEqual([
      expect.stringMatching(/^3行目: 種別「会食」は使えません/),
      expect.stringMatching(/^4行目: 日付「2\/30」はありません/),
      expect.stringMatching(/^5行目: 時間「朝」: /),
      expect.stringMatching(/^5行目: 参加者「知らない人」が職員として登録されていません/),
      expect.stringMatching(/^6行目: .*2026年度.*の外です/),
    ]);
  });

  it('refuses a file without the required columns, a broken quote and duplicate rows', () => {
    expect(parsePlanCsv('会議名,日付\n運営会議,4/20', 2026, staff, today).errors[0]).toMatch(/列「種別」「時間」がありません/);
    expect(parsePlanCsv(`${header}\n"運営会議,運営会議,,4/20,10:00,,`, 2026, staff, today).errors[0]).toMatch(
      /CSVとして読み取れませんでした/,
    );
    const dup = parsePlanCsv(`${header}\n運営会議,運営会議,,4/20,10:00,,\n運営会議,運営会議,,4/20,10:00,,`, 2026, staff, today);
    expect(dup.errors).toEqual([expect.stringMatching(/^3行目: 2行目と同じ会議/)]);
  });

  it('a quoted cell over two lines keeps the line number of its row', () => {
    const { errors } = parsePlanCsv(
      `${header}\n運営会議,運営会議,,4/20,10:00,"市役所\n別館",\n運営会議,謎,,5/20,10:00,,`,
      2026,
      staff,
      today,
    );
    expect(errors).toEqual([expect.stringMatching(/^4行目: 種別「謎」/)]);
  });

  it('reads 年度 in 西暦 and 和暦', () => {
    expect(parseFiscalYear('2026', today)).toBe(2026);
    expect(parseFiscalYear('令和8年度', today)).toBe(2026);
    expect(parseFiscalYear('R3', today)).toBe(2021);
    expect(userMessageOf(() => parseFiscalYear('来年', today))).toMatch(/年度を読み取れませんでした/);
  });

  it('kinds are read from the words plans use', () => {
    expect(kindFromText('GSV')).toBe('jirei');
    expect(kindFromText('部会')).toBe('bukai');
    expect(kindFromText('相談支援事業所連絡会')).toBe('renrakukai');
    expect(kindFromText('飲み会')).toBeNull();
  });
});
