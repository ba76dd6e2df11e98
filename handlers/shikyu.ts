/**
 * 支給決定: 新規 / 更新 / 変更 of a person's decision from chat, one form definition for every
 * platform. The first submission shows the monitoring months it gives (before → after) and asks
 * again with 「保存する」; the save stores exactly the months shown (the form carries them and they
 * are computed again), and answers with the case card, whose months (and 予定) have changed.
 */
import { z } from 'zod';
import { parseForm } from '../src/chat/forms';
import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { button, card, reply } from '../src/chat/replies';
import type { FormBlock, FormSubmission, Reply } from '../src/chat/types';
import { openPerson } from '../src/core/admin/grants';
import { jstToday } from '../src/core/calendar/jst';
import { monthLabel } from '../src/core/calendar/format';
import { isPersonId, resolvePerson, visibleCaseCode } from '../src/core/cases/resolve';
import {
  DECISION_KIND_LABELS,
  decisionPersonId,
  personForDecision,
  previewDecision,
  saveDecision,
  type DecisionInput,
  type DecisionKind,
  type DecisionPreview,
} from '../src/core/decisions/decision';
import { isUserError, UserError } from '../src/core/errors';
import { FREQUENCY_LABELS, MONITORING_FREQUENCIES, type MonitoringFrequency } from '../src/core/monitoring/months';
import { boundedText, jpDate, listValue, optionalJpDate, optionalJpMonth } from './form-fields';
import { renderCase } from './case';

const KINDS: readonly DecisionKind[] = ['new', 'renewal', 'change'];
const formIdOf = (kind: DecisionKind) => `shikyu:${kind}`;

/** The services a 支給決定 lists most often (障害福祉サービス and 障害児通所支援). */
const SERVICE_KINDS = [
  '居宅介護',
  '重度訪問介護',
  '同行援護',
  '行動援護',
  '短期入所',
  '生活介護',
  '療養介護',
  '施設入所支援',
  '自立訓練',
  '就労移行支援',
  '就労継続支援A型',
  '就労継続支援B型',
  '就労定着支援',
  '自立生活援助',
  '共同生活援助',
  '児童発達支援',
  '放課後等デイサービス',
  '保育所等訪問支援',
] as const;

type Values = FormSubmission['values'];
const val = (values: Values | undefined, name: string, fallback = ''): string => {
  const v = values?.[name];
  return typeof v === 'string' ? v : fallback;
};

/** The 支給決定 form. Its submission shows the months and saves nothing (the confirm form saves). */
function decisionForm(kind: DecisionKind, person: string, opts: { values?: Values; errors?: Record<string, string> } = {}): FormBlock {
  const { values, errors } = opts;
  const change = kind === 'change';
  const services = values?.serviceKinds;
  return {
    type: 'form',
    formId: formIdOf(kind),
    title: `支給決定（${DECISION_KIND_LABELS[kind]}）`,
    submitLabel: 'モニタリング月を確認',
    errors,
    fields: [
      {
        name: 'person',
        label: 'ケース（番号・氏名）',
        type: 'person',
        required: true,
        initial: val(values, 'person', person),
        placeholder: 'C-0012',
      },
      ...(change
        ? [
            {
              name: 'changeFrom',
              label: '変更後の頻度を適用する月',
              type: 'text' as const,
              initial: val(values, 'changeFrom'),
              placeholder: '2026年10月',
              hint: '市町村の変更通知の翌月が一般的です。例: 10月 / 令和8年10月 / 2026-10',
            },
            {
              name: 'periodEnd',
              label: '支給決定期間の終了日（変わる場合）',
              type: 'date' as const,
              initial: val(values, 'periodEnd'),
              hint: '例: 2027/4/30 / 令和9年4月30日',
            },
          ]
        : [
            {
              name: 'periodStart',
              label: '支給決定期間の開始日',
              type: 'date' as const,
              required: true,
              initial: val(values, 'periodStart'),
              hint: '例: 2026/5/1 / 令和8年5月1日',
            },
            {
              name: 'periodEnd',
              label: '支給決定期間の終了日',
              type: 'date' as const,
              required: true,
              initial: val(values, 'periodEnd'),
              hint: '例: 2027/4/30',
            },
          ]),
      {
        name: 'frequency',
        label: change ? '変更後のモニタリング頻度' : 'モニタリング頻度',
        type: 'select',
        required: !change,
        initial: val(values, 'frequency', change ? '' : '3'),
        options: [
          ...(change ? [{ value: '', label: '変更なし' }] : []),
          ...MONITORING_FREQUENCIES.map((f) => ({ value: String(f), label: FREQUENCY_LABELS[f] })),
          { value: 'standard', label: '実施標準月を指定' },
        ],
      },
      {
        name: 'standardMonths',
        label: 'モニタリング実施標準月（指定の場合）',
        type: 'text',
        initial: val(values, 'standardMonths'),
        placeholder: '7,10,1,4',
        hint: '受給者証の記載どおり。期間の最終月がなければ加えてお知らせします',
      },
      {
        name: 'serviceKinds',
        label: 'サービスの種類',
        type: 'multiselect',
        initial: Array.isArray(services) ? services : val(values, 'serviceKinds').split(',').filter(Boolean),
        options: SERVICE_KINDS.map((s) => ({ value: s, label: s })),
      },
      { name: 'noticeDate', label: '市町村の通知日', type: 'date', initial: val(values, 'noticeDate'), hint: '支給決定通知書の日付' },
      {
        name: 'recipientNumber',
        label: '受給者証番号',
        type: 'text',
        initial: val(values, 'recipientNumber'),
        maxLength: 20,
        placeholder: '1234567890',
      },
      {
        name: 'certificateEnd',
        label: '受給者証の有効期限',
        type: 'date',
        initial: val(values, 'certificateEnd'),
        hint: '空欄なら更新の通知は出ません',
      },
      ...(change
        ? []
        : [
            {
              name: 'countFrom',
              label: '月の途中からの期間の数え始め',
              type: 'select' as const,
              initial: val(values, 'countFrom'),
              hint: '開始日が1日でないときだけ使います（どちらも可: 厚生労働省Q&A）',
              options: [
                { value: '', label: '市町村の設定どおり' },
                { value: 'same_month', label: 'その月から数える' },
                { value: 'next_month', label: '翌月から数える' },
              ],
            },
          ]),
    ],
  };
}

/** Not a field: the months the confirmation showed, passed along with the values. */
const MONTHS_SHOWN = '__monthsShown';

/** What the confirm form carries: the values previewed and the months shown for them. */
interface Confirmation {
  v: Values;
  m: string;
}

/**
 * The confirmation: one choice, the values in its context (so that LINE asks one question, not
 * the whole form again, and a Slack modal's next step is short), the months on the field itself.
 */
function confirmForm(kind: DecisionKind, values: Values, months: string, summary: string): FormBlock {
  const { step: _step, [MONTHS_SHOWN]: _shown, ...kept } = values;
  return {
    type: 'form',
    formId: formIdOf(kind),
    title: `支給決定（${DECISION_KIND_LABELS[kind]}）の確認`,
    submitLabel: '送信',
    context: JSON.stringify({ v: kept, m: months } satisfies Confirmation),
    fields: [
      {
        name: 'step',
        label: 'この内容で保存しますか',
        type: 'select',
        required: true,
        initial: 'save',
        hint: summary,
        options: [
          { value: 'save', label: '確認した内容で保存する' },
          { value: 'edit', label: '入力し直す' },
        ],
      },
    ],
  };
}

function confirmationOf(context: string | undefined): Confirmation | null {
  if (!context) return null;
  try {
    const c = JSON.parse(context) as Partial<Confirmation>;
    return c && typeof c.m === 'string' && c.v && typeof c.v === 'object' ? { v: c.v, m: c.m } : null;
  } catch {
    return null;
  }
}

function schemaFor(kind: DecisionKind, today: string) {
  const change = kind === 'change';
  return z
    .object({
      person: boundedText('ケース', 60),
      periodStart: change
        ? z
            .unknown()
            .optional()
            .transform(() => undefined)
        : jpDate(today, '開始日'),
      periodEnd: change ? optionalJpDate(today, '終了日').transform((d) => d ?? undefined) : jpDate(today, '終了日'),
      changeFrom: change
        ? optionalJpMonth(today, '適用する月')
        : z
            .unknown()
            .optional()
            .transform(() => undefined),
      frequency: z
        .string()
        .trim()
        .optional()
        .refine(
          (f) => !f || f === 'standard' || MONITORING_FREQUENCIES.includes(Number(f) as MonitoringFrequency),
          'モニタリング頻度を選んでください。',
        ),
      standardMonths: z.string().trim().max(60, '実施標準月は 7,10,1,4 のように月の数字で入力してください。').optional(),
      serviceKinds: listValue.refine(
        (l) => l.every((s) => (SERVICE_KINDS as readonly string[]).includes(s)),
        'サービスの種類は一覧から選んでください。',
      ),
      noticeDate: optionalJpDate(today, '通知日'),
      recipientNumber: z
        .string()
        .trim()
        .optional()
        .transform((s) => (s ? s.normalize('NFKC') : null))
        .refine((s) => s === null || /^[0-9A-Za-z-]{1,20}$/.test(s), '受給者証番号は半角の数字（20桁まで）で入力してください。'),
      certificateEnd: optionalJpDate(today, '受給者証の有効期限'),
      countFrom: z
        .enum(['', 'same_month', 'next_month'], { error: '数え始めを選んでください。' })
        .optional()
        .transform((c) => (c ? c : undefined)),
      step: z.enum(['preview', 'save', 'edit']).optional().default('preview'),
    })
    .superRefine((v, ctx) => {
      if (!change && !v.frequency) ctx.addIssue({ code: 'custom', path: ['frequency'], message: 'モニタリング頻度を選んでください。' });
      if (v.periodStart && v.periodEnd && v.periodStart > v.periodEnd)
        ctx.addIssue({ code: 'custom', path: ['periodEnd'], message: '終了日が開始日より前になっています。' });
      if (v.frequency === 'standard' && standardMonthsOf(v.standardMonths) === null)
        ctx.addIssue({
          code: 'custom',
          path: ['standardMonths'],
          message: '実施標準月を 7,10,1,4 のように1〜12の数字で入力してください。',
        });
      if (change && v.frequency && !v.changeFrom)
        ctx.addIssue({ code: 'custom', path: ['changeFrom'], message: '変更後の頻度を適用する月を入力してください。' });
    });
}

function standardMonthsOf(text: string | undefined): number[] | null {
  const parts = (text ?? '')
    .normalize('NFKC')
    .replace(/月/g, '')
    .split(/[,、・\s]+/)
    .filter(Boolean);
  const months = parts.map(Number);
  if (months.length === 0 || months.some((m) => !Number.isInteger(m) || m < 1 || m > 12)) return null;
  return [...new Set(months)];
}

async function readInput(
  ctx: HandlerContext,
  kind: DecisionKind,
  values: Values,
): Promise<{ input: DecisionInput; step: 'preview' | 'save' | 'edit' }> {
  const v = parseForm(schemaFor(kind, jstToday(ctx.now)), values);
  const change = kind === 'change';
  const personId = await decisionPersonId(ctx.db, ctx.actor, v.person, (t) => resolvePerson(ctx.db, ctx.actor, t, ctx.now));
  const rule: Pick<DecisionInput, 'frequencyMonths' | 'standardMonths'> =
    v.frequency === 'standard'
      ? { standardMonths: standardMonthsOf(v.standardMonths) ?? [] }
      : v.frequency
        ? { frequencyMonths: Number(v.frequency) as MonitoringFrequency }
        : {};
  return {
    step: v.step,
    input: {
      kind,
      personId,
      periodStart: v.periodStart,
      periodEnd: v.periodEnd,
      changeFrom: v.changeFrom,
      serviceKinds: v.serviceKinds,
      ...rule,
      noticeDate: v.noticeDate,
      recipientNumber: v.recipientNumber,
      certificateEnd: v.certificateEnd,
      countFrom: change ? undefined : v.countFrom,
    },
  };
}

const monthsText = (months: readonly string[]) => (months.length === 0 ? 'なし' : months.map(monthLabel).join('・'));
const fingerprint = (p: DecisionPreview) => p.after.join(',');

function previewReply(kind: DecisionKind, p: DecisionPreview, values: Values, note?: string): Reply {
  const fields = [
    { label: 'ケース', value: p.personCode },
    ...(p.before.length > 0 ? [{ label: 'いまのモニタリング月', value: monthsText(p.before) }] : []),
    { label: kind === 'new' ? 'モニタリング月' : '保存後のモニタリング月', value: monthsText(p.after) },
  ];
  const warnings = [
    ...p.pastUnrecorded.map((m) => `⚠ ${monthLabel(m)}は過ぎた月ですが、この内容ではモニタリング月になり、未実施として表示されます。`),
    ...p.warnings
      .filter((w) => w.kind === 'last_month_added')
      .map((w) => `⚠ 実施標準月に期間の最終月がないため、${monthLabel(w.month)}を加えています（終期月には必ずモニタリングを行います）。`),
  ];
  return reply(`支給決定（${DECISION_KIND_LABELS[kind]}）の確認`, [
    ...(note ? [{ type: 'text' as const, text: note }] : []),
    card(
      `支給決定（${DECISION_KIND_LABELS[kind]}）の確認`,
      fields,
      undefined,
      '期間の最終月は必ずモニタリング月です（厚生労働省 相談支援Q&A）',
    ),
    ...warnings.map((text) => ({ type: 'text' as const, text })),
    { type: 'text', text: 'この内容でよければ「確認した内容で保存する」を選んで送信してください。' },
    confirmForm(
      kind,
      values,
      fingerprint(p),
      `保存後のモニタリング月: ${monthsText(p.after)}${warnings.length > 0 ? `\n${warnings.join('\n')}` : ''}`,
    ),
  ]);
}

async function submit(ctx: HandlerContext, kind: DecisionKind, form: FormSubmission): Promise<Reply[]> {
  // The confirm form carries the values previewed; anything else is the full form (a preview).
  const confirmation = confirmationOf(form.context);
  const values: Values = confirmation
    ? { ...confirmation.v, ...form.values, [MONTHS_SHOWN]: confirmation.m }
    : { ...form.values, step: 'preview' };
  if (values.step === 'edit') return [reply(`支給決定（${DECISION_KIND_LABELS[kind]}）の入力`, [decisionForm(kind, '', { values })])];
  return confirmation ? onConfirmForm(() => previewOrSave(ctx, kind, values)) : previewOrSave(ctx, kind, values);
}

/** A refusal about a field the confirm form does not show is said on its one field too, so it is seen. */
async function onConfirmForm(f: () => Promise<Reply[]>): Promise<Reply[]> {
  try {
    return await f();
  } catch (e) {
    if (!isUserError(e) || !e.fieldErrors || e.fieldErrors.step) throw e;
    const all = Object.values(e.fieldErrors).join('\n');
    throw new UserError(e.code, e.userMessage, e.message, { ...e.fieldErrors, step: `${all}\n「入力し直す」を選んで直してください。` });
  }
}

async function previewOrSave(ctx: HandlerContext, kind: DecisionKind, values: Values): Promise<Reply[]> {
  const { input, step } = await readInput(ctx, kind, values);
  const preview = await previewDecision(ctx.db, ctx.actor, input, ctx.now);
  if (step !== 'save' || values[MONTHS_SHOWN] !== fingerprint(preview)) {
    const changed = step === 'save' ? '入力が確認のときと変わったため、モニタリング月をもう一度確認してください。' : undefined;
    return [previewReply(kind, preview, values, changed)];
  }
  const saved = await saveDecision(ctx.db, ctx.actor, input, ctx.now);
  const view = await openPerson(ctx.db, ctx.actor, input.personId, ctx.now);
  return [
    reply(`支給決定（${DECISION_KIND_LABELS[kind]}）を保存しました`, [
      {
        type: 'text',
        text: `✓ 支給決定（${DECISION_KIND_LABELS[kind]}）を保存しました。モニタリング月: ${monthsText(saved.after)}。予定も更新しました。`,
      },
      ...renderCase(view).blocks,
    ]),
  ];
}

/** The choice of 新規 / 更新 / 変更 for a person (from the case card or 「支給決定 C-0012」). */
async function menu(ctx: HandlerContext, personText: string): Promise<Reply[]> {
  if (personText === '') {
    return [
      reply('支給決定', [
        { type: 'text', text: '支給決定を入力する方のケース番号か氏名を続けて送ってください。\n例: 支給決定 C-0012　/　支給決定 山田' },
      ]),
    ];
  }
  const id = isPersonId(personText)
    ? personText
    : await decisionPersonId(ctx.db, ctx.actor, personText, (t) => resolvePerson(ctx.db, ctx.actor, t, ctx.now));
  const p = await personForDecision(ctx.db, ctx.actor, id);
  return [
    reply(`${p.code} の支給決定`, [
      card(
        `${p.code} の支給決定`,
        [
          {
            label: '入力する内容',
            value: '新規: はじめての支給決定\n更新: 新しい支給決定期間\n変更: 市町村によるモニタリング頻度・期間の変更',
          },
        ],
        KINDS.map((k) => button(DECISION_KIND_LABELS[k], 'shikyu:form', `${k}:${p.id}`, k === 'renewal' ? 'primary' : undefined)),
      ),
    ]),
  ];
}

async function openForm(ctx: HandlerContext, value: string): Promise<Reply[]> {
  const [kind, personId = ''] = value.split(':') as [DecisionKind, string?];
  if (!KINDS.includes(kind)) throw new UserError('unknown_action', 'この操作には対応していません。', 'unknown decision kind');
  await personForDecision(ctx.db, ctx.actor, personId);
  const code = (await visibleCaseCode(ctx.db, ctx.actor, personId))?.code ?? '';
  return [reply(`支給決定（${DECISION_KIND_LABELS[kind]}）の入力`, [decisionForm(kind, code)])];
}

export const shikyuCommand: CommandSpec = {
  id: 'shikyu',
  aliases: ['支給決定', 'しきゅうけってい', '支給'],
  label: '支給決定',
  description: '利用者の支給決定（新規・更新・変更）を入力します。保存の前にモニタリング月を確認できます（担当事業所のみ）',
  usage: '支給決定 C-0012　/　支給決定 山田',
  async onCommand(ctx, cmd) {
    return menu(ctx, cmd.text.trim());
  },
  async onAction(ctx, action) {
    if (action.id === 'shikyu:menu') return menu(ctx, action.value);
    if (action.id === 'shikyu:form') return openForm(ctx, action.value);
    throw new UserError('unknown_action', 'この操作には対応していません。', `unknown action ${action.id}`);
  },
  async onForm(ctx, form) {
    const kind = form.formId.split(':')[1] as DecisionKind;
    if (!KINDS.includes(kind)) throw new UserError('unknown_form', 'このフォームには対応していません。', `unknown form ${form.formId}`);
    return submit(ctx, kind, form);
  },
};
