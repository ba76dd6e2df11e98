/**
 * 同意: 情報共有の同意 recorded and withdrawn from chat by the person's own office (date, scope:
 * the 基幹 and/or named bodies, how it was obtained; who recorded it is the actor). A withdrawal
 * takes effect for every view at once; both are audited (core/consent).
 */
import { z } from 'zod';
import { parseForm } from '../src/chat/forms';
import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { button, card, reply } from '../src/chat/replies';
import type { FormBlock, FormSubmission, Reply } from '../src/chat/types';
import { jstToday } from '../src/core/calendar/jst';
import { formatJpDate } from '../src/core/calendar/wareki';
import { isPersonId, resolvePerson, visibleCaseCode } from '../src/core/cases/resolve';
import { CONSENT_METHODS, consentsOf, KIKAN_SCOPE, recordConsent, withdrawConsent, type ConsentMethod } from '../src/core/consent/consent';
import { decisionPersonId, personForDecision } from '../src/core/decisions/decision';
import { UserError } from '../src/core/errors';
import { boundedText, jpDate, listValue } from './form-fields';

const RECORD_FORM = 'doui:record';
const WITHDRAW_FORM = 'doui:withdraw';

type Values = FormSubmission['values'];
const val = (values: Values | undefined, name: string, fallback = ''): string => {
  const v = values?.[name];
  return typeof v === 'string' ? v : fallback;
};

function recordForm(person: string, today: string, values?: Values): FormBlock {
  return {
    type: 'form',
    formId: RECORD_FORM,
    title: '情報共有の同意を記録',
    submitLabel: '記録する',
    fields: [
      { name: 'person', label: 'ケース（番号・氏名）', type: 'person', required: true, initial: val(values, 'person', person) },
      { name: 'givenOn', label: '同意を得た日', type: 'date', required: true, initial: val(values, 'givenOn', today) },
      {
        name: 'kikan',
        label: '基幹相談支援センターへの共有',
        type: 'select',
        required: true,
        initial: val(values, 'kikan', 'yes'),
        options: [
          { value: 'yes', label: '同意あり' },
          { value: 'no', label: '含まない' },
        ],
      },
      {
        name: 'bodies',
        label: 'ほかに共有してよい機関（カンマ区切り）',
        type: 'text',
        maxLength: 200,
        initial: val(values, 'bodies'),
        placeholder: '〇〇市障害福祉課, △△病院',
      },
      {
        name: 'method',
        label: '同意の取り方',
        type: 'select',
        required: true,
        initial: val(values, 'method', '書面'),
        options: CONSENT_METHODS.map((m) => ({ value: m, label: m })),
      },
    ],
  };
}

function withdrawForm(person: string, today: string): FormBlock {
  return {
    type: 'form',
    formId: WITHDRAW_FORM,
    title: '情報共有の同意の撤回',
    submitLabel: '撤回を記録する',
    fields: [
      { name: 'person', label: 'ケース（番号・氏名）', type: 'person', required: true, initial: person },
      { name: 'withdrawnOn', label: '撤回の申し出があった日', type: 'date', required: true, initial: today },
    ],
    // The effect (every view at once) is said before the button is pressed.
  };
}

async function personId(ctx: HandlerContext, text: string): Promise<string> {
  return isPersonId(text) ? text : decisionPersonId(ctx.db, ctx.actor, text, (t) => resolvePerson(ctx.db, ctx.actor, t, ctx.now));
}

async function status(ctx: HandlerContext, text: string): Promise<Reply[]> {
  if (text === '')
    return [reply('同意', [{ type: 'text', text: '同意を記録・撤回する方のケース番号か氏名を続けて送ってください。\n例: 同意 C-0012' }])];
  const id = await personId(ctx, text);
  const rows = await consentsOf(ctx.db, ctx.actor, id);
  const code = (await visibleCaseCode(ctx.db, ctx.actor, id))?.code ?? '';
  const active = rows.filter((r) => !r.withdrawnOn);
  const line = (r: (typeof rows)[number]) =>
    `${formatJpDate(r.givenOn)} ${r.method}: ${r.scope.map((s) => (s === KIKAN_SCOPE ? '基幹' : s)).join('・')}（記録: ${r.recordedByName}）${r.withdrawnOn ? `　${formatJpDate(r.withdrawnOn)}撤回` : ''}`;
  return [
    reply(`${code} の情報共有の同意`, [
      card(
        `${code} の情報共有の同意`,
        [
          { label: 'いま', value: active.length > 0 ? '同意あり' : '同意なし' },
          { label: '記録', value: rows.length > 0 ? rows.slice(0, 5).map(line).join('\n') : 'まだありません' },
        ],
        [
          button('同意を記録', 'doui:form', id, 'primary'),
          ...(active.length > 0 ? [button('撤回を記録', 'doui:withdrawForm', id, 'danger')] : []),
        ],
      ),
    ]),
  ];
}

async function submitRecord(ctx: HandlerContext, form: FormSubmission): Promise<Reply[]> {
  const today = jstToday(ctx.now);
  const v = parseForm(
    z
      .object({
        person: boundedText('ケース', 60),
        givenOn: jpDate(today, '同意を得た日').refine((d) => d <= today, '同意を得た日に未来の日付は指定できません。'),
        kikan: z.enum(['yes', 'no'], { error: '基幹への共有を選んでください。' }),
        bodies: listValue.refine((l) => l.every((b) => [...b].length <= 40), '機関名は1つ40文字以内で入力してください。'),
        method: z.enum(CONSENT_METHODS, { error: '同意の取り方を選んでください。' }),
      })
      .refine((v) => v.kikan === 'yes' || v.bodies.length > 0, {
        path: ['bodies'],
        message: '共有してよい相手（基幹か機関名）を入力してください。',
      }),
    form.values,
  );
  const id = await personId(ctx, v.person);
  const scope = [...(v.kikan === 'yes' ? [KIKAN_SCOPE] : []), ...v.bodies];
  await recordConsent(ctx.db, ctx.actor, { personId: id, givenOn: v.givenOn, scope, method: v.method as ConsentMethod }, ctx.now);
  return [
    reply('同意を記録しました', [
      {
        type: 'text',
        text: `✓ 情報共有の同意を記録しました（${formatJpDate(v.givenOn)}・${v.method}）。${v.kikan === 'yes' ? '基幹相談支援センターがこの方のケースを見られるようになります。' : ''}`,
      },
      ...((await status(ctx, id))[0]?.blocks ?? []),
    ]),
  ];
}

async function submitWithdraw(ctx: HandlerContext, form: FormSubmission): Promise<Reply[]> {
  const today = jstToday(ctx.now);
  const v = parseForm(
    z.object({
      person: boundedText('ケース', 60),
      withdrawnOn: jpDate(today, '撤回の申し出があった日').refine((d) => d <= today, '未来の日付は指定できません。'),
    }),
    form.values,
  );
  const id = await personId(ctx, v.person);
  await withdrawConsent(ctx.db, ctx.actor, id, v.withdrawnOn, ctx.now);
  return [
    reply('同意の撤回を記録しました', [
      {
        type: 'text',
        text: '✓ 同意の撤回を記録しました。基幹相談支援センターなどはこの時点からこの方のケースを見られません（これまでの匿名の二次相談は匿名のままです）。',
      },
      ...((await status(ctx, id))[0]?.blocks ?? []),
    ]),
  ];
}

export const douiCommand: CommandSpec = {
  id: 'doui',
  aliases: ['同意', 'どうい', '情報共有の同意'],
  label: '同意',
  description: '情報共有の同意（基幹・関係機関）を記録・撤回します。撤回はすぐにすべての表示に反映されます（担当事業所のみ）',
  usage: '同意 C-0012',
  async onCommand(ctx, cmd) {
    return status(ctx, cmd.text.trim());
  },
  async onAction(ctx, action) {
    const today = jstToday(ctx.now);
    if (action.id === 'doui:show') return status(ctx, action.value);
    if (action.id === 'doui:form' || action.id === 'doui:withdrawForm') {
      const { code } = await personForDecision(ctx.db, ctx.actor, await personId(ctx, action.value));
      if (action.id === 'doui:form') return [reply('同意の記録', [recordForm(code, today)])];
      return [reply('同意の撤回', [{ type: 'text', text: '撤回はすぐにすべての表示に反映されます。' }, withdrawForm(code, today)])];
    }
    throw new UserError('unknown_action', 'この操作には対応していません。', `unknown action ${action.id}`);
  },
  async onForm(ctx, form) {
    if (form.formId === RECORD_FORM) return submitRecord(ctx, form);
    if (form.formId === WITHDRAW_FORM) return submitWithdraw(ctx, form);
    throw new UserError('unknown_form', 'このフォームには対応していません。', `unknown form ${form.formId}`);
  },
};
