/**
 * Forms on platforms without modals (LINE WORKS, LINE): one question at a time, with quick
 * replies for choices, 「戻る」 and 「やめる」 at every step. The state lives in the `dialogues`
 * table with an expiry, so any instance can take the next answer and an abandoned dialogue is
 * pruned. Each answer locks the row, so two instances receiving two quick taps never both
 * submit the form.
 */
import { and, eq, lte } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client';
import { dialogues } from '../../../db/schema/index';
import { log } from '../../log';
import { dispatch } from '../dispatch';
import type { CommandRegistry } from '../registry';
import { textReply } from '../replies';
import { hasUnstorable, UNSTORABLE_FIELD_MESSAGE } from '../unstorable';
import type { Actor, FormBlock, Platform, Reply } from '../types';
import { BACK, CANCEL, question, readAnswer, submittedValues, type DialogueState } from './questions';
import { readDialogueState, STALE_STATE_MESSAGE } from './state';

export interface DialogueKey {
  platform: Platform;
  workspaceId: string;
  userId: string;
}

/** Why 30 minutes: long enough to type a summary between visits, short enough that a stale dialogue does not swallow tomorrow's command. */
const DIALOGUE_TTL_MS = 30 * 60 * 1000;

const whereKey = (key: DialogueKey) =>
  and(eq(dialogues.platform, key.platform), eq(dialogues.workspaceId, key.workspaceId), eq(dialogues.userId, key.userId));

const expiry = (now: Date) => new Date(now.getTime() + DIALOGUE_TTL_MS);

async function save(db: DbOrTx, key: DialogueKey, state: DialogueState, now: Date): Promise<void> {
  await db
    .insert(dialogues)
    .values({ ...key, state, expiresAt: expiry(now), updatedAt: now })
    .onConflictDoUpdate({
      target: [dialogues.platform, dialogues.workspaceId, dialogues.userId],
      set: { state, expiresAt: expiry(now), updatedAt: now },
    });
}

/** Begins asking the form's fields one by one; returns the first question. Replaces any dialogue in progress. */
export async function startDialogue(db: Db, key: DialogueKey, form: FormBlock, now: Date): Promise<Reply> {
  if (form.fields.length === 0) throw new Error(`form ${form.formId} has no fields`);
  const state: DialogueState = { form: { ...form, errors: undefined }, index: 0, answers: {} };
  await save(db, key, state, now);
  const firstError = form.errors ? Object.values(form.errors)[0] : undefined;
  return question(state, now, firstError);
}

/** Is a dialogue waiting for this user's answer? */
export async function hasDialogue(db: DbOrTx, key: DialogueKey, now: Date): Promise<boolean> {
  const [row] = await db.select({ expiresAt: dialogues.expiresAt }).from(dialogues).where(whereKey(key));
  return row !== undefined && row.expiresAt > now;
}

type Step =
  | { kind: 'none' }
  | { kind: 'replies'; replies: Reply[] }
  /** The last answer: the row is already deleted; submit outside the lock. */
  | { kind: 'submit'; state: DialogueState };

/** One answer applied to the state, in the caller's transaction (the row is locked). */
async function step(tx: DbOrTx, key: DialogueKey, answer: string, now: Date): Promise<Step> {
  const [row] = await tx.select().from(dialogues).where(whereKey(key)).for('update');
  if (!row) return { kind: 'none' };
  if (row.expiresAt <= now) {
    await tx.delete(dialogues).where(whereKey(key));
    return { kind: 'none' };
  }
  // Parsed, never cast: a dialogue stored by another version (a deploy mid-dialogue) is dropped
  // with a polite word instead of being read in the wrong shape.
  const state = readDialogueState(row.state);
  if (!state) {
    await tx.delete(dialogues).where(whereKey(key));
    log.warn({ platform: key.platform }, 'stored dialogue state of an unknown shape dropped');
    return { kind: 'replies', replies: [textReply(STALE_STATE_MESSAGE)] };
  }
  const word = answer.normalize('NFKC').trim();
  if (word === CANCEL) {
    await tx.delete(dialogues).where(whereKey(key));
    return { kind: 'replies', replies: [textReply(`「${state.form.title}」の入力をやめました。内容は保存していません。`)] };
  }
  if (word === BACK) {
    const back: DialogueState = { ...state, index: Math.max(0, state.index - 1), page: 0, picked: undefined, fixing: undefined };
    await save(tx, key, withPicked(back), now);
    const note = state.index === 0 ? '最初の質問です。' : undefined;
    return { kind: 'replies', replies: [question(withPicked(back), now, note)] };
  }
  // Asked again, nothing kept: the state is jsonb, which cannot hold U+0000 or a lone surrogate.
  if (hasUnstorable(answer)) return { kind: 'replies', replies: [question(state, now, UNSTORABLE_FIELD_MESSAGE)] };
  const read = readAnswer(state, answer, now);
  if (read.kind === 'error') {
    await save(tx, key, state, now);
    return { kind: 'replies', replies: [question(state, now, read.message)] };
  }
  if (read.kind === 'more') {
    const next = { ...state, page: (state.page ?? 0) + 1 };
    await save(tx, key, next, now);
    return { kind: 'replies', replies: [question(next, now)] };
  }
  if (read.kind === 'picked') {
    const next = { ...state, picked: read.picked };
    await save(tx, key, next, now);
    return { kind: 'replies', replies: [question(next, now)] };
  }
  const field = state.form.fields[state.index];
  const answers = { ...state.answers, [field?.name ?? '']: read.value };
  const fix = state.fixing?.[0];
  const fixAt = fix ? state.form.fields.findIndex((f) => f.name === fix.field) : -1;
  const nextIndex = state.fixing ? (fixAt >= 0 ? fixAt : state.form.fields.length) : state.index + 1;
  const next: DialogueState = { ...state, answers, index: nextIndex, page: 0, picked: undefined, fixing: state.fixing?.slice(1) };
  if (next.index >= state.form.fields.length) {
    await tx.delete(dialogues).where(whereKey(key));
    return { kind: 'submit', state: { ...next, fixing: undefined } };
  }
  await save(tx, key, withPicked(next), now);
  return { kind: 'replies', replies: [question(withPicked(next), now, fixAt >= 0 ? fix?.error : undefined)] };
}

/** A multiselect asked again starts from what was answered (or its initial value). */
function withPicked(state: DialogueState): DialogueState {
  const field = state.form.fields[state.index];
  if (field?.type !== 'multiselect') return state;
  const v = state.answers[field.name] ?? field.initial;
  return { ...state, picked: Array.isArray(v) ? v : v ? [v] : [] };
}

/**
 * Feeds one user answer (typed text, or a quick-reply/postback value). Returns null when no
 * dialogue is active for key (then treat the text as a command). On the last answer it submits
 * a FormSubmission through dispatch() and returns dispatch's replies; when dispatch returns
 * fieldErrors it asks the first bad field again with the Japanese error. 「戻る」 goes one
 * question back, 「やめる」 cancels.
 */
export async function continueDialogue(
  deps: { db: Db; registry: CommandRegistry; now: () => Date },
  key: DialogueKey,
  actor: Actor,
  answer: string,
  now: Date,
): Promise<Reply[] | null> {
  const result = await deps.db.transaction((tx) => step(tx, key, answer, now));
  if (result.kind === 'none') return null;
  if (result.kind === 'replies') return result.replies;
  const { state } = result;
  const res = await dispatch({ db: deps.db, registry: deps.registry, now: deps.now ?? (() => now) }, actor, {
    kind: 'form',
    formId: state.form.formId,
    values: submittedValues(state),
    context: state.form.context,
  });
  const errors = res.fieldErrors;
  // A submission answered with another form (a confirmation step) goes on as a dialogue.
  if (!errors) return formsAsDialogue(deps.db, key, res.replies, now);
  const bad = state.form.fields.flatMap((f, i) =>
    errors[f.name] !== undefined ? [{ i, field: f.name, error: errors[f.name] ?? '' }] : [],
  );
  const first = bad[0];
  if (!first) return res.replies; // errors on no asked field (e.g. '_'): nothing to re-ask
  const again = withPicked({
    ...state,
    index: first.i,
    page: 0,
    picked: undefined,
    fixing: bad.slice(1).map(({ field, error }) => ({ field, error })),
  });
  await save(deps.db, key, again, now);
  return [question(again, now, first.error)];
}

/** Ends the user's dialogue, if any (e.g. when they start a new command from the menu). */
export async function cancelDialogue(db: DbOrTx, key: DialogueKey): Promise<void> {
  await db.delete(dialogues).where(whereKey(key));
}

/** Deletes expired dialogues (called periodically by any instance). */
export async function pruneDialogues(db: Db, now: Date): Promise<number> {
  const rows = await db.delete(dialogues).where(lte(dialogues.expiresAt, now)).returning({ userId: dialogues.userId });
  return rows.length;
}

/**
 * Replaces the first form among the replies by its first question (other blocks of that reply
 * stay, before the question). Only one dialogue runs per user, so a second form is dropped;
 * handlers answer with at most one form.
 */
export async function formsAsDialogue(db: Db, key: DialogueKey, replies: Reply[], now: Date): Promise<Reply[]> {
  const out: Reply[] = [];
  let started = false;
  for (const r of replies) {
    const form = r.blocks.find((b): b is FormBlock => b.type === 'form');
    if (!form) {
      out.push(r);
      continue;
    }
    if (started) continue;
    const rest = r.blocks.filter((b) => b.type !== 'form');
    if (rest.length > 0) out.push({ ...r, blocks: rest, quickReplies: undefined });
    out.push(await startDialogue(db, key, form, now));
    started = true;
  }
  return out;
}
