import { formList, formText } from '../../src/chat/forms';
import type { HandlerContext } from '../../src/chat/registry';
import type { FormBlock, FormSubmission } from '../../src/chat/types';
import { fiscalYearOf, jstToday } from '../../src/core/calendar/jst';
import { parseJapaneseDate } from '../../src/core/calendar/parse-date';
import { resolvePerson } from '../../src/core/cases/resolve';
import { isUserError, UserError } from '../../src/core/errors';
import { hasCaseRole, isCouncilStaff, isMeetingKind, MEETING_KINDS, PERSON_MEETING_KIND } from '../../src/core/meetings/kinds';
import type { NewMeeting } from '../../src/core/meetings/schedule';
import { MAX_PLACE, MAX_TITLE } from '../../src/core/meetings/schedule';
import type { StaffOption } from '../../src/core/meetings/staff';
import { parseTimeRange } from '../../src/core/meetings/time';
import { ACTION_LINE_FORMAT } from '../../src/core/meetings/action-lines';

export const NEW_FORM = 'kaigi:new';
export const MINUTES_FORM = 'kaigi:minutes';
export const IMPORT_FORM = 'kaigi:import';
/** Slack's static multi-select holds at most 100 options. */
const MAX_STAFF_OPTIONS = 100;

type Values = FormSubmission['values'];
const val = (values: Values | undefined, name: string, fallback = ''): string => {
  const x = values?.[name];
  return typeof x === 'string' ? x : fallback;
};

export function meetingForm(ctx: HandlerContext, staff: readonly StaffOption[], values?: Values, errors?: Record<string, string>): FormBlock {
  const kinds = MEETING_KINDS.filter((k) => (k.code === PERSON_MEETING_KIND ? hasCaseRole(ctx.actor) : isCouncilStaff(ctx.actor)));
  const attendees = values?.attendees;
  return {
    type: 'form',
    formId: NEW_FORM,
    title: '会議の登録',
    submitLabel: '登録する',
    errors,
    fields: [
      { name: 'kind', label: '種別', type: 'select', required: true, initial: val(values, 'kind', kinds[0]?.code ?? ''), options: kinds.map((k) => ({ value: k.code, label: k.label })) },
      { name: 'body', label: '会議体（専門部会・連絡会の名前）', type: 'text', initial: val(values, 'body'), placeholder: '就労支援部会', hint: '空欄なら種別の名前', maxLength: MAX_TITLE },
      { name: 'title', label: '会議名', type: 'text', initial: val(values, 'title'), placeholder: '第8回 運営会議', hint: '空欄なら会議体の名前。サービス担当者会議では利用者の氏名を書かないでください', maxLength: MAX_TITLE },
      { name: 'date', label: '日付', type: 'date', required: true, initial: val(values, 'date'), hint: '例: 12/3 / 2026-12-03 / 令和8年12月3日' },
      { name: 'start', label: '開始時刻', type: 'text', required: true, initial: val(values, 'start'), placeholder: '14:00' },
      { name: 'end', label: '終了時刻', type: 'text', initial: val(values, 'end'), placeholder: '16:00' },
      { name: 'place', label: '場所', type: 'text', initial: val(values, 'place'), placeholder: '市役所 会議室J6-1', maxLength: MAX_PLACE },
      {
        name: 'attendees',
        label: '出席者',
        type: 'multiselect',
        initial: Array.isArray(attendees) ? attendees : [ctx.actor.staffId],
        options: staff.slice(0, MAX_STAFF_OPTIONS).map((s) => ({ value: s.id, label: `${s.name}（${s.officeName}）` })),
      },
      { name: 'person', label: 'ケース（サービス担当者会議のみ）', type: 'person', initial: val(values, 'person'), placeholder: 'C-0012' },
    ],
  };
}

function collect(errors: Record<string, string>, field: string, f: () => void): void {
  try {
    f();
  } catch (e) {
    if (!isUserError(e)) throw e;
    errors[field] = e.fieldErrors?.[field] ?? e.userMessage;
  }
}

/** Reads the meeting form, every problem at once; the person is resolved only among those the asker may see. */
export async function readMeetingForm(ctx: HandlerContext, form: FormSubmission): Promise<NewMeeting> {
  const errors: Record<string, string> = {};
  const kind = formText(form, 'kind');
  if (!isMeetingKind(kind)) errors.kind = '種別を選んでください。';
  let date = '';
  collect(errors, 'date', () => {
    date = parseJapaneseDate(formText(form, 'date'), jstToday(ctx.now), { field: 'date' });
  });
  let start: NewMeeting['start'] | null = null;
  collect(errors, 'start', () => {
    const t = parseTimeRange(formText(form, 'start'), 'start');
    if (t.end) throw new UserError('bad_time', '開始時刻だけを入力してください（終了時刻は次の欄へ）。', 'range in start', { start: '開始時刻だけを入力してください（終了時刻は次の欄へ）。' });
    start = t.start;
  });
  let end: NewMeeting['end'] = null;
  const endText = formText(form, 'end');
  if (endText !== '' && start) {
    collect(errors, 'end', () => {
      const t = parseTimeRange(`${formText(form, 'start')}～${endText}`, 'end');
      end = t.end;
    });
  }
  let personId: string | null = null;
  const personText = formText(form, 'person');
  if (personText !== '' && kind !== PERSON_MEETING_KIND) errors.person = 'ケースを指定できるのはサービス担当者会議だけです。';
  else if (kind === PERSON_MEETING_KIND && personText === '') errors.person = 'サービス担当者会議の対象となるケースを指定してください。';
  else if (personText !== '' && Object.keys(errors).length === 0) {
    try {
      personId = (await resolvePerson(ctx.db, ctx.actor, personText, ctx.now)).id;
    } catch (e) {
      if (!isUserError(e)) throw e;
      errors.person = e.fieldErrors?.person ?? e.userMessage;
    }
  }
  if (Object.keys(errors).length > 0 || !isMeetingKind(kind) || !start) {
    const first = Object.values(errors)[0] ?? '入力内容を確認してください。';
    throw new UserError('invalid_form', `入力内容を確認してください。${first}`, `invalid kaigi form: ${Object.keys(errors).join(',')}`, errors);
  }
  return {
    kind,
    bodyName: formText(form, 'body'),
    title: formText(form, 'title'),
    date,
    start,
    end,
    place: formText(form, 'place') || null,
    attendeeIds: formList(form, 'attendees'),
    personId,
  };
}

export function minutesForm(meetingId: string, title: string, values?: Values, errors?: Record<string, string>): FormBlock {
  return {
    type: 'form',
    formId: MINUTES_FORM,
    title: `議事録: ${title}`.slice(0, 24),
    submitLabel: '登録する',
    context: meetingId,
    errors,
    fields: [
      { name: 'summary', label: '要約', type: 'longtext', required: true, initial: val(values, 'summary') },
      { name: 'decisions', label: '決定事項', type: 'longtext', initial: val(values, 'decisions') },
      {
        name: 'actionItems',
        label: '宿題（1行に1件）',
        type: 'longtext',
        initial: val(values, 'actionItems'),
        placeholder: `${ACTION_LINE_FORMAT}\n例: 就労アンケートの集計 / 基幹職員 / 12/15`,
        hint: `「${ACTION_LINE_FORMAT}」。担当者は職員の氏名、期限は 12/15 や 2026-12-15`,
      },
    ],
  };
}

export function importForm(today: string, values?: Values, errors?: Record<string, string>): FormBlock {
  return {
    type: 'form',
    formId: IMPORT_FORM,
    title: '年間計画の取り込み',
    submitLabel: '送信',
    errors,
    fields: [
      { name: 'fiscalYear', label: '年度', type: 'text', required: true, initial: val(values, 'fiscalYear', String(fiscalYearOf(today))), hint: '例: 2026、令和8年度。「7/28」のような日付はこの年度の日付になります' },
      {
        name: 'mode',
        label: '処理',
        type: 'select',
        required: true,
        initial: val(values, 'mode', 'check'),
        options: [
          { value: 'check', label: '確認だけ（何も登録しません）' },
          { value: 'import', label: '確認して取り込む（誤りが1行でもあれば何も登録しません）' },
          { value: 'import-past', label: '過去の会議も含めて取り込む' },
        ],
      },
      { name: 'csv', label: 'CSV（見出し行から貼り付け）', type: 'longtext', required: true, initial: val(values, 'csv'), placeholder: '会議名,種別,会議体,日付,時間,場所,参加者', hint: '形式は docs/meetings.md を参照。ブラウザではCSVファイルも選べます（Excelの「CSV（コンマ区切り）」= Shift_JIS も「CSV UTF-8」も可）', accept: '.csv,text/csv' },
    ],
  };
}
