/**
 * What a modal-less adapter (LINE WORKS, LINE) does with every inbound message, in one place:
 *
 *   routeText(deps, key, actor, text)     for typed text and quick replies that send text
 *   routeAction(deps, key, actor, action) for postbacks (button, quick reply, menu)
 *
 * - A dialogue in progress takes the text as its next answer (or 「戻る」/「やめる」).
 * - Otherwise the text is parsed as a command (`ケース 山田`, `記録`, `/case C-0012`) and
 *   dispatched; a bare name or case code (`山田`, `C-0012`, `yamada`) is a case lookup
 *   (parseChatLine); any other unknown word gets a hint to send 「ヘルプ」.
 * - Postbacks of the dialogue itself (`dialogue:answer`, `dialogue:date`) are answers; any other
 *   action is dispatched, and if the handler answers with a form (e.g. 「記録する」 on a case
 *   card), the form is asked step by step instead of being rendered.
 *
 * The adapter only resolves the actor (or answers UNLINKED_MESSAGE), calls one of these and
 * renders the returned replies. A reply for someone else never comes back here: dispatch()
 * puts those in the outbox.
 */
import type { Db } from '../../../db/client';
import { dispatch } from '../dispatch';
import { parseChatLine, UNKNOWN_COMMAND_MESSAGE } from '../parse';
import type { CommandRegistry } from '../registry';
import { textReply } from '../replies';
import type { Action, Actor, Input, Reply } from '../types';
import { continueDialogue, formsAsDialogue, type DialogueKey } from './engine';

export { formsAsDialogue };
import { DATE_PICKER_ACTION, DIALOGUE_ANSWER_ACTION } from './questions';

export interface RouteDeps {
  db: Db;
  registry: CommandRegistry;
  now: () => Date;
}

export { UNKNOWN_COMMAND_MESSAGE };
export const EXPIRED_DIALOGUE_MESSAGE = 'この質問は有効期限（30分）が切れたか、すでに終わっています。もう一度コマンドから始めてください。';

/** Every inbound text: continue the dialogue if one is active, else run it as a command. */
export async function routeText(deps: RouteDeps, key: DialogueKey, actor: Actor, text: string): Promise<Reply[]> {
  const now = deps.now();
  const continued = await continueDialogue(deps, key, actor, text, now);
  if (continued) return continued;
  const cmd = parseChatLine(deps.registry, text);
  if (!cmd) return [textReply(UNKNOWN_COMMAND_MESSAGE)];
  return runInput(deps, key, actor, cmd, now);
}

/** Every inbound postback, already mapped back to the Action its button carried. */
export async function routeAction(deps: RouteDeps, key: DialogueKey, actor: Actor, action: Action): Promise<Reply[]> {
  const now = deps.now();
  if (action.id === DIALOGUE_ANSWER_ACTION || action.id === DATE_PICKER_ACTION) {
    return (await continueDialogue(deps, key, actor, action.value, now)) ?? [textReply(EXPIRED_DIALOGUE_MESSAGE)];
  }
  return runInput(deps, key, actor, action, now);
}

/** Runs a command or action; a form in its answer becomes a dialogue (replacing any earlier one). */
async function runInput(deps: RouteDeps, key: DialogueKey, actor: Actor, input: Input, now: Date): Promise<Reply[]> {
  const res = await dispatch({ db: deps.db, registry: deps.registry, now: deps.now ?? (() => now) }, actor, input);
  return formsAsDialogue(deps.db, key, res.replies, now);
}

