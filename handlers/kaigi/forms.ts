import { z } from 'zod';
import type { HandlerContext } from '../../src/chat/registry';
import type { FormBlock, FormSubmission } from '../../src/chat/types';
import { fiscalYearOf } from '../../src/core/calendar/jst';
import { parseJapaneseDate } from '../../src/core/calendar/parse-date';
import { resolvePerson } from '../../src/core/cases/resolve';
import { isUserError, UserError } from '../../src/core/errors';
import { hasCaseRole, isCouncilStaff, isMeetingKind, MEETING_KINDS, PERSON_MEETING_KIND } from '../../src/core/meetings/kinds';
import type { NewMeeting } from '../../src/core/meetings/schedule';
import { MAX_PLACE, MAX_TITLE } from '../../src/core/meetings/schedule';
import type { StaffOption } from '../../src/core/meetings/staff';
import { parseTimeRange } from '../../src/core/meetings/time';
import { ACTION_LINE_FORMAT } from '../../src/core/meetings/action-lines';
import { parseFiscalYear } from '../../src/core/meetings/plan-csv';
import { defineForm, field } from '../forms/define';

export const NEW_FORM = 'kaigi:new';
export const MINUTES_FORM = 'kaigi:minutes';
export const IMPORT_FORM = 'kaigi:import';
/** Slack's static multi-select holds at most 100 options. */
const MAX_STAFF_OPTIONS = 100;

type Values = FormSubmission['values'];

/** A parse step that turns a domain UserError (a time, a fiscal year) into a message on its field. */
function fromDomain<T>(read: (s: string) => T) {
  return z.string().transform((s, ctx): T => {
    try {
      return read(s);
    } catch (e) {
      if (!isUserError(e)) throw e;
      ctx.addIssue({ code: 'custom', message: Object.values(e.fieldErrors ?? {})[0] ?? e.userMessage });
      return z.NEVER;
    }
  });
}

const ONLY_START = '開始時刻だけを入力してください（終了時刻は次の欄へ）。';

/** The meeting form, declared once; the kinds the asker may register and the staff are given when it is built. */
const meetingDefinition = defineForm({
  formId: NEW_FORM,
  title: '会議の登録',
  submitLabel: '登録する',
  fields: {
    kind: field.select({ label: '種別', required: true, schema: () => z.string().refine(isMeetingKind, '種別を選んでください。') }),
    body: field.text({
      label: '会議体（専門部会・連絡会の名前）',
      placeholder: '就労支援部会',
      hint: '空欄なら種別の名前',
      maxLength: MAX_TITLE,
      schema: () => z.string(),
    }),
    title: field.text({
      label: '会議名',
      placeholder: '第8回 運営会議',
      hint: '空欄なら会議体の名前。サービス担当者会議では利用者の氏名を書かないでください',
      maxLength: MAX_TITLE,
      schema: () => z.string(),
    }),
    date: field.date({
      label: '日付',
      required: true,
      hint: '例: 12/3 / 2026-12-03 / 令和8年12月3日',
      schema: (c) => fromDomain((s) => parseJapaneseDate(s, c.today, { field: 'date' })),
    }),
    start: field.text({
      label: '開始時刻',
      required: true,
      placeholder: '14:00',
      // The text is kept for the end time, which is read as the range 「開始～終了」.
      schema: () =>
        fromDomain((s) => {
          const t = parseTimeRange(s, 'start');
          if (t.end) throw new UserError('bad_time', ONLY_START, 'range in start', { start: ONLY_START });
          return { time: t.start, text: s };
        }),
    }),
    end: field.text({ label: '終了時刻', placeholder: '16:00', schema: () => z.string() }),
    place: field.text({ label: '場所', placeholder: '市役所 会議室J6-1', maxLength: MAX_PLACE, schema: () => z.string() }),
    // Staff of the tenant, given when built; the domain refuses anyone else.
    attendees: field.multiselect({ label: '出席者' }),
    person: field.person({ label: 'ケース（サービス担当者会議のみ）', placeholder: 'C-0012' }),
  },
  check(v, add) {
    if (v.start && v.end) {
      try {
        parseTimeRange(`${v.start.text}～${v.end}`, 'end');
      } catch (e) {
        if (!isUserError(e)) throw e;
        add('end', e.fieldErrors?.end ?? e.userMessage);
      }
    }
    if (v.person && v.kind && v.kind !== PERSON_MEETING_KIND) add('person', 'ケースを指定できるのはサービス担当者会議だけです。');
    else if (v.kind === PERSON_MEETING_KIND && v.person === '') add('person', 'サービス担当者会議の対象となるケースを指定してください。');
  },
});

export function meetingForm(
  ctx: HandlerContext,
  staff: readonly StaffOption[],
  values?: Values,
  errors?: Record<string, string>,
): FormBlock {
  const kinds = MEETING_KINDS.filter((k) => (k.code === PERSON_MEETING_KIND ? hasCaseRole(ctx.actor) : isCouncilStaff(ctx.actor)));
  const attendees = values?.attendees;
  const initial = {
    kind: kinds[0]?.code ?? '',
    body: '',
    title: '',
    date: '',
    start: '',
    end: '',
    place: '',
    person: '',
    ...strings(values),
    attendees: Array.isArray(attendees) ? attendees : [ctx.actor.staffId],
  };
  return meetingDefinition.block(initial, {
    errors,
    options: {
      kind: kinds.map((k) => ({ value: k.code, label: k.label })),
      attendees: staff.slice(0, MAX_STAFF_OPTIONS).map((s) => ({ value: s.id, label: `${s.name}（${s.officeName}）` })),
    },
  });
}

/** The string values of a submission (a form shown again keeps what was typed). */
const strings = (values: Values | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(values ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));

/** Reads the meeting form, every problem at once; the person is resolved only among those the asker may see. */
export async function readMeetingForm(ctx: HandlerContext, form: FormSubmission): Promise<NewMeeting> {
  const v = meetingDefinition.parse(form, ctx.now);
  let personId: string | null = null;
  if (v.person !== '') {
    try {
      personId = (await resolvePerson(ctx.db, ctx.actor, v.person, ctx.now)).id;
    } catch (e) {
      if (!isUserError(e)) throw e;
      const message = e.fieldErrors?.person ?? e.userMessage;
      throw new UserError('invalid_form', `入力内容を確認してください。${message}`, 'invalid kaigi form: person', { person: message });
    }
  }
  return {
    kind: v.kind,
    bodyName: v.body,
    title: v.title,
    date: v.date,
    start: v.start.time,
    end: v.end ? parseTimeRange(`${v.start.text}～${v.end}`, 'end').end : null,
    place: v.place || null,
    attendeeIds: v.attendees,
    personId,
  };
}

const minutesDefinition = defineForm({
  formId: MINUTES_FORM,
  title: '議事録',
  submitLabel: '登録する',
  fields: {
    // What a minutes record must hold is the domain's rule (recordMinutes), with its messages.
    summary: field.longtext({ label: '要約', required: true, schema: () => z.string() }),
    decisions: field.longtext({ label: '決定事項' }),
    actionItems: field.longtext({
      label: '宿題（1行に1件）',
      raw: true,
      placeholder: `${ACTION_LINE_FORMAT}\n例: 就労アンケートの集計 / 基幹職員 / 12/15`,
      hint: `「${ACTION_LINE_FORMAT}」。担当者は職員の氏名、期限は 12/15 や 2026-12-15`,
    }),
  },
});

export function minutesForm(meetingId: string, title: string, values?: Values, errors?: Record<string, string>): FormBlock {
  return minutesDefinition.block(
    { summary: '', decisions: '', actionItems: '', ...strings(values) },
    { context: meetingId, errors, title: `議事録: ${title}`.slice(0, 24) },
  );
}

export function readMinutesForm(ctx: HandlerContext, form: FormSubmission) {
  return minutesDefinition.parse(form, ctx.now);
}

const importDefinition = defineForm({
  formId: IMPORT_FORM,
  title: '年間計画の取り込み',
  submitLabel: '送信',
  fields: {
    fiscalYear: field.text({
      label: '年度',
      required: true,
      hint: '例: 2026、令和8年度。「7/28」のような日付はこの年度の日付になります',
      schema: (c) => fromDomain((s) => parseFiscalYear(s, c.today)),
    }),
    mode: field.select({
      label: '処理',
      required: true,
      options: [
        { value: 'check', label: '確認だけ（何も登録しません）' },
        { value: 'import', label: '確認して取り込む（誤りが1行でもあれば何も登録しません）' },
        { value: 'import-past', label: '過去の会議も含めて取り込む' },
      ],
      // Anything but a clear 取り込む only checks: nothing is written without it.
      schema: () => z.string().transform((m) => (m === 'import' || m === 'import-past' ? m : 'check')),
    }),
    csv: field.longtext({
      label: 'CSV（見出し行から貼り付け）',
      required: true,
      raw: true,
      placeholder: '会議名,種別,会議体,日付,時間,場所,参加者',
      hint: '形式は docs/meetings.md を参照。ブラウザではCSVファイルも選べます（Excelの「CSV（コンマ区切り）」= Shift_JIS も「CSV UTF-8」も可）',
      accept: '.csv,text/csv',
      // The file's own checks (encoding, columns, each row) are the importer's, line by line.
      schema: () => z.string(),
    }),
  },
});

export function importForm(today: string, values?: Values, errors?: Record<string, string>): FormBlock {
  return importDefinition.block({ fiscalYear: String(fiscalYearOf(today)), mode: 'check', csv: '', ...strings(values) }, { errors });
}

export function readImportForm(ctx: HandlerContext, form: FormSubmission) {
  return importDefinition.parse(form, ctx.now);
}
