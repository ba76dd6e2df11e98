import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { z } from 'zod';
import { button, card, reply } from '../src/chat/replies';
import type { Block, FormBlock, FormSubmission, Reply } from '../src/chat/types';
import { resolvePerson } from '../src/core/cases/resolve';
import { isUserError, UserError } from '../src/core/errors';
import { defineForm, field, stringValues } from './forms/define';
import { secondaryCard, secondaryList } from './views/secondary';
import { myOpenRequests, waitingQueue } from '../src/core/secondary/lists';
import { isSecondaryResponder, POST_KINDS, type PostKind } from '../src/core/secondary/policy';
import { requestSecondary, type NewSecondary } from '../src/core/secondary/request';
import { acceptSecondary, closeSecondary, postToThread, startSecondary, type CloseInput } from '../src/core/secondary/steps';
import { loadSecondaryView } from '../src/core/secondary/view';
import { DIFFICULTY_KINDS, HELP_WANTED, LIMITS, SECONDARY_OUTCOMES, URGENCY } from '../src/core/vocabulary';

const NIJI_FORM = 'niji:new';
const AGE_BANDS = ['10歳未満', '10代', '20代', '30代', '40代', '50代', '60代', '70代', '80代以上'];
const CATEGORIES = ['身体', '知的', '精神', '発達', '難病', '児童', '重複', 'その他'];
const opts = <V extends string>(xs: readonly V[]) => xs.map((x) => ({ value: x, label: x }));
const TEXT_MAX = LIMITS.summary;

const URGENCY_OPTIONS = Object.entries(URGENCY).map(([value, label]) => ({ value: value as keyof typeof URGENCY, label }));

/** The request form, declared once. */
const nijiDefinition = defineForm({
  formId: NIJI_FORM,
  title: '二次相談の依頼（基幹相談支援センターへ）',
  submitLabel: '依頼する',
  fields: {
    person: field.person({
      label: 'ケース（番号・氏名）',
      placeholder: 'C-0012 / 山田',
      hint: '空欄のときは下の「状況」に匿名で書いてください。同意のない方の氏名は基幹に見えません。',
    }),
    ageBand: field.select({ label: '年代（ケース指定なしのとき）', options: opts(AGE_BANDS), message: '年代を選び直してください。' }),
    category: field.select({
      label: '障害種別（ケース指定なしのとき）',
      options: opts(CATEGORIES),
      message: '障害種別を選び直してください。',
    }),
    situation: field.longtext({
      label: '状況（ケース指定なしのときは必須。氏名・住所・電話番号は書かない）',
      errorLabel: '状況',
      maxLength: TEXT_MAX,
    }),
    difficulties: field.multiselect({
      label: '困りごとの種類（複数可）',
      errorLabel: '困りごとの種類',
      required: true,
      options: opts(DIFFICULTY_KINDS),
    }),
    tried: field.longtext({ label: 'これまでに試したこと', required: true, maxLength: TEXT_MAX }),
    question: field.longtext({ label: '相談したいこと', required: true, maxLength: TEXT_MAX }),
    urgency: field.select({
      label: '緊急度',
      required: true,
      options: URGENCY_OPTIONS,
      initial: 'normal',
      // Left empty (an old client), it is a normal request.
      schema: () =>
        z
          .string()
          .transform((s) => s || 'normal')
          .pipe(z.enum(['normal', 'urgent'], { error: '緊急度は「通常」か「至急」を選んでください。' })),
    }),
    helpWanted: field.multiselect({
      label: '希望する支援（複数可）',
      errorLabel: '希望する支援',
      required: true,
      options: opts(HELP_WANTED),
    }),
  },
  check(v, add) {
    if (v.person === '' && v.situation === '') add('situation', 'ケースを指定しない場合は、状況を匿名で入力してください。');
  },
});

/** The request form; `person` may be prefilled (from `niji C-0012`). */
function nijiForm(person = '', errors?: Record<string, string>, values?: FormSubmission['values']): FormBlock {
  return nijiDefinition.block(
    { person, ageBand: '', category: '', situation: '', tried: '', question: '', ...stringValues(values) },
    { errors },
  );
}

/** Reads every field (all problems at once), then the person. */
async function readRequest(ctx: HandlerContext, form: FormSubmission): Promise<NewSecondary> {
  const v = nijiDefinition.parse(form, ctx.now);
  let personId: string | null = null;
  if (v.person !== '') {
    try {
      personId = (await resolvePerson(ctx.db, ctx.actor, v.person, ctx.now)).id;
    } catch (e) {
      if (!isUserError(e)) throw e;
      fail({ person: e.fieldErrors?.person ?? e.userMessage }, 'niji');
    }
  }
  return {
    personId,
    profile: { ageBand: v.ageBand ?? undefined, category: v.category ?? undefined, situation: v.situation || undefined },
    difficulties: v.difficulties,
    tried: v.tried,
    question: v.question,
    urgency: v.urgency,
    helpWanted: v.helpWanted,
  };
}

function fail(errors: Record<string, string>, what: string): never {
  const first = Object.values(errors)[0] ?? '入力内容を確認してください。';
  throw new UserError(
    'invalid_form',
    `入力内容を確認してください。${first}`,
    `invalid ${what} form: ${Object.keys(errors).join(',')}`,
    errors,
  );
}

async function show(ctx: HandlerContext, ref: string, note?: string): Promise<Reply[]> {
  const r = secondaryCard(await loadSecondaryView(ctx.db, ctx.actor, ref, ctx.now));
  if (note) r.blocks.unshift({ type: 'text', text: note });
  return [r];
}

async function lists(ctx: HandlerContext, which: 'mine' | 'queue'): Promise<Reply[]> {
  const blocks: Block[] = [];
  if (which === 'mine') {
    blocks.push(secondaryList('依頼中・担当中の二次相談', await myOpenRequests(ctx.db, ctx.actor, ctx.now), 'ありません', false));
  }
  if (which === 'queue' || isSecondaryResponder(ctx.actor)) {
    blocks.push(
      secondaryList('基幹の受付待ち（至急・待ち時間順）', await waitingQueue(ctx.db, ctx.actor, ctx.now), '受付待ちはありません', true),
    );
  }
  blocks.push({ type: 'card', title: '新しく依頼する', fields: [], buttons: [button('二次相談を依頼', NIJI_FORM, '', 'primary')] });
  return [reply(which === 'mine' ? '二次相談の一覧' : '受付待ちの二次相談', blocks)];
}

const postDefinition = defineForm({
  formId: 'niji:post',
  title: 'やりとりに書き込む',
  submitLabel: '書き込む',
  fields: {
    // The kinds this actor may post are given when the form is built; any other is refused here.
    kind: field.select({
      label: '種類',
      required: true,
      schema: () =>
        z
          .string()
          .refine((k): k is PostKind => k in POST_KINDS, '種類を選んでください。')
          .transform((k) => k as PostKind),
    }),
    body: field.longtext({
      label: '内容',
      required: true,
      maxLength: TEXT_MAX,
      hint: '添付資料は内容の説明を書いてください（ファイルそのものは送れません）。',
    }),
  },
});

function postForm(id: string, kinds: PostKind[], errors?: Record<string, string>): FormBlock {
  return postDefinition.block(
    { kind: kinds[0] },
    { context: id, errors, options: { kind: kinds.map((k) => ({ value: k, label: POST_KINDS[k] })) } },
  );
}

const closeDefinition = defineForm({
  formId: 'niji:close',
  title: '二次相談の終結',
  submitLabel: '終結する',
  fields: {
    outcome: field.select({ label: '結果', required: true, options: opts(SECONDARY_OUTCOMES) }),
    summary: field.longtext({ label: 'まとめ', maxLength: TEXT_MAX }),
    regional: field.select({
      label: '地域課題として提出する（個別課題の普遍化）',
      options: [
        { value: 'no', label: 'しない' },
        { value: 'yes', label: '提出する（匿名化されます）' },
      ],
      initial: 'no',
    }),
    regionalTitle: field.text({ label: '地域課題の題名', maxLength: LIMITS.shortText }),
    regionalFinding: field.longtext({
      label: '把握した状況（個人が分かる情報は書かない）',
      errorLabel: '把握した状況',
      maxLength: TEXT_MAX,
    }),
    regionalGap: field.longtext({ label: '不足している社会資源', maxLength: TEXT_MAX }),
    regionalDirection: field.longtext({ label: '考えられる方向性', maxLength: TEXT_MAX }),
  },
  check(v, add) {
    if (v.regional !== 'yes') return;
    if (v.regionalTitle === '') add('regionalTitle', '地域課題の題名を入力してください。');
    if (v.regionalFinding === '') add('regionalFinding', '把握した状況を入力してください。');
  },
});

function closeForm(id: string): FormBlock {
  return closeDefinition.block({}, { context: id });
}

function readClose(ctx: HandlerContext, form: FormSubmission): CloseInput {
  const v = closeDefinition.parse(form, ctx.now);
  const regional: CloseInput['regional'] =
    v.regional === 'yes'
      ? {
          title: v.regionalTitle,
          finding: v.regionalFinding,
          resourceGap: v.regionalGap || null,
          suggestedDirection: v.regionalDirection || null,
        }
      : null;
  return { outcome: v.outcome, summary: v.summary, regional };
}

export const nijiCommand: CommandSpec = {
  id: 'niji',
  aliases: ['二次相談', 'にじそうだん', '二次'],
  label: '二次相談',
  description: '基幹相談支援センターへ二次相談（困難事例の相談）を依頼・受付・対応します',
  usage: '二次相談　/　二次相談 C-0012　/　二次相談 一覧　/　二次相談 受付待ち　/　二次相談 #12',
  menu: true,
  async onCommand(ctx, cmd) {
    const text = cmd.text.normalize('NFKC').trim();
    if (text === '一覧') return lists(ctx, 'mine');
    if (text === '受付待ち') return lists(ctx, 'queue');
    if (/^#\d{1,9}$/.test(text) || /^\d{1,9}$/.test(text)) return show(ctx, text);
    return [reply('二次相談の依頼', [nijiForm(cmd.text)])];
  },
  async onAction(ctx, action) {
    switch (action.id) {
      case NIJI_FORM:
        return [reply('二次相談の依頼', [nijiForm(action.value)])];
      case 'niji:show':
        return show(ctx, action.value);
      case 'niji:accept': {
        const row = await acceptSecondary(ctx.db, ctx.actor, action.value, ctx.now);
        return show(ctx, row.id, `二次相談 #${row.number} を受付しました。依頼者に通知しました。`);
      }
      case 'niji:start': {
        const row = await startSecondary(ctx.db, ctx.actor, action.value, ctx.now);
        return show(ctx, row.id, `二次相談 #${row.number} を対応中にしました。`);
      }
      case 'niji:post': {
        const v = await loadSecondaryView(ctx.db, ctx.actor, action.value, ctx.now);
        if (v.may.post.length === 0) return show(ctx, v.row.id, 'この二次相談には今は書き込めません。');
        return [reply('やりとりに書き込む', [postForm(v.row.id, v.may.post)])];
      }
      case 'niji:close': {
        const v = await loadSecondaryView(ctx.db, ctx.actor, action.value, ctx.now);
        if (!v.may.close) return show(ctx, v.row.id, '終結できるのは受付した担当者だけです（受付後・対応中のみ）。');
        return [reply('二次相談の終結', [closeForm(v.row.id)])];
      }
      case 'niji:list':
        return lists(ctx, action.value === 'queue' ? 'queue' : 'mine');
    }
    throw new UserError('unknown_action', 'この操作には対応していません。', `unknown action ${action.id}`);
  },
  async onForm(ctx, form) {
    if (form.formId === NIJI_FORM) {
      const row = await requestSecondary(ctx.db, ctx.actor, await readRequest(ctx, form), ctx.now);
      const urgent = row.urgency === 'urgent' ? '至急として、' : '';
      return [
        reply(`二次相談 #${row.number} を依頼しました`, [
          card(
            `二次相談 #${row.number} を依頼しました`,
            [
              {
                label: '送付先',
                value: `基幹相談支援センターの受付窓口に${urgent}個人情報を含まない形で掲示しました。受付されると通知が届きます。`,
              },
            ],
            [button('内容を見る', 'niji:show', row.id)],
          ),
        ]),
      ];
    }
    const id = form.context ?? '';
    if (form.formId === 'niji:post') {
      const { kind, body } = postDefinition.parse(form, ctx.now);
      const row = await postToThread(ctx.db, ctx.actor, id, kind, body, ctx.now);
      return show(ctx, row.id, '書き込みました。相手に通知しました。');
    }
    if (form.formId === 'niji:close') {
      const row = await closeSecondary(ctx.db, ctx.actor, id, readClose(ctx, form), ctx.now);
      const note =
        row.regionalNumber !== null
          ? `終結しました。地域課題 #${row.regionalNumber} として提出しました（匿名化済み）。`
          : '終結しました。依頼者に通知しました。';
      return show(ctx, row.id, note);
    }
    throw new UserError('unknown_form', 'このフォームには対応していません。', `unknown form ${form.formId}`);
  },
};
