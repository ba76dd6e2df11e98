import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { formText } from '../src/chat/forms';
import { button, card, reply } from '../src/chat/replies';
import type { FormBlock, FormSubmission, Reply } from '../src/chat/types';
import { canLogConsultations, canWritePerson } from '../src/core/access';
import { auditRefusedPerson } from '../src/core/audit/refusals';
import { jstToday } from '../src/core/calendar/jst';
import { parseJapaneseDate } from '../src/core/calendar/parse-date';
import { formatJpDate } from '../src/core/calendar/wareki';
import { isPersonId, resolvePerson, visibleCaseCode } from '../src/core/cases/resolve';
import { logConsultation, type NewConsultation } from '../src/core/consultations/log';
import { pastDueMessage } from '../src/core/consultations/next-action';
import { isUserError, UserError } from '../src/core/errors';
import { CONSULTATION_KIND_GROUPS, CONSULTATION_KINDS, CONTACT_METHODS, LIMITS } from '../src/core/vocabulary';

export const SOUDAN_FORM = 'soudan:new';

/** The consultation form; `person` may be prefilled (from a case card or `/soudan C-0012`). */
export function soudanForm(today: string, person = '', errors?: Record<string, string>, values?: FormSubmission['values']): FormBlock {
  const v = (name: string, fallback = '') => {
    const x = values?.[name];
    return typeof x === 'string' ? x : fallback;
  };
  return {
    type: 'form',
    formId: SOUDAN_FORM,
    title: '相談記録',
    submitLabel: '記録する',
    errors,
    fields: [
      { name: 'person', label: 'ケース（番号・氏名。空欄なら一般相談）', type: 'person', initial: v('person', person), placeholder: 'C-0012 / 山田' },
      { name: 'occurredOn', label: '相談日', type: 'date', required: true, initial: v('occurredOn', today), hint: '例: 今日 / 11/22 / 令和8年11月22日' },
      { name: 'method', label: '方法', type: 'select', required: true, initial: v('method', '訪問'), options: CONTACT_METHODS.map((m) => ({ value: m, label: m })) },
      {
        name: 'kind',
        label: '種別',
        type: 'select',
        required: true,
        initial: v('kind'),
        options: CONSULTATION_KIND_GROUPS.flatMap((g) => g.kinds.map((k) => ({ value: k, label: `${k}（${g.group}）` }))),
      },
      { name: 'summary', label: '内容（要約）', type: 'longtext', required: true, maxLength: LIMITS.summary, initial: v('summary') },
      { name: 'minutes', label: '対応時間（分）', type: 'number', initial: v('minutes'), placeholder: '30' },
      { name: 'nextAction', label: '次の対応', type: 'text', maxLength: LIMITS.nextAction, initial: v('nextAction') },
      { name: 'nextActionDue', label: '次の対応の期限', type: 'date', initial: v('nextActionDue') },
      {
        name: 'abuse',
        label: '虐待の疑い',
        type: 'select',
        initial: v('abuse', 'no'),
        options: [
          { value: 'no', label: 'なし' },
          { value: 'yes', label: 'あり（虐待防止窓口へ通知）' },
        ],
      },
    ],
  };
}

function lengthOf(s: string): number {
  return [...s].length;
}

/**
 * Reads and checks every field, collecting all problems at once so that the counselor fixes
 * them in one go. Nothing is stored unless every field is right.
 */
async function readForm(ctx: HandlerContext, form: FormSubmission): Promise<NewConsultation> {
  const errors: Record<string, string> = {};
  const today = jstToday(ctx.now);
  const attempt = <T>(field: string, f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (isUserError(e)) errors[field] = e.fieldErrors?.[field] ?? e.userMessage;
      else throw e;
      return undefined;
    }
  };
  const occurredOn = attempt('occurredOn', () => parseJapaneseDate(formText(form, 'occurredOn'), today, { field: 'occurredOn' }));
  if (occurredOn && occurredOn > today) errors.occurredOn = '相談日に未来の日付は指定できません。';
  const method = formText(form, 'method');
  if (!(CONTACT_METHODS as readonly string[]).includes(method)) errors.method = '方法を選んでください。';
  const kind = formText(form, 'kind');
  if (!CONSULTATION_KINDS.includes(kind)) errors.kind = '種別を選んでください。';
  const summary = formText(form, 'summary');
  if (summary === '') errors.summary = '内容（要約）を入力してください。';
  else if (lengthOf(summary) > LIMITS.summary) {
    errors.summary = `内容が長すぎます（${lengthOf(summary)}文字）。${LIMITS.summary}文字以内にまとめてください。`;
  }
  const minutesText = formText(form, 'minutes').normalize('NFKC');
  let minutes: number | null = null;
  if (minutesText !== '') {
    const n = Number(minutesText.replace(/分$/, ''));
    if (!Number.isInteger(n) || n < 0 || n > LIMITS.minutesMax) errors.minutes = '対応時間は0〜1440の整数（分）で入力してください。';
    else minutes = n;
  }
  const nextAction = formText(form, 'nextAction');
  if (lengthOf(nextAction) > LIMITS.nextAction) errors.nextAction = `次の対応は${LIMITS.nextAction}文字以内で入力してください。`;
  const dueText = formText(form, 'nextActionDue');
  const nextActionDue = dueText === '' ? null : attempt('nextActionDue', () => parseJapaneseDate(dueText, today, { field: 'nextActionDue' }));
  // A due date in the past is refused like a task in meeting minutes (relative to today in Japan).
  const pastDue = nextActionDue ? pastDueMessage(nextActionDue, today) : null;
  if (pastDue) errors.nextActionDue = pastDue;
  const abuse = formText(form, 'abuse');
  if (abuse !== '' && abuse !== 'yes' && abuse !== 'no') errors.abuse = '「なし」か「あり」を選んでください。';

  const personText = formText(form, 'person');
  let personId: string | null = null;
  if (personText !== '' && Object.keys(errors).length === 0) {
    const person = await attemptAsync(errors, 'person', () => resolvePerson(ctx.db, ctx.actor, personText, ctx.now));
    personId = person?.id ?? null;
    // A person the asker may see but not record about (the 基幹 and a consented person of another
    // office, a grantee): said on the field, with everything typed kept.
    if (person && 'officeId' in person && !canWritePerson(ctx.actor, { ...person, tenantId: ctx.actor.tenantId })) errors.person = NOT_WRITABLE;
  }
  if (Object.keys(errors).length > 0 || !occurredOn) {
    const first = Object.values(errors)[0] ?? '入力内容を確認してください。';
    throw new UserError('invalid_form', `入力内容を確認してください。${first}`, `invalid soudan form: ${Object.keys(errors).join(',')}`, errors);
  }
  return {
    personId,
    occurredOn,
    method,
    kind,
    summary,
    minutes,
    nextAction: nextAction || null,
    nextActionDue: nextActionDue ?? null,
    abuseSuspected: abuse === 'yes',
  };
}

async function attemptAsync<T>(errors: Record<string, string>, field: string, f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    if (!isUserError(e)) throw e;
    errors[field] = e.fieldErrors?.[field] ?? e.userMessage;
    return undefined;
  }
}

async function submit(ctx: HandlerContext, form: FormSubmission): Promise<Reply[]> {
  if (!canLogConsultations(ctx.actor)) throw refusedOnForm(CANNOT_LOG, 'role cannot log consultations');
  const input = await readForm(ctx, form);
  let saved: Awaited<ReturnType<typeof logConsultation>>;
  try {
    saved = await logConsultation(ctx.db, ctx.actor, input, ctx.now);
  } catch (e) {
    // A refusal the form's checks did not foresee still keeps the form and what was typed in it:
    // the message goes on a field (the web chat, a Slack modal and the browser form stay open; a
    // dialogue asks that field again), never a bare message that closes the form.
    if (isUserError(e) && !e.fieldErrors) throw refusedOnForm(e.userMessage, `soudan refused: ${e.code}`);
    throw e;
  }
  const who = saved.personCode ?? `一般相談（${saved.anonymousLabel}）`;
  const notes: string[] = [];
  if (saved.offMonth) notes.push('⚠ この日はモニタリング月ではないため、モニタリング実績には数えません。期間の変更が必要な場合は市町村に確認してください。');
  if (saved.abuseSuspected) notes.push('⚠ 虐待の疑いとして記録しました。虐待防止窓口へ通知されます。');
  const fields = [
    { label: 'ケース', value: who },
    { label: '相談日', value: formatJpDate(input.occurredOn) },
    { label: '方法・種別', value: `${input.method}・${input.kind}` },
  ];
  if (input.nextAction) fields.push({ label: '次の対応', value: `${input.nextAction}${input.nextActionDue ? `（${formatJpDate(input.nextActionDue)}まで）` : ''}` });
  // A 一般相談 can become a case later, with this record: offered right here.
  const buttons = input.personId
    ? [button('ケースを見る', 'case:show', input.personId)]
    : saved.anonymousLabel
      ? [button('ケースとして登録', 'riyousha:new', saved.anonymousLabel), button('登録済みのケースに引き継ぐ', 'riyousha:attach', saved.anonymousLabel)]
      : undefined;
  const blocks: Reply['blocks'] = [card('相談記録を登録しました', fields, buttons)];
  for (const n of notes) blocks.push({ type: 'text', text: n });
  return [reply(`相談記録を登録しました（${who}）`, blocks)];
}

const CANNOT_LOG = '相談記録を登録する権限がありません（相談支援事業所・基幹相談支援センターの職員が登録します）。';
const NOT_WRITABLE = 'このケースの相談記録は担当事業所の職員だけが登録できます。ケースを確認するか、空欄（一般相談）にしてください。';

/** A refusal of a submitted form, said on its person field so that the form and its text stay. */
function refusedOnForm(message: string, log: string): UserError {
  return new UserError('refused', message, log, { person: message });
}

/** The form is offered only to those who may record consultations at all. */
function requireLogger(ctx: HandlerContext): void {
  if (!canLogConsultations(ctx.actor)) throw new UserError('forbidden', CANNOT_LOG, 'role cannot log consultations');
}

/**
 * The person field's initial text. A case card's 「記録する」 carries the person's id; the field
 * shows their case code instead (what the counselor reads and could type), which resolves back
 * to the same person on submit. An id the actor may not see answers like an unknown case; a
 * person they may see but not record about is refused before any text is typed.
 */
async function prefillPerson(ctx: HandlerContext, value: string): Promise<string> {
  if (!isPersonId(value)) return value;
  const found = await visibleCaseCode(ctx.db, ctx.actor, value);
  if (!found) {
    await auditRefusedPerson(ctx.db, ctx.actor, value, 'record_form');
    throw new UserError('unknown_person', '該当するケースが見つかりません。', 'soudan prefill: person not visible');
  }
  if (!found.writable) throw new UserError('not_writable', NOT_WRITABLE, 'soudan prefill: person not writable');
  return found.code;
}

export const soudanCommand: CommandSpec = {
  id: 'soudan',
  aliases: ['記録', 'きろく', '相談記録'],
  label: '記録',
  description: '相談記録（支援経過）を登録します',
  usage: '記録　/　/soudan C-0012',
  menu: true,
  async onCommand(ctx, cmd) {
    requireLogger(ctx);
    return [reply('相談記録の入力', [soudanForm(jstToday(ctx.now), await prefillPerson(ctx, cmd.text))])];
  },
  async onAction(ctx, action) {
    if (action.id === SOUDAN_FORM) {
      requireLogger(ctx);
      return [reply('相談記録の入力', [soudanForm(jstToday(ctx.now), await prefillPerson(ctx, action.value))])];
    }
    throw new UserError('unknown_action', 'この操作には対応していません。', `unknown action ${action.id}`);
  },
  async onForm(ctx, form) {
    if (form.formId !== SOUDAN_FORM) throw new UserError('unknown_form', 'このフォームには対応していません。', `unknown form ${form.formId}`);
    return submit(ctx, form);
  },
};
