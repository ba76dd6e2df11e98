/**
 * The pure half of the dialogue engine: how one form field is asked as a chat message, and how
 * a typed or tapped answer is read back. No database here, so it is easy to test and to reason
 * about; engine.ts keeps the state.
 */
import { jstToday } from '../../core/calendar/jst';
import { parseJapaneseDate } from '../../core/calendar/parse-date';
import { isUserError } from '../../core/errors';
import type { Button, FormBlock, FormField, Reply } from '../types';

/** Quick replies (and their postbacks) carry this action id; `value` is the answer to feed back. */
export const DIALOGUE_ANSWER_ACTION = 'dialogue:answer';
/**
 * A date question carries one button with this id. Platforms with a date picker (LINE's
 * datetimepicker, mode `date`) render it as one and feed the picked `YYYY-MM-DD` back as the
 * answer; platforms without one leave it out. `value` is the initial date.
 */
export const DATE_PICKER_ACTION = 'dialogue:date';

/** Words the user may type or tap at every step. */
export const BACK = '戻る';
export const CANCEL = 'やめる';
const SKIP = 'スキップ';
const DONE = '決定';
const MORE = '他の候補';

/** LINE and LINE WORKS both allow 13 quick replies; a select with more options is paged. */
export const MAX_QUICK_REPLIES = 13;
/** Both platforms cut quick-reply labels at 20 characters. */
const MAX_LABEL = 20;

/** What the engine stores per dialogue (the `dialogues.state` column). */
export interface DialogueState {
  form: FormBlock;
  /** Index of the field being asked. */
  index: number;
  answers: Record<string, string | string[]>;
  /** Page of a long select's quick replies. */
  page?: number;
  /** Choices ticked so far in a multiselect, before 決定. */
  picked?: string[];
  /**
   * After a refused submission: the other bad fields still to ask again, with their Japanese
   * errors. Each fixed answer goes to the next one, then straight to submit.
   */
  fixing?: { field: string; error: string }[];
}

const graphemes = (s: string) => [...new Intl.Segmenter('ja', { granularity: 'grapheme' }).segment(s)].map((x) => x.segment);

/** A short label: the option label, without a trailing （…） note if that makes it fit. */
function shortLabel(label: string): string {
  if (graphemes(label).length <= MAX_LABEL) return label;
  const bare = label.replace(/（[^（）]*）$/, '');
  const g = graphemes(bare);
  return g.length <= MAX_LABEL ? bare : `${g.slice(0, MAX_LABEL - 1).join('')}…`;
}

const answerButton = (label: string, value: string): Button => ({
  label: shortLabel(label),
  action: { kind: 'action', id: DIALOGUE_ANSWER_ACTION, value },
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function currentValue(state: DialogueState, field: FormField): string | string[] | undefined {
  const v = state.answers[field.name] ?? field.initial;
  if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) return undefined;
  return v;
}

function shown(field: FormField, v: string | string[]): string {
  const one = (x: string) => field.options?.find((o) => o.value === x)?.label ?? (UUID.test(x) ? '選択済み' : x);
  return Array.isArray(v) ? v.map(one).join('、') : one(v);
}

function pagesOf(field: FormField, controls: number): Button[][] {
  const options = (field.options ?? []).map((o) => answerButton(o.label, o.value));
  const room = MAX_QUICK_REPLIES - controls;
  if (options.length <= room) return [options];
  const size = room - 1; // one place for 他の候補
  const pages: Button[][] = [];
  for (let i = 0; i < options.length; i += size) pages.push(options.slice(i, i + size));
  return pages;
}

/** The message that asks the current field, with `error` (Japanese) in front when re-asking. */
export function question(state: DialogueState, now: Date, error?: string): Reply {
  const { form } = state;
  const field = form.fields[state.index];
  if (!field) throw new Error(`dialogue index ${state.index} out of range for ${form.formId}`);
  const lines: string[] = [];
  if (error) lines.push(`⚠ ${error}`);
  lines.push(`【${form.title}】（${state.index + 1}/${form.fields.length}）`);
  const kind = field.type === 'select' || field.type === 'multiselect' ? 'を選んでください' : 'を入力してください';
  lines.push(`${field.label}${kind}${field.required ? '' : '（省略可）'}。`);
  if (field.type === 'multiselect') lines.push('複数選べます。選び終えたら「決定」を押してください。');
  if (field.hint) lines.push(field.hint);
  else if (field.placeholder) lines.push(`例: ${field.placeholder}`);
  if (field.options && field.options.length > 0) {
    lines.push(field.options.map((o, i) => `${i + 1}. ${o.label}`).join('\n'));
    lines.push('番号を送っても選べます。');
  }
  const picked = state.picked ?? [];
  if (field.type === 'multiselect' && picked.length > 0) lines.push(`選択中: ${shown(field, picked)}`);
  const current = currentValue(state, field);
  if (current !== undefined && field.type !== 'select' && field.type !== 'multiselect') lines.push(`現在の値: ${shown(field, current)}`);

  const tail: Button[] = [];
  if (field.type === 'multiselect') tail.push(answerButton(DONE, DONE));
  if (!field.required) tail.push(answerButton(SKIP, SKIP));
  tail.push(answerButton(BACK, BACK), answerButton(CANCEL, CANCEL));

  const head: Button[] = [];
  if (field.type === 'date') {
    head.push({
      label: '日付を選ぶ',
      action: { kind: 'action', id: DATE_PICKER_ACTION, value: typeof current === 'string' ? current : jstToday(now) },
    });
    head.push(answerButton('今日', '今日'), answerButton('昨日', '昨日'));
  } else if (current !== undefined && typeof current === 'string' && field.type !== 'select' && field.type !== 'multiselect') {
    head.push(answerButton('そのまま', current));
  }
  let choices: Button[] = [];
  if (field.options && field.options.length > 0) {
    const pages = pagesOf(field, tail.length);
    const page = (state.page ?? 0) % pages.length;
    choices = pages[page] ?? [];
    if (pages.length > 1) choices = [...choices, answerButton(MORE, MORE)];
  }
  const quickReplies = [...head, ...choices, ...tail].slice(0, MAX_QUICK_REPLIES);
  const text = lines.join('\n');
  return { visibility: 'ephemeral', blocks: [{ type: 'text', text }], summary: `${form.title}: ${field.label}`, quickReplies };
}

export type Reading =
  | { kind: 'value'; value: string | string[] }
  | { kind: 'error'; message: string }
  /** Multiselect: the ticked list changed; ask again. */
  | { kind: 'picked'; picked: string[] }
  | { kind: 'more' };

function matchOption(field: FormField, answer: string): string | undefined {
  const a = answer.normalize('NFKC').trim();
  const options = field.options ?? [];
  const n = /^\d+$/.test(a) ? Number(a) : NaN;
  if (Number.isInteger(n) && n >= 1 && n <= options.length) return options[n - 1]?.value;
  const norm = (s: string) => s.normalize('NFKC').trim().toLowerCase();
  return options.find((o) => norm(o.value) === norm(a) || norm(o.label) === norm(a) || norm(shortLabel(o.label)) === norm(a))?.value;
}

/**
 * Reads one answer for the current field. Checks only what the field type says (required,
 * number, date, a listed option, length); the handler validates the whole form on submit.
 */
export function readAnswer(state: DialogueState, answer: string, now: Date): Reading {
  const field = state.form.fields[state.index];
  if (!field) return { kind: 'error', message: '質問が見つかりません。' };
  const a = answer.trim();
  const skip = a.normalize('NFKC') === SKIP;
  const hasOptions = (field.options ?? []).length > 0;
  if (a.normalize('NFKC') === MORE && hasOptions) return { kind: 'more' };

  if (field.type === 'multiselect') {
    const picked = state.picked ?? [];
    if (a === DONE || skip) {
      if (field.required && picked.length === 0) return { kind: 'error', message: `${field.label}を1つ以上選んでください。` };
      return { kind: 'value', value: skip ? [] : picked };
    }
    const parts = a.split(/[,、，\s]+/).filter(Boolean);
    const values = parts.map((p) => matchOption(field, p));
    if (values.length === 0 || values.some((v) => v === undefined)) return { kind: 'error', message: '選択肢から選んでください。' };
    const next = [...picked];
    for (const v of values as string[]) {
      const at = next.indexOf(v);
      if (at >= 0) next.splice(at, 1);
      else next.push(v);
    }
    return { kind: 'picked', picked: next };
  }

  if (skip || a === '') {
    if (field.required) return { kind: 'error', message: `${field.label}は省略できません。` };
    return { kind: 'value', value: '' };
  }
  if (field.type === 'select') {
    const v = matchOption(field, a);
    return v === undefined ? { kind: 'error', message: '選択肢から選んでください（番号でも選べます）。' } : { kind: 'value', value: v };
  }
  if (field.type === 'number') {
    const n = a.normalize('NFKC').replace(/分$/, '').trim();
    if (!/^-?\d+(\.\d+)?$/.test(n)) return { kind: 'error', message: `${field.label}は数字で入力してください。` };
    return { kind: 'value', value: n };
  }
  if (field.type === 'date') {
    try {
      return { kind: 'value', value: parseJapaneseDate(a, jstToday(now)) };
    } catch (e) {
      if (isUserError(e)) return { kind: 'error', message: e.userMessage };
      throw e;
    }
  }
  if (field.maxLength !== undefined && graphemes(a).length > field.maxLength) {
    return { kind: 'error', message: `${field.label}は${field.maxLength}文字以内で入力してください（いま${graphemes(a).length}文字）。` };
  }
  return { kind: 'value', value: a };
}

/** The answers to submit: what the user gave, or each field's initial value. */
export function submittedValues(state: DialogueState): Record<string, string | string[] | undefined> {
  const values: Record<string, string | string[] | undefined> = {};
  for (const f of state.form.fields) values[f.name] = state.answers[f.name] ?? f.initial;
  return values;
}
