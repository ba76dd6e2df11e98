import { z } from 'zod';
import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { button, card, reply, textReply, truncate } from '../src/chat/replies';
import type { FormBlock, FormSubmission, Reply } from '../src/chat/types';
import { shortDate, shortDateTime } from '../src/core/calendar/format';
import { formatJpDate } from '../src/core/calendar/wareki';
import { resolvePerson } from '../src/core/cases/resolve';
import { UserError } from '../src/core/errors';
import { deleteConsultation, editConsultation, type ConsultationPatch } from '../src/core/versions/consultations';
import { consultationHistory, recordsOf } from '../src/core/versions/history';
import { CONSULTATION_KINDS, CONTACT_METHODS, LIMITS } from '../src/core/vocabulary';
import { defineForm, field } from './forms/define';

const FIELD_LABELS: Record<string, string> = {
  occurredOn: '相談日',
  method: '方法',
  kind: '種別',
  summary: '内容',
  minutes: '対応時間',
  nextAction: '次の対応',
  nextActionDue: '次の対応の期限',
  abuseSuspected: '虐待の疑い',
};

const id = z.uuid();
function recordId(value: string | undefined): string {
  const parsed = id.safeParse(value);
  if (!parsed.success) throw new UserError('unknown_consultation', '指定された相談記録が見つかりません。', 'malformed consultation id');
  return parsed.data;
}

async function listFor(ctx: HandlerContext, text: string): Promise<Reply[]> {
  if (text === '') return [textReply('履歴を見たいケースの番号か氏名を続けて入力してください。例: 履歴 C-0012')];
  const person = await resolvePerson(ctx.db, ctx.actor, text, ctx.now);
  const rows = await recordsOf(ctx.db, ctx.actor, person.id, ctx.now);
  if (rows.length === 0) return [textReply('このケースの相談記録はまだありません。')];
  return [
    reply('相談記録の履歴', [
      {
        type: 'list',
        title: '相談記録（新しい順）。「履歴」で編集前の版を確認できます。',
        items: rows.map((r) => ({
          title: `${shortDate(r.occurredOn)} ${r.kind}`,
          description: r.deleted ? '削除済み' : r.version > 1 ? `編集済み（第${r.version}版）` : '第1版',
          button: button('履歴', 'rireki:show', r.id),
        })),
      },
    ]),
  ];
}

function show(value: unknown, max = 120): string {
  if (value === null || value === undefined || value === '') return '（なし）';
  if (typeof value === 'boolean') return value ? 'あり' : 'なし';
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return formatJpDate(value);
  return truncate(String(value), max);
}

/** What the record says now: every field, the summary in full (up to a phone's worth). */
function currentFields(data: Record<string, unknown>): { label: string; value: string }[] {
  return Object.keys(FIELD_LABELS)
    .filter((k) => k === 'summary' || k === 'occurredOn' || (data[k] !== null && data[k] !== undefined && data[k] !== ''))
    .map((k) => ({
      label: FIELD_LABELS[k] ?? k,
      value: k === 'minutes' && typeof data[k] === 'number' ? `${data[k]}分` : show(data[k], k === 'summary' ? 800 : 120),
    }));
}

async function history(ctx: HandlerContext, value: string): Promise<Reply[]> {
  const h = await consultationHistory(ctx.db, ctx.actor, recordId(value), ctx.now);
  const blocks: Reply['blocks'] = [];
  for (const v of h.versions) {
    const current = v.replacedAt === null;
    const fields = current
      ? [
          { label: '状態', value: h.deleted ? `削除済み（${shortDateTime(h.deleted.at)}、理由: ${h.deleted.reason ?? ''}）` : '現在の版' },
          ...currentFields(v.data),
        ]
      : [
          { label: '変更', value: `${shortDateTime(v.replacedAt as Date)} ${v.replacedBy ?? ''}` },
          { label: '変更された項目', value: v.changed.map((k) => FIELD_LABELS[k] ?? k).join('、') || '（削除）' },
          ...(v.reason ? [{ label: '理由', value: v.reason }] : []),
          ...v.changed.map((k) => ({ label: `変更前の${FIELD_LABELS[k] ?? k}`, value: show(v.data[k]) })),
        ];
    blocks.push(card(`第${v.version}版${current ? '（現在）' : ''}`, fields));
  }
  // Only what the asker may do: a grantee or another counselor reads the versions, nothing more.
  const buttons = h.deleted
    ? []
    : [
        ...(h.canEdit ? [button('編集する', 'rireki:edit', h.id)] : []),
        ...(h.canDelete ? [button('削除する', 'rireki:delete', h.id, 'danger')] : []),
      ];
  if (buttons.length > 0) blocks.push({ type: 'card', title: 'この記録を', fields: [], buttons });
  return [reply('相談記録の版の履歴', blocks)];
}

/**
 * The edit form, declared once. Rules that depend on the record (a due date may stay in the past
 * when it is not changed) are the domain's (editConsultation), not the form's.
 */
const editDefinition = defineForm({
  formId: 'rireki:edit',
  title: '相談記録の編集',
  submitLabel: '保存する',
  fields: {
    occurredOn: field.date({ label: '相談日', required: true }),
    method: field.select({ label: '方法', required: true, options: CONTACT_METHODS.map((m) => ({ value: m, label: m })) }),
    kind: field.select({ label: '種別', required: true, options: CONSULTATION_KINDS.map((k) => ({ value: k, label: k })) }),
    summary: field.longtext({ label: '内容（要約）', required: true, maxLength: LIMITS.summary }),
    minutes: field.number({
      label: '対応時間（分）',
      min: 0,
      max: LIMITS.minutesMax,
      unit: '分',
      message: '対応時間は0〜1440の整数（分）で入力してください。',
    }),
    nextAction: field.text({ label: '次の対応', maxLength: LIMITS.nextAction }),
    nextActionDue: field.date({ label: '次の対応の期限' }),
    abuse: field.select({
      label: '虐待の疑い',
      options: [
        { value: 'no', label: 'なし' },
        { value: 'yes', label: 'あり（虐待防止窓口へ通知）' },
      ],
      message: '「なし」か「あり」を選んでください。',
    }),
    reason: field.text({ label: '編集の理由（任意）', errorLabel: '編集の理由', maxLength: LIMITS.shortText }),
  },
});

const deleteDefinition = defineForm({
  formId: 'rireki:delete',
  title: '相談記録の削除（記録は消えずに「削除済み」として残ります）',
  submitLabel: '削除する',
  fields: { reason: field.text({ label: '削除の理由', required: true, maxLength: LIMITS.shortText }) },
});

function editForm(h: Awaited<ReturnType<typeof consultationHistory>>, errors?: Record<string, string>): FormBlock {
  const d = h.versions.at(-1)?.data ?? {};
  const s = (k: string) => (d[k] === null || d[k] === undefined ? '' : String(d[k]));
  const initial = {
    occurredOn: s('occurredOn'),
    method: s('method'),
    kind: s('kind'),
    summary: s('summary'),
    minutes: s('minutes'),
    nextAction: s('nextAction'),
    nextActionDue: s('nextActionDue'),
    abuse: d.abuseSuspected ? 'yes' : 'no',
  };
  return editDefinition.block(initial, { context: h.id, errors });
}

function readPatch(ctx: HandlerContext, form: FormSubmission): { patch: ConsultationPatch; reason: string | null } {
  const v = editDefinition.parse(form, ctx.now);
  return {
    patch: {
      occurredOn: v.occurredOn,
      method: v.method,
      kind: v.kind,
      summary: v.summary,
      minutes: v.minutes,
      nextAction: v.nextAction || null,
      nextActionDue: v.nextActionDue,
      abuseSuspected: v.abuse === 'yes',
    },
    reason: v.reason || null,
  };
}

export const rirekiCommand: CommandSpec = {
  id: 'rireki',
  aliases: ['履歴', 'りれき'],
  label: '履歴',
  description: 'ケースの相談記録の編集・削除の履歴（誰が・いつ・何を）を表示し、記録を編集・削除します',
  usage: '履歴 C-0012',
  async onCommand(ctx, cmd) {
    return listFor(ctx, cmd.text);
  },
  async onAction(ctx, action) {
    if (action.id === 'rireki:show') return history(ctx, action.value);
    const hist = () => consultationHistory(ctx.db, ctx.actor, recordId(action.value), ctx.now);
    if (action.id === 'rireki:edit') return [reply('相談記録の編集', [editForm(await hist())])];
    if (action.id === 'rireki:delete') {
      const h = await hist();
      return [reply('相談記録の削除', [deleteDefinition.block({}, { context: h.id })])];
    }
    throw new UserError('unknown_action', 'この操作には対応していません。', `unknown action ${action.id}`);
  },
  async onForm(ctx, form) {
    const target = recordId(form.context);
    if (form.formId === 'rireki:edit') {
      const { patch, reason } = readPatch(ctx, form);
      const saved = await editConsultation(ctx.db, ctx.actor, target, patch, reason, ctx.now);
      return [
        reply('相談記録を更新しました', [
          card(
            '相談記録を更新しました（編集済み）',
            [
              { label: '版', value: `第${saved.version}版` },
              { label: '変更された項目', value: saved.changed.map((k) => FIELD_LABELS[k] ?? k).join('、') },
            ],
            [button('履歴', 'rireki:show', target)],
          ),
        ]),
      ];
    }
    if (form.formId === 'rireki:delete') {
      await deleteConsultation(ctx.db, ctx.actor, target, deleteDefinition.parse(form, ctx.now).reason, ctx.now);
      return [textReply('相談記録を削除しました。記録は「削除済み」として理由とともに保存されています。')];
    }
    throw new UserError('unknown_form', 'このフォームには対応していません。', `unknown form ${form.formId}`);
  },
};
