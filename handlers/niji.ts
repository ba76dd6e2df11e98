import type { CommandSpec, HandlerContext } from '../src/chat/registry';
import { formList, formText } from '../src/chat/forms';
import { button, card, reply } from '../src/chat/replies';
import type { Block, FormBlock, FormSubmission, Reply } from '../src/chat/types';
import { resolvePerson } from '../src/core/cases/resolve';
import { isUserError, UserError } from '../src/core/errors';
import { secondaryCard, secondaryList } from './views/secondary';
import { myOpenRequests, waitingQueue } from '../src/core/secondary/lists';
import { isSecondaryResponder, POST_KINDS, type PostKind } from '../src/core/secondary/policy';
import { requestSecondary, type NewSecondary } from '../src/core/secondary/request';
import { acceptSecondary, closeSecondary, postToThread, startSecondary, type CloseInput } from '../src/core/secondary/steps';
import { loadSecondaryView } from '../src/core/secondary/view';
import { DIFFICULTY_KINDS, HELP_WANTED, LIMITS, SECONDARY_OUTCOMES, URGENCY } from '../src/core/vocabulary';

export const NIJI_FORM = 'niji:new';
const AGE_BANDS = ['10歳未満', '10代', '20代', '30代', '40代', '50代', '60代', '70代', '80代以上'];
const CATEGORIES = ['身体', '知的', '精神', '発達', '難病', '児童', '重複', 'その他'];
const opts = (xs: readonly string[]) => xs.map((x) => ({ value: x, label: x }));
const TEXT_MAX = LIMITS.summary;

/** The request form; `person` may be prefilled (from `niji C-0012`). */
export function nijiForm(person = '', errors?: Record<string, string>, values?: FormSubmission['values']): FormBlock {
  const v = (name: string, fallback = '') => {
    const x = values?.[name];
    return typeof x === 'string' ? x : fallback;
  };
  const list = (name: string) => {
    const x = values?.[name];
    return Array.isArray(x) ? x : undefined;
  };
  return {
    type: 'form',
    formId: NIJI_FORM,
    title: '二次相談の依頼（基幹相談支援センターへ）',
    submitLabel: '依頼する',
    errors,
    fields: [
      { name: 'person', label: 'ケース（番号・氏名）', type: 'person', initial: v('person', person), placeholder: 'C-0012 / 山田', hint: '空欄のときは下の「状況」に匿名で書いてください。同意のない方の氏名は基幹に見えません。' },
      { name: 'ageBand', label: '年代（ケース指定なしのとき）', type: 'select', options: opts(AGE_BANDS), initial: v('ageBand') },
      { name: 'category', label: '障害種別（ケース指定なしのとき）', type: 'select', options: opts(CATEGORIES), initial: v('category') },
      { name: 'situation', label: '状況（ケース指定なしのときは必須。氏名・住所・電話番号は書かない）', type: 'longtext', maxLength: TEXT_MAX, initial: v('situation') },
      { name: 'difficulties', label: '困りごとの種類（複数可）', type: 'multiselect', required: true, options: opts(DIFFICULTY_KINDS), initial: list('difficulties') },
      { name: 'tried', label: 'これまでに試したこと', type: 'longtext', required: true, maxLength: TEXT_MAX, initial: v('tried') },
      { name: 'question', label: '相談したいこと', type: 'longtext', required: true, maxLength: TEXT_MAX, initial: v('question') },
      { name: 'urgency', label: '緊急度', type: 'select', required: true, options: Object.entries(URGENCY).map(([value, label]) => ({ value, label })), initial: v('urgency', 'normal') },
      { name: 'helpWanted', label: '希望する支援（複数可）', type: 'multiselect', required: true, options: opts(HELP_WANTED), initial: list('helpWanted') },
    ],
  };
}

const len = (s: string) => [...s].length;

function requiredText(errors: Record<string, string>, form: FormSubmission, name: string, label: string): string {
  const t = formText(form, name);
  if (t === '') errors[name] = `${label}を入力してください。`;
  else if (len(t) > TEXT_MAX) errors[name] = `${label}は${TEXT_MAX}文字以内で入力してください（${len(t)}文字）。`;
  return t;
}

function pickList(errors: Record<string, string>, form: FormSubmission, name: string, allowed: readonly string[], label: string): string[] {
  const xs = [...new Set(formList(form, name))];
  if (xs.length === 0 || xs.some((x) => !allowed.includes(x))) errors[name] = `${label}を1つ以上選んでください。`;
  return xs;
}

function fail(errors: Record<string, string>, what: string): never {
  const first = Object.values(errors)[0] ?? '入力内容を確認してください。';
  throw new UserError('invalid_form', `入力内容を確認してください。${first}`, `invalid ${what} form: ${Object.keys(errors).join(',')}`, errors);
}

/** Reads every field, collecting all problems at once. */
async function readRequest(ctx: HandlerContext, form: FormSubmission): Promise<NewSecondary> {
  const errors: Record<string, string> = {};
  const difficulties = pickList(errors, form, 'difficulties', DIFFICULTY_KINDS, '困りごとの種類');
  const helpWanted = pickList(errors, form, 'helpWanted', HELP_WANTED, '希望する支援');
  const tried = requiredText(errors, form, 'tried', 'これまでに試したこと');
  const question = requiredText(errors, form, 'question', '相談したいこと');
  const urgency = formText(form, 'urgency') || 'normal';
  if (urgency !== 'normal' && urgency !== 'urgent') errors.urgency = '緊急度は「通常」か「至急」を選んでください。';
  const ageBand = formText(form, 'ageBand');
  if (ageBand && !AGE_BANDS.includes(ageBand)) errors.ageBand = '年代を選び直してください。';
  const category = formText(form, 'category');
  if (category && !CATEGORIES.includes(category)) errors.category = '障害種別を選び直してください。';
  const situation = formText(form, 'situation');
  if (len(situation) > TEXT_MAX) errors.situation = `状況は${TEXT_MAX}文字以内で入力してください。`;
  const personText = formText(form, 'person');
  let personId: string | null = null;
  if (personText === '') {
    if (situation === '') errors.situation = 'ケースを指定しない場合は、状況を匿名で入力してください。';
  } else if (Object.keys(errors).length === 0) {
    try {
      personId = (await resolvePerson(ctx.db, ctx.actor, personText, ctx.now)).id;
    } catch (e) {
      if (!isUserError(e)) throw e;
      errors.person = e.fieldErrors?.person ?? e.userMessage;
    }
  }
  if (Object.keys(errors).length > 0) fail(errors, 'niji');
  return {
    personId,
    profile: { ageBand: ageBand || undefined, category: category || undefined, situation: situation || undefined },
    difficulties,
    tried,
    question,
    urgency: urgency as NewSecondary['urgency'],
    helpWanted,
  };
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
    blocks.push(secondaryList('基幹の受付待ち（至急・待ち時間順）', await waitingQueue(ctx.db, ctx.actor, ctx.now), '受付待ちはありません', true));
  }
  blocks.push({ type: 'card', title: '新しく依頼する', fields: [], buttons: [button('二次相談を依頼', NIJI_FORM, '', 'primary')] });
  return [reply(which === 'mine' ? '二次相談の一覧' : '受付待ちの二次相談', blocks)];
}

function postForm(id: string, kinds: PostKind[], errors?: Record<string, string>): FormBlock {
  return {
    type: 'form',
    formId: 'niji:post',
    title: 'やりとりに書き込む',
    submitLabel: '書き込む',
    context: id,
    errors,
    fields: [
      { name: 'kind', label: '種類', type: 'select', required: true, options: kinds.map((k) => ({ value: k, label: POST_KINDS[k] })), initial: kinds[0] },
      { name: 'body', label: '内容', type: 'longtext', required: true, maxLength: TEXT_MAX, hint: '添付資料は内容の説明を書いてください（ファイルそのものは送れません）。' },
    ],
  };
}

function closeForm(id: string): FormBlock {
  return {
    type: 'form',
    formId: 'niji:close',
    title: '二次相談の終結',
    submitLabel: '終結する',
    context: id,
    fields: [
      { name: 'outcome', label: '結果', type: 'select', required: true, options: opts(SECONDARY_OUTCOMES) },
      { name: 'summary', label: 'まとめ', type: 'longtext', maxLength: TEXT_MAX },
      { name: 'regional', label: '地域課題として提出する（個別課題の普遍化）', type: 'select', options: [{ value: 'no', label: 'しない' }, { value: 'yes', label: '提出する（匿名化されます）' }], initial: 'no' },
      { name: 'regionalTitle', label: '地域課題の題名', type: 'text', maxLength: LIMITS.shortText },
      { name: 'regionalFinding', label: '把握した状況（個人が分かる情報は書かない）', type: 'longtext', maxLength: TEXT_MAX },
      { name: 'regionalGap', label: '不足している社会資源', type: 'longtext', maxLength: TEXT_MAX },
      { name: 'regionalDirection', label: '考えられる方向性', type: 'longtext', maxLength: TEXT_MAX },
    ],
  };
}

function readClose(form: FormSubmission): CloseInput {
  const errors: Record<string, string> = {};
  const outcome = formText(form, 'outcome');
  if (!(SECONDARY_OUTCOMES as readonly string[]).includes(outcome)) errors.outcome = '結果を選んでください。';
  const summary = formText(form, 'summary');
  if (len(summary) > TEXT_MAX) errors.summary = `まとめは${TEXT_MAX}文字以内で入力してください。`;
  let regional: CloseInput['regional'] = null;
  if (formText(form, 'regional') === 'yes') {
    const title = requiredText(errors, form, 'regionalTitle', '地域課題の題名');
    const finding = requiredText(errors, form, 'regionalFinding', '把握した状況');
    regional = { title, finding, resourceGap: formText(form, 'regionalGap') || null, suggestedDirection: formText(form, 'regionalDirection') || null };
  }
  if (Object.keys(errors).length > 0) fail(errors, 'niji close');
  return { outcome: outcome as CloseInput['outcome'], summary, regional };
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
          card(`二次相談 #${row.number} を依頼しました`, [{ label: '送付先', value: `基幹相談支援センターの受付窓口に${urgent}個人情報を含まない形で掲示しました。受付されると通知が届きます。` }], [
            button('内容を見る', 'niji:show', row.id),
          ]),
        ]),
      ];
    }
    const id = form.context ?? '';
    if (form.formId === 'niji:post') {
      const kind = formText(form, 'kind');
      const errors: Record<string, string> = {};
      if (!(kind in POST_KINDS)) errors.kind = '種類を選んでください。';
      const body = requiredText(errors, form, 'body', '内容');
      if (Object.keys(errors).length > 0) fail(errors, 'niji post');
      const row = await postToThread(ctx.db, ctx.actor, id, kind as PostKind, body, ctx.now);
      return show(ctx, row.id, '書き込みました。相手に通知しました。');
    }
    if (form.formId === 'niji:close') {
      const row = await closeSecondary(ctx.db, ctx.actor, id, readClose(form), ctx.now);
      const note = row.regionalNumber !== null ? `終結しました。地域課題 #${row.regionalNumber} として提出しました（匿名化済み）。` : '終結しました。依頼者に通知しました。';
      return show(ctx, row.id, note);
    }
    throw new UserError('unknown_form', 'このフォームには対応していません。', `unknown form ${form.formId}`);
  },
};
