import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { button, card, reply } from '../src/chat/replies';
import type { FormBlock, Reply } from '../src/chat/types';
import { UserError } from '../src/core/errors';
import { defineForm, field } from './forms/define';
import { issueCard, issueList } from './views/regional';
import { fileRegionalIssue, type NewRegionalIssue } from '../src/core/regional/file';
import { PRIORITIES, PROPOSAL_KINDS, ROUTINGS, STEP_LABELS } from '../src/core/regional/policy';
import { bukaiOf, listIssues, loadIssueView, type ListMode } from '../src/core/regional/read';
import { addProgress, decideIssue, endorseIssue, mergeIssue, proposeIssue, triageIssue } from '../src/core/regional/steps';
import { LIMITS } from '../src/core/vocabulary';

const KADAI_FORM = 'kadai:new';
const TEXT_MAX = LIMITS.summary;
const COUNT_MAX = 10_000;
const entries = <K extends string>(o: Record<K, string>) =>
  (Object.entries(o) as [K, string][]).map(([value, label]) => ({ value, label }));
const count = (label: string) =>
  field.number({
    label,
    required: true,
    initial: '1',
    min: 1,
    max: COUNT_MAX,
    unit: '件',
    message: `件数は1〜${COUNT_MAX}の整数で入力してください。`,
  });
const note = () => field.longtext({ label: 'メモ（会議での結論など）', errorLabel: 'メモ', maxLength: TEXT_MAX });

/** Every form of 地域課題, declared once; the step forms get their title (with the issue) when built. */
const forms = {
  issue: defineForm({
    formId: KADAI_FORM,
    title: '地域課題の提出',
    submitLabel: '提出する',
    fields: {
      title: field.text({
        label: '題名',
        required: true,
        maxLength: LIMITS.shortText,
        placeholder: '例: 医療的ケア児の短期入所先が市内にない',
      }),
      finding: field.longtext({
        label: '把握した状況（個人が分かる情報は書かない。氏名・住所・電話番号などは自動で伏せ字になります）',
        errorLabel: '把握した状況',
        required: true,
        maxLength: TEXT_MAX,
      }),
      affectedCount: count('該当するケースの数（自事業所）'),
      resourceGap: field.longtext({ label: '不足している既存の資源・制度', errorLabel: '不足している資源', maxLength: TEXT_MAX }),
      suggestedDirection: field.longtext({ label: '考えられる方向性', maxLength: TEXT_MAX }),
    },
  }),
  endorse: defineForm({
    formId: 'kadai:endorse',
    title: 'うちでも同じ',
    submitLabel: '登録する',
    fields: { count: count('自事業所で該当するケースの数') },
  }),
  triage: defineForm({
    formId: 'kadai:triage',
    title: '運営会議で整理',
    submitLabel: '記録する',
    fields: {
      priority: field.select({ label: '優先度', required: true, options: entries(PRIORITIES), initial: 'medium' }),
      routing: field.select({ label: '振り分け', required: true, options: entries(ROUTINGS), initial: 'bukai' }),
      // The tenant's 専門部会, given when the form is built; core checks the one chosen.
      councilBodyId: field.select({ label: '専門部会（部会に振り分けるとき）' }),
      note: note(),
    },
  }),
  merge: defineForm({
    formId: 'kadai:merge',
    title: '重複として統合',
    submitLabel: '統合する',
    fields: {
      target: field.text({
        label: '統合先の地域課題の番号',
        errorLabel: '統合先の番号',
        required: true,
        maxLength: 20,
        placeholder: '例: 3',
      }),
    },
  }),
  progress: defineForm({
    formId: 'kadai:progress',
    title: '部会での検討状況',
    submitLabel: '記録する',
    fields: { note: field.longtext({ label: '検討状況', required: true, maxLength: TEXT_MAX }) },
  }),
  propose: defineForm({
    formId: 'kadai:propose',
    title: '提案',
    submitLabel: '記録する',
    fields: {
      kind: field.select({ label: '提案の種類', required: true, options: entries(PROPOSAL_KINDS) }),
      proposal: field.longtext({ label: '提案の内容', required: true, maxLength: TEXT_MAX }),
    },
  }),
  decide: defineForm({ formId: 'kadai:decide', title: '記録', submitLabel: '記録する', fields: { note: note() } }),
};

function kadaiForm(errors?: Record<string, string>): FormBlock {
  return forms.issue.block({}, { errors });
}

async function show(ctx: HandlerContext, ref: string, note?: string): Promise<Reply[]> {
  const r = issueCard(await loadIssueView(ctx.db, ctx.actor, ref));
  if (note) r.blocks.unshift({ type: 'text', text: note });
  return [r];
}

async function list(ctx: HandlerContext, mode: ListMode): Promise<Reply[]> {
  const others: [ListMode, string][] = [
    ['status', '状態別'],
    ['bukai', '部会別'],
    ['endorsed', '賛同が多い順'],
    ['waiting', '整理待ち'],
  ];
  return [
    reply('地域課題の一覧', [
      issueList(mode, await listIssues(ctx.db, ctx.actor, mode)),
      card(
        'ほかの並べ方',
        [],
        [
          ...others.filter(([m]) => m !== mode).map(([m, l]) => button(l, 'kadai:list', m)),
          button('地域課題を提出', KADAI_FORM, '', 'primary'),
        ],
      ),
    ]),
  ];
}

async function stepForm(ctx: HandlerContext, step: string, id: string): Promise<Reply[]> {
  const v = await loadIssueView(ctx.db, ctx.actor, id);
  const head = `#${v.issue.number} ${v.issue.title}`;
  const show = (block: FormBlock) => [reply(block.title, [block])];
  switch (step) {
    case 'endorse':
      return show(forms.endorse.block({}, { context: v.issue.id, title: `うちでも同じ: ${head}` }));
    case 'triage': {
      const bukai = await bukaiOf(ctx.db, ctx.actor.tenantId);
      return show(
        forms.triage.block(
          {},
          {
            context: v.issue.id,
            title: `運営会議で整理: ${head}`,
            options: { councilBodyId: bukai.map((b) => ({ value: b.id, label: b.name })) },
          },
        ),
      );
    }
    case 'merge':
      return show(forms.merge.block({}, { context: v.issue.id, title: `重複として統合: ${head}` }));
    case 'progress':
      return show(forms.progress.block({}, { context: v.issue.id, title: `部会での検討状況: ${head}` }));
    case 'propose':
      return show(forms.propose.block({}, { context: v.issue.id, title: `提案: ${head}` }));
    case 'confirm':
    case 'resolve':
    case 'continue':
      return show(forms.decide.block({}, { context: `${v.issue.id}:${step}`, title: `${STEP_LABELS[step]}: ${head}` }));
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
    throw new UserError(
      'unknown_subcommand',
      '「地域課題」のあとには 一覧 / 部会 / 賛同順 / 整理待ち / #番号 のどれかを続けてください（何も付けないと提出フォームが開きます）。',
      'unknown kadai subcommand',
    );
  },
  async onAction(ctx, action) {
    if (action.id === KADAI_FORM) return [reply('地域課題の提出', [kadaiForm()])];
    if (action.id === 'kadai:show') return show(ctx, action.value);
    if (action.id === 'kadai:list')
      return list(ctx, (['status', 'bukai', 'endorsed', 'waiting'] as const).find((m) => m === action.value) ?? 'status');
    return stepForm(ctx, action.id.slice('kadai:'.length), action.value);
  },
  async onForm(ctx, f) {
    const id = f.context ?? '';
    switch (f.formId) {
      case KADAI_FORM: {
        const v = forms.issue.parse(f, ctx.now);
        const input: NewRegionalIssue = { ...v, resourceGap: v.resourceGap || null, suggestedDirection: v.suggestedDirection || null };
        const row = await fileRegionalIssue(ctx.db, ctx.actor, input, ctx.now);
        return show(
          ctx,
          row.id,
          `地域課題 #${row.number} を提出しました。協議会のチャンネルに掲示しました（個人が分かる情報は伏せ字にしています）。`,
        );
      }
      case 'kadai:endorse': {
        const { count: n } = forms.endorse.parse(f, ctx.now);
        await endorseIssue(ctx.db, ctx.actor, id, n, ctx.now);
        return show(ctx, id, `「うちでも同じ」（${n}件）を登録しました。`);
      }
      case 'kadai:triage': {
        const v = forms.triage.parse(f, ctx.now);
        const row = await triageIssue(
          ctx.db,
          ctx.actor,
          id,
          { priority: v.priority, routing: v.routing, councilBodyId: v.councilBodyId, note: v.note },
          ctx.now,
        );
        return show(ctx, row.id, '運営会議での整理を記録しました。提出者に通知しました。');
      }
      case 'kadai:merge': {
        const { target } = forms.merge.parse(f, ctx.now);
        const { target: t } = await mergeIssue(ctx.db, ctx.actor, id, target, ctx.now);
        return show(ctx, t.id, '重複として統合しました。「うちでも同じ」の件数は統合先に引き継がれます。');
      }
      case 'kadai:progress': {
        const { note } = forms.progress.parse(f, ctx.now);
        const row = await addProgress(ctx.db, ctx.actor, id, note, ctx.now);
        return show(ctx, row.id, '検討状況を記録しました。');
      }
      case 'kadai:propose': {
        const { kind, proposal } = forms.propose.parse(f, ctx.now);
        const row = await proposeIssue(ctx.db, ctx.actor, id, kind, proposal, ctx.now);
        return show(ctx, row.id, '提案を記録しました。');
      }
      case 'kadai:decide': {
        const [issueId = '', step = ''] = id.split(':');
        if (step !== 'confirm' && step !== 'resolve' && step !== 'continue') break;
        const { note } = forms.decide.parse(f, ctx.now);
        const row = await decideIssue(ctx.db, ctx.actor, issueId, step, note, ctx.now);
        return show(ctx, row.id, `「${STEP_LABELS[step]}」を記録しました。`);
      }
    }
    throw new UserError('unknown_form', 'このフォームには対応していません。', `unknown form ${f.formId}`);
  },
};
