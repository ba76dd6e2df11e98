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
import { parseChatLine, parseCommandLine, UNKNOWN_COMMAND_MESSAGE } from '../parse';
import type { CommandRegistry } from '../registry';
import { textReply } from '../replies';
import type { Action, Actor, FormBlock, Input, Reply } from '../types';
import { cancelDialogue, continueDialogue, formsAsDialogue, type DialogueKey } from './engine';
import { DATE_PICKER_ACTION, DIALOGUE_ANSWER_ACTION } from './questions';

export interface RouteDeps {
  db: Db;
  registry: CommandRegistry;
  now: () => Date;
}
const EXPIRED_DIALOGUE_MESSAGE = 'この質問は有効期限（30分）が切れたか、すでに終わっています。もう一度コマンドから始めてください。';

/** What one inbound message of a modal-less platform is, once the adapter has parsed it. */
export type InboundMessage =
  /** Typed text (a quick reply that sends text too). In a group only commands count, and no dialogue takes it. */
  | { kind: 'text'; text: string; inGroup?: boolean }
  /** A menu tap: a command that always starts afresh, even in the middle of a dialogue. */
  | { kind: 'menu'; input: Input }
  /** A postback, mapped back to the Action its button carried; `answer` is a date picker's value. */
  | { kind: 'action'; action: Action; answer?: string };

export interface Routed {
  replies: Reply[];
  /** The form the answer started as a dialogue, if any (LINE offers long ones as a browser link). */
  form?: FormBlock;
}

/** The one router of every modal-less platform: dialogue, command, lookup or action. */
export async function routeInbound(deps: RouteDeps, key: DialogueKey, actor: Actor, m: InboundMessage): Promise<Routed> {
  const now = deps.now();
  switch (m.kind) {
    case 'text': {
      const continued = m.inGroup ? null : await continueDialogue(deps, key, actor, m.text, now);
      if (continued) return { replies: continued };
      // In a 1:1 chat a bare name or case code is a case lookup; in a group only commands count.
      const cmd = m.inGroup ? parseCommandLine(deps.registry, m.text) : parseChatLine(deps.registry, m.text);
      if (!cmd) return { replies: [textReply(UNKNOWN_COMMAND_MESSAGE)] };
      return runInput(deps, key, actor, cmd, now);
    }
    case 'menu':
      await cancelDialogue(deps.db, key);
      return runInput(deps, key, actor, m.input, now);
    case 'action':
      if (m.action.id === DIALOGUE_ANSWER_ACTION || m.action.id === DATE_PICKER_ACTION) {
        const answer = m.action.id === DATE_PICKER_ACTION ? (m.answer ?? m.action.value) : m.action.value;
        return { replies: (await continueDialogue(deps, key, actor, answer, now)) ?? [textReply(EXPIRED_DIALOGUE_MESSAGE)] };
      }
      return runInput(deps, key, actor, m.action, now);
  }
}

/** Every inbound text: continue the dialogue if one is active, else run it as a command. */
export async function routeText(deps: RouteDeps, key: DialogueKey, actor: Actor, text: string): Promise<Reply[]> {
  return (await routeInbound(deps, key, actor, { kind: 'text', text })).replies;
}

/** Every inbound postback, already mapped back to the Action its button carried. */
export async function routeAction(deps: RouteDeps, key: DialogueKey, actor: Actor, action: Action): Promise<Reply[]> {
  return (await routeInbound(deps, key, actor, { kind: 'action', action })).replies;
}

/** Runs a command or action; a form in its answer becomes a dialogue (replacing any earlier one). */
async function runInput(deps: RouteDeps, key: DialogueKey, actor: Actor, input: Input, now: Date): Promise<Routed> {
  const res = await dispatch({ db: deps.db, registry: deps.registry, now: deps.now ?? (() => now) }, actor, input);
  const form = res.replies.flatMap((r) => r.blocks).find((b): b is FormBlock => b.type === 'form');
  const replies = await formsAsDialogue(deps.db, key, res.replies, now);
  return form ? { replies, form } : { replies };
}
