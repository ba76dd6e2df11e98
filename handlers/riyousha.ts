/**
 * 利用者登録: a counselor registers a person of their own office (name, kana, office), and may
 * attach an anonymous 一般相談's earlier records (匿名-20261122-1) at once; 「一般相談 → ケース」 attaches
 * a label's records to a person already registered.
 */
import { z } from 'zod';
import { parseForm } from '../src/chat/forms';
import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { button, card, reply } from '../src/chat/replies';
import type { FormBlock, FormSubmission, Reply } from '../src/chat/types';
import { canLogConsultations } from '../src/core/access';
import { jstToday } from '../src/core/calendar/jst';
import { attachAnonymous, registerPerson, registrationOffice } from '../src/core/cases/register';
import { resolvePerson } from '../src/core/cases/resolve';
import { decisionPersonId } from '../src/core/decisions/decision';
import { UserError } from '../src/core/errors';
import { boundedText, kana, optionalJpDate } from './form-fields';

const NEW_FORM = 'riyousha:new';
const ATTACH_FORM = 'riyousha:attach';

type Values = FormSubmission['values'];
const val = (values: Values | undefined, name: string, fallback = ''): string => {
  const v = values?.[name];
  return typeof v === 'string' ? v : fallback;
};

const ownOffice = (ctx: HandlerContext) => registrationOffice(ctx.db, ctx.actor);

function registrationForm(office: { id: string; name: string }, values?: Values, errors?: Record<string, string>): FormBlock {
  return {
    type: 'form',
    formId: NEW_FORM,
    title: '利用者登録',
    submitLabel: '登録する',
    errors,
    fields: [
      { name: 'familyName', label: '姓', type: 'text', required: true, maxLength: 40, initial: val(values, 'familyName') },
      { name: 'givenName', label: '名', type: 'text', required: true, maxLength: 40, initial: val(values, 'givenName') },
      { name: 'familyKana', label: 'せい（かな）', type: 'text', required: true, maxLength: 40, initial: val(values, 'familyKana') },
      { name: 'givenKana', label: 'めい（かな）', type: 'text', required: true, maxLength: 40, initial: val(values, 'givenKana') },
      {
        name: 'officeId',
        label: '事業所',
        type: 'select',
        required: true,
        initial: val(values, 'officeId', office.id),
        options: [{ value: office.id, label: office.name }],
        hint: 'ご自身の事業所の利用者として登録します',
      },
      { name: 'birthDate', label: '生年月日', type: 'date', initial: val(values, 'birthDate'), hint: '例: 昭和60年4月1日 / 1985-04-01' },
      {
        name: 'anonymousLabel',
        label: '一般相談の匿名ラベル（記録を引き継ぐ場合）',
        type: 'text',
        maxLength: 40,
        initial: val(values, 'anonymousLabel'),
        placeholder: '匿名-20261122-1',
      },
    ],
  };
}

function attachForm(label: string, values?: Values): FormBlock {
  return {
    type: 'form',
    formId: ATTACH_FORM,
    title: '一般相談をケースに引き継ぐ',
    submitLabel: '引き継ぐ',
    fields: [
      {
        name: 'anonymousLabel',
        label: '一般相談の匿名ラベル',
        type: 'text',
        required: true,
        maxLength: 40,
        initial: val(values, 'anonymousLabel', label),
        placeholder: '匿名-20261122-1',
      },
      {
        name: 'person',
        label: '引き継ぐケース（番号・氏名）',
        type: 'person',
        required: true,
        initial: val(values, 'person'),
        placeholder: 'C-0012',
      },
    ],
  };
}

const LABEL = /^匿名-\d{8}-\d{1,4}$/;
const labelField = z
  .string()
  .trim()
  .optional()
  .transform((s) => (s ? s.normalize('NFKC') : null))
  .refine((s) => s === null || LABEL.test(s), '匿名ラベルは「匿名-20261122-1」の形で入力してください。');

function requireLogger(ctx: HandlerContext): void {
  if (!canLogConsultations(ctx.actor))
    throw new UserError(
      'forbidden',
      '利用者を登録する権限がありません（相談支援事業所の職員が登録します）。',
      'role cannot register persons',
    );
}

async function submitNew(ctx: HandlerContext, form: FormSubmission): Promise<Reply[]> {
  requireLogger(ctx);
  const today = jstToday(ctx.now);
  const v = parseForm(
    z.object({
      familyName: boundedText('姓', 40),
      givenName: boundedText('名', 40),
      familyKana: kana('せい（かな）'),
      givenKana: kana('めい（かな）'),
      officeId: z.string().trim().min(1, '事業所を選んでください。'),
      birthDate: optionalJpDate(today, '生年月日').refine((d) => d === null || d <= today, '生年月日に未来の日付は指定できません。'),
      anonymousLabel: labelField,
    }),
    form.values,
  );
  const saved = await registerPerson(ctx.db, ctx.actor, v, ctx.now);
  const attached = saved.attached > 0 ? `一般相談（${v.anonymousLabel}）の記録${saved.attached}件を引き継ぎました。` : '';
  return [
    reply(`${saved.code} を登録しました`, [
      card(
        `${saved.code} を登録しました`,
        [
          { label: '氏名', value: `${v.familyName} ${v.givenName}（${v.familyKana} ${v.givenKana}）` },
          { label: '担当', value: 'あなた' },
          ...(attached ? [{ label: '一般相談', value: attached }] : []),
        ],
        [
          button('支給決定を入力', 'shikyu:form', `new:${saved.id}`, 'primary'),
          button('同意を記録', 'doui:form', saved.id),
          button('ケースを見る', 'case:show', saved.id),
        ],
      ),
    ]),
  ];
}

async function submitAttach(ctx: HandlerContext, form: FormSubmission): Promise<Reply[]> {
  requireLogger(ctx);
  const v = parseForm(
    z.object({ anonymousLabel: labelField.refine((s) => s !== null, '匿名ラベルを入力してください。'), person: boundedText('ケース', 60) }),
    form.values,
  );
  const personId = await decisionPersonId(ctx.db, ctx.actor, v.person, (t) => resolvePerson(ctx.db, ctx.actor, t, ctx.now));
  const n = await attachAnonymous(ctx.db, ctx.actor, v.anonymousLabel ?? '', personId, ctx.now);
  return [
    reply('一般相談を引き継ぎました', [
      card(
        '一般相談を引き継ぎました',
        [{ label: '記録', value: `${n}件をケースの記録にしました（元の版は履歴に残ります）` }],
        [button('ケースを見る', 'case:show', personId)],
      ),
    ]),
  ];
}

export const riyoushaCommand: CommandSpec = {
  id: 'riyousha',
  aliases: ['利用者登録', 'りようしゃとうろく', '新規利用者', '一般相談引継ぎ'],
  label: '利用者登録',
  description: '利用者（ケース）を登録します。一般相談の匿名ラベルを入れると、その記録を引き継ぎます',
  usage: '利用者登録　/　利用者登録 匿名-20261122-1',
  async onCommand(ctx, cmd) {
    requireLogger(ctx);
    const text = cmd.text.normalize('NFKC').trim();
    if (LABEL.test(text)) {
      return [
        reply('一般相談をケースにする', [
          { type: 'text', text: `一般相談（${text}）を新しい利用者として登録するか、登録済みのケースに引き継ぎます。` },
          card('登録済みの方の場合', [{ label: '一般相談', value: text }], [button('登録済みのケースに引き継ぐ', ATTACH_FORM, text)]),
          registrationForm(await ownOffice(ctx), { anonymousLabel: text }),
        ]),
      ];
    }
    return [reply('利用者登録', [registrationForm(await ownOffice(ctx))])];
  },
  async onAction(ctx, action) {
    if (action.id === NEW_FORM) {
      requireLogger(ctx);
      return [reply('利用者登録', [registrationForm(await ownOffice(ctx), { anonymousLabel: action.value })])];
    }
    if (action.id === ATTACH_FORM) {
      requireLogger(ctx);
      return [reply('一般相談をケースに引き継ぐ', [attachForm(action.value)])];
    }
    throw new UserError('unknown_action', 'この操作には対応していません。', `unknown action ${action.id}`);
  },
  async onForm(ctx, form) {
    if (form.formId === NEW_FORM) return submitNew(ctx, form);
    if (form.formId === ATTACH_FORM) return submitAttach(ctx, form);
    throw new UserError('unknown_form', 'このフォームには対応していません。', `unknown form ${form.formId}`);
  },
};
