import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { formText } from '../src/chat/forms';
import { button, card, reply } from '../src/chat/replies';
import type { FormBlock, FormField, FormSubmission, Reply } from '../src/chat/types';
import { UserError } from '../src/core/errors';
import { issueCard, issueList } from './views/regional';
import { fileRegionalIssue, type NewRegionalIssue } from '../src/core/regional/file';
import { PRIORITIES, PROPOSAL_KINDS, ROUTINGS, STEP_LABELS, type Priority, type ProposalKind, type Routing } from '../src/core/regional/policy';
import { bukaiOf, listIssues, loadIssueView, type ListMode } from '../src/core/regional/read';
import { addProgress, decideIssue, endorseIssue, mergeIssue, proposeIssue, triageIssue } from '../src/core/regional/steps';
import { LIMITS } from '../src/core/vocabulary';

export const KADAI_FORM = 'kadai:new';
const TEXT_MAX = LIMITS.summary;
const COUNT_MAX = 10_000;
const len = (s: string) => [...s].length;
const entries = (o: Record<string, string>) => Object.entries(o).map(([value, label]) => ({ value, label }));
const noteField: FormField = { name: 'note', label: 'メモ（会議での結論など）', type: 'longtext', maxLength: TEXT_MAX };

export function kadaiForm(errors?: Record<string, string>): FormBlock {
  return {
    type: 'form',
    formId: KADAI_FORM,
    title: '地域課題の提出',
    submitLabel: '提出する',
    errors,
    fields: [
      { name: 'title', label: '題名', type: 'text', required: true, maxLength: LIMITS.shortText, placeholder: '例: 医療的ケア児の短期入所先が市内にない' },
      { name: 'finding', label: '把握した状況（個人が分かる情報は書かない。氏名・住所・電話番号などは自動で伏せ字になります）', type: 'longtext', required: true, maxLength: TEXT_MAX },
      { name: 'affectedCount', label: '該当するケースの数（自事業所）', type: 'number', required: true, initial: '1' },
      { name: 'resourceGap', label: '不足している既存の資源・制度', type: 'longtext', maxLength: TEXT_MAX },
      { name: 'suggestedDirection', label: '考えられる方向性', type: 'longtext', maxLength: TEXT_MAX },
    ],
  };
}

function fail(errors: Record<string, string>, what: string): never {
  const first = Object.values(errors)[0] ?? '入力内容を確認してください。';
  throw new UserError('invalid_form', `入力内容を確認してください。${first}`, `invalid ${what} form: ${Object.keys(errors).join(',')}`, errors);
}

function text(errors: Record<string, string>, form: FormSubmission, name: string, label: string, opts: { required?: boolean; max?: number } = {}): string {
  const t = formText(form, name);
  const max = opts.max ?? TEXT_MAX;
  if (opts.required && t === '') errors[name] = `${label}を入力してください。`;
  else if (len(t) > max) errors[name] = `${label}は${max}文字以内で入力してください（${len(t)}文字）。`;
  return t;
}

function count(errors: Record<string, string>, form: FormSubmission, name: string): number {
  const n = Number(formText(form, name).normalize('NFKC').replace(/件$/, ''));
  if (!Number.isInteger(n) || n < 1 || n > COUNT_MAX) {
    errors[name] = `件数は1〜${COUNT_MAX}の整数で入力してください。`;
    return 0;
  }
  return n;
}

function readIssue(form: FormSubmission): NewRegionalIssue {
  const errors: Record<string, string> = {};
  const input = {
    title: text(errors, form, 'title', '題名', { required: true, max: LIMITS.shortText }),
    finding: text(errors, form, 'finding', '把握した状況', { required: true }),
    affectedCount: count(errors, form, 'affectedCount'),
    resourceGap: text(errors, form, 'resourceGap', '不足している資源') || null,
    suggestedDirection: text(errors, form, 'suggestedDirection', '考えられる方向性') || null,
  };
  if (Object.keys(errors).length > 0) fail(errors, 'kadai');
  return input;
}

async function show(ctx: HandlerContext, ref: string, note?: string): Promise<Reply[]> {
  const r = issueCard(await loadIssueView(ctx.db, ctx.actor, ref));
  if (note) r.blocks.unshift({ type: 'text', text: note });
  return [r];
}

async function list(ctx: HandlerContext, mode: ListMode): Promise<Reply[]> {
  const others: [ListMode, string][] = [['status', '状態別'], ['bukai', '部会別'], ['endorsed', '賛同が多い順'], ['waiting', '整理待ち']];
  return [
    reply('地域課題の一覧', [
      issueList(mode, await listIssues(ctx.db, ctx.actor, mode)),
      card('ほかの並べ方', [], [...others.filter(([m]) => m !== mode).map(([m, l]) => button(l, 'kadai:list', m)), button('地域課題を提出', KADAI_FORM, '', 'primary')]),
    ]),
  ];
}

function form(formId: string, title: string, id: string, fields: FormField[], submitLabel = '記録する'): Reply[] {
  return [reply(title, [{ type: 'form', formId, title, submitLabel, context: id, fields }])];
}

async function stepForm(ctx: HandlerContext, step: string, id: string): Promise<Reply[]> {
  const v = await loadIssueView(ctx.db, ctx.actor, id);
  const head = `#${v.issue.number} ${v.issue.title}`;
  switch (step) {
    case 'endorse':
      return form('kadai:endorse', `うちでも同じ: ${head}`, v.issue.id, [{ name: 'count', label: '自事業所で該当するケースの数', type: 'number', required: true, initial: '1' }], '登録する');
    case 'triage': {
      const bukai = await bukaiOf(ctx.db, ctx.actor.tenantId);
      return form('kadai:triage', `運営会議で整理: ${head}`, v.issue.id, [
        { name: 'priority', label: '優先度', type: 'select', required: true, options: entries(PRIORITIES), initial: 'medium' },
        { name: 'routing', label: '振り分け', type: 'select', required: true, options: entries(ROUTINGS), initial: 'bukai' },
        { name: 'councilBodyId', label: '専門部会（部会に振り分けるとき）', type: 'select', options: bukai.map((b) => ({ value: b.id, label: b.name })) },
        noteField,
      ]);
    }
    case 'merge':
      return form('kadai:merge', `重複として統合: ${head}`, v.issue.id, [{ name: 'target', label: '統合先の地域課題の番号', type: 'text', required: true, placeholder: '例: 3' }], '統合する');
    case 'progress':
      return form('kadai:progress', `部会での検討状況: ${head}`, v.issue.id, [{ ...noteField, label: '検討状況', required: true }]);
    case 'propose':
      return form('kadai:propose', `提案: ${head}`, v.issue.id, [
        { name: 'kind', label: '提案の種類', type: 'select', required: true, options: entries(PROPOSAL_KINDS) },
        { name: 'proposal', label: '提案の内容', type: 'longtext', required: true, maxLength: TEXT_MAX },
      ]);
    case 'confirm':
    case 'resolve':
    case 'continue':
      return form('kadai:decide', `${STEP_LABELS[step]}: ${head}`, `${v.issue.id}:${step}`, [noteField]);
  }
  throw new UserError('unknown_action', 'この操作には対応していません。', `unknown kadai step ${step}`);
}

function listMode(text: string): ListMode | null {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t === '一覧' || t === '一覧 状態') return 'status';
  if (t === '部会' || t === '一覧 部会') return 'bukai';
  if (t === '賛同' || t === '賛同順' || t === '一覧 賛同') return 'endorsed';
  if (t === '整理待ち' || t === '一覧 整理待ち') return 'waiting';
  return null;
}

export const kadaiCommand: CommandSpec = {
  id: 'kadai',
  aliases: ['地域課題', 'ちいきかだい', '課題'],
  label: '地域課題',
  description: '地域課題を提出し、「うちでも同じ」を登録し、運営会議・部会での検討を記録します',
  usage: '地域課題　/　地域課題 一覧　/　地域課題 部会　/　地域課題 賛同順　/　地域課題 整理待ち　/　地域課題 #3',
  menu: true,
  async onCommand(ctx, cmd) {
    const t = cmd.text.normalize('NFKC').trim();
    if (t === '') return [reply('地域課題の提出', [kadaiForm()])];
    const mode = listMode(t);
    if (mode) return list(ctx, mode);
    if (/^#?\d{1,9}$/.test(t)) return show(ctx, t);
    throw new UserError('unknown_subcommand', '「地域課題」のあとには 一覧 / 部会 / 賛同順 / 整理待ち / #番号 のどれかを続けてください（何も付けないと提出フォームが開きます）。', 'unknown kadai subcommand');
  },
  async onAction(ctx, action) {
    if (action.id === KADAI_FORM) return [reply('地域課題の提出', [kadaiForm()])];
    if (action.id === 'kadai:show') return show(ctx, action.value);
    if (action.id === 'kadai:list') return list(ctx, (['status', 'bukai', 'endorsed', 'waiting'] as const).find((m) => m === action.value) ?? 'status');
    return stepForm(ctx, action.id.slice('kadai:'.length), action.value);
  },
  async onForm(ctx, f) {
    const errors: Record<string, string> = {};
    const id = f.context ?? '';
    switch (f.formId) {
      case KADAI_FORM: {
        const row = await fileRegionalIssue(ctx.db, ctx.actor, readIssue(f), ctx.now);
        return show(ctx, row.id, `地域課題 #${row.number} を提出しました。協議会のチャンネルに掲示しました（個人が分かる情報は伏せ字にしています）。`);
      }
      case 'kadai:endorse': {
        const n = count(errors, f, 'count');
        if (Object.keys(errors).length > 0) fail(errors, 'kadai endorse');
        await endorseIssue(ctx.db, ctx.actor, id, n, ctx.now);
        return show(ctx, id, `「うちでも同じ」（${n}件）を登録しました。`);
      }
      case 'kadai:triage': {
        const priority = formText(f, 'priority');
        const routing = formText(f, 'routing');
        if (!(priority in PRIORITIES)) errors.priority = '優先度を選んでください。';
        if (!(routing in ROUTINGS)) errors.routing = '振り分けを選んでください。';
        const note = text(errors, f, 'note', 'メモ');
        if (Object.keys(errors).length > 0) fail(errors, 'kadai triage');
        const row = await triageIssue(ctx.db, ctx.actor, id, { priority: priority as Priority, routing: routing as Routing, councilBodyId: formText(f, 'councilBodyId') || null, note }, ctx.now);
        return show(ctx, row.id, '運営会議での整理を記録しました。提出者に通知しました。');
      }
      case 'kadai:merge': {
        const target = text(errors, f, 'target', '統合先の番号', { required: true, max: 20 });
        if (Object.keys(errors).length > 0) fail(errors, 'kadai merge');
        const { target: t } = await mergeIssue(ctx.db, ctx.actor, id, target, ctx.now);
        return show(ctx, t.id, '重複として統合しました。「うちでも同じ」の件数は統合先に引き継がれます。');
      }
      case 'kadai:progress': {
        const note = text(errors, f, 'note', '検討状況', { required: true });
        if (Object.keys(errors).length > 0) fail(errors, 'kadai progress');
        const row = await addProgress(ctx.db, ctx.actor, id, note, ctx.now);
        return show(ctx, row.id, '検討状況を記録しました。');
      }
      case 'kadai:propose': {
        const kind = formText(f, 'kind');
        if (!(kind in PROPOSAL_KINDS)) errors.kind = '提案の種類を選んでください。';
        const proposal = text(errors, f, 'proposal', '提案の内容', { required: true });
        if (Object.keys(errors).length > 0) fail(errors, 'kadai propose');
        const row = await proposeIssue(ctx.db, ctx.actor, id, kind as ProposalKind, proposal, ctx.now);
        return show(ctx, row.id, '提案を記録しました。');
      }
      case 'kadai:decide': {
        const [issueId = '', step = ''] = id.split(':');
        if (step !== 'confirm' && step !== 'resolve' && step !== 'continue') break;
        const note = text(errors, f, 'note', 'メモ');
        if (Object.keys(errors).length > 0) fail(errors, 'kadai decide');
        const row = await decideIssue(ctx.db, ctx.actor, issueId, step, note, ctx.now);
        return show(ctx, row.id, `「${STEP_LABELS[step]}」を記録しました。`);
      }
    }
    throw new UserError('unknown_form', 'このフォームには対応していません。', `unknown form ${f.formId}`);
  },
};
