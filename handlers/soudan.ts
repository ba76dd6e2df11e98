import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { z } from 'zod';
import { button, card, reply } from '../src/chat/replies';
import type { FormBlock, FormSubmission, Reply } from '../src/chat/types';
import { canLogConsultations, canWritePerson } from '../src/core/access';
import { auditRefusedPerson } from '../src/core/audit/refusals';
import { jstToday } from '../src/core/calendar/jst';
import { formatJpDate } from '../src/core/calendar/wareki';
import { isPersonId, resolvePerson, visibleCaseCode } from '../src/core/cases/resolve';
import { logConsultation, type NewConsultation } from '../src/core/consultations/log';
import { pastDueMessage } from '../src/core/consultations/next-action';
import { isUserError, UserError } from '../src/core/errors';
import { CONSULTATION_KIND_GROUPS, CONTACT_METHODS, LIMITS } from '../src/core/vocabulary';
import { defineForm, field, stringValues, type ParseContext } from './forms/define';
import { jpDate, optionalJpDate } from './form-fields';

const SOUDAN_FORM = 'soudan:new';

const KIND_OPTIONS = CONSULTATION_KIND_GROUPS.flatMap((g) => g.kinds.map((k) => ({ value: k, label: `${k}（${g.group}）` })));

/** Like the field's own date, with the rule of the field on top (relative to today in Japan). */
const dateWithRule = (label: string, rule: (date: string, today: string) => string | null) => (c: ParseContext) =>
  optionalJpDate(c.today, label).transform((d, ctx) => {
    const problem = d ? rule(d, c.today) : null;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    return d;
  });

/** The consultation form, declared once: what is shown and how each field is read. */
const soudanDefinition = defineForm({
  formId: SOUDAN_FORM,
  title: '相談記録',
  submitLabel: '記録する',
  fields: {
    person: field.person({ label: 'ケース（番号・氏名。空欄なら一般相談）', placeholder: 'C-0012 / 山田' }),
    occurredOn: field.date({
      label: '相談日',
      required: true,
      hint: '例: 今日 / 11/22 / 令和8年11月22日',
      schema: (c) => jpDate(c.today, '相談日').refine((d) => d <= c.today, '相談日に未来の日付は指定できません。'),
    }),
    method: field.select({ label: '方法', required: true, initial: '訪問', options: CONTACT_METHODS.map((m) => ({ value: m, label: m })) }),
    kind: field.select({ label: '種別', required: true, options: KIND_OPTIONS }),
    summary: field.longtext({
      label: '内容（要約）',
      required: true,
      maxLength: LIMITS.summary,
      schema: () =>
        z.string().superRefine((s, ctx) => {
          if (s === '') ctx.addIssue({ code: 'custom', message: '内容（要約）を入力してください。' });
          else if ([...s].length > LIMITS.summary)
            ctx.addIssue({
              code: 'custom',
              message: `内容が長すぎます（${[...s].length}文字）。${LIMITS.summary}文字以内にまとめてください。`,
            });
        }),
    }),
    minutes: field.number({
      label: '対応時間（分）',
      placeholder: '30',
      min: 0,
      max: LIMITS.minutesMax,
      unit: '分',
      message: '対応時間は0〜1440の整数（分）で入力してください。',
    }),
    nextAction: field.text({ label: '次の対応', maxLength: LIMITS.nextAction }),
    // A due date in the past is refused like a task in meeting minutes.
    nextActionDue: field.date({ label: '次の対応の期限', schema: dateWithRule('次の対応の期限', pastDueMessage) }),
    abuse: field.select({
      label: '虐待の疑い',
      initial: 'no',
      message: '「なし」か「あり」を選んでください。',
      options: [
        { value: 'no', label: 'なし' },
        { value: 'yes', label: 'あり（虐待防止窓口へ通知）' },
      ],
    }),
  },
});

/** The consultation form; `person` may be prefilled (from a case card or `/soudan C-0012`). */
export function soudanForm(today: string, person = '', errors?: Record<string, string>, values?: FormSubmission['values']): FormBlock {
  return soudanDefinition.block(
    { person, occurredOn: today, kind: '', summary: '', minutes: '', nextAction: '', nextActionDue: '', ...stringValues(values) },
    { errors },
  );
}

/**
 * Reads and checks every field (all problems at once, so that the counselor fixes them in one
 * go), then the person. Nothing is stored unless every field is right.
 */
async function readForm(ctx: HandlerContext, form: FormSubmission): Promise<NewConsultation> {
  const v = soudanDefinition.parse(form, ctx.now);
  const errors: Record<string, string> = {};
  let personId: string | null = null;
  if (v.person !== '') {
    const person = await attemptAsync(errors, 'person', () => resolvePerson(ctx.db, ctx.actor, v.person, ctx.now));
    personId = person?.id ?? null;
    // A person the asker may see but not record about (the 基幹 and a consented person of another
    // office, a grantee): said on the field, with everything typed kept.
    if (person && 'officeId' in person && !canWritePerson(ctx.actor, { ...person, tenantId: ctx.actor.tenantId }))
      errors.person = NOT_WRITABLE;
  }
  if (Object.keys(errors).length > 0) {
    const first = Object.values(errors)[0] ?? '入力内容を確認してください。';
    throw new UserError(
      'invalid_form',
      `入力内容を確認してください。${first}`,
      `invalid soudan form: ${Object.keys(errors).join(',')}`,
      errors,
    );
  }
  return {
    personId,
    occurredOn: v.occurredOn,
    method: v.method,
    kind: v.kind,
    summary: v.summary,
    minutes: v.minutes,
    nextAction: v.nextAction || null,
    nextActionDue: v.nextActionDue,
    abuseSuspected: v.abuse === 'yes',
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
  if (saved.offMonth)
    notes.push('⚠ この日はモニタリング月ではないため、モニタリング実績には数えません。期間の変更が必要な場合は市町村に確認してください。');
  if (saved.abuseSuspected) notes.push('⚠ 虐待の疑いとして記録しました。虐待防止窓口へ通知されます。');
  const fields = [
    { label: 'ケース', value: who },
    { label: '相談日', value: formatJpDate(input.occurredOn) },
    { label: '方法・種別', value: `${input.method}・${input.kind}` },
  ];
  if (input.nextAction)
    fields.push({
      label: '次の対応',
      value: `${input.nextAction}${input.nextActionDue ? `（${formatJpDate(input.nextActionDue)}まで）` : ''}`,
    });
  // A 一般相談 can become a case later, with this record: offered right here.
  const buttons = input.personId
    ? [button('ケースを見る', 'case:show', input.personId)]
    : saved.anonymousLabel
      ? [
          button('ケースとして登録', 'riyousha:new', saved.anonymousLabel),
          button('登録済みのケースに引き継ぐ', 'riyousha:attach', saved.anonymousLabel),
        ]
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
    if (form.formId !== SOUDAN_FORM)
      throw new UserError('unknown_form', 'このフォームには対応していません。', `unknown form ${form.formId}`);
    return submit(ctx, form);
  },
};
