/**
 * What happens to one stored callback: find the tenant (domain) and the staff member (linked
 * account, or the 「連携 12345678」 flow), route the text or postback through the dialogue
 * engine and dispatch, render, and send the answer to the user's 1:1 talk with the bot. Case
 * data never goes to a talk room: even a message written in a room is answered 1:1.
 */
import { z } from 'zod';
import type { Db } from '../../../db/client';
import type { DialogueKey } from '../../chat/dialogue/engine';
import { routeInbound } from '../../chat/dialogue/route';
import type { CommandRegistry } from '../../chat/registry';
import { textReply } from '../../chat/replies';
import { isMarkedUnstorable, UNSTORABLE_MESSAGE } from '../../chat/unstorable';
import type { Reply } from '../../chat/types';
import { identify } from '../../chat/identify';
import { log } from '../../log';
import type { LineWorksApi } from './client';
import { markDone, markFailed, saveReplies, type InboxRow } from './inbox';
import { MENU_ACTION } from './menu';
import { decodeAction } from './postback';
import { renderReply, type LineWorksContent } from './render';
import { sendContents } from './sender';

/** The part of a callback we read; everything else passes through untouched. */
export const callbackSchema = z
  .object({
    type: z.string().min(1).max(50),
    source: z
      .object({
        // Room events (joined, left) may carry no user.
        userId: z.string().min(1).max(200).optional(),
        channelId: z.string().max(200).optional(),
        domainId: z.union([z.number().int(), z.string().regex(/^\d{1,20}$/)]),
      })
      .loose(),
    issuedTime: z.string().max(40).optional(),
    content: z
      .object({ type: z.string().max(50), text: z.string().max(10_000).optional(), postback: z.string().max(1_000).optional() })
      .loose()
      .optional(),
    data: z.string().max(1_000).optional(),
  })
  .loose();
export type Callback = z.infer<typeof callbackSchema>;

export const userKeyOf = (e: Callback) => `${e.source.domainId}:${e.source.userId ?? `room:${e.source.channelId ?? ''}`}`;

export interface ProcessDeps {
  db: Db;
  registry: CommandRegistry;
  api: LineWorksApi;
  botId: string;
  /** When set, callbacks from any other domain are ignored. */
  domainId: string | null;
  now: () => Date;
}

const NOT_REGISTERED = 'このLINE WORKSはまだ soudan-bot に登録されていません。管理者にお問い合わせください。';
const TEXT_ONLY = '文字で送ってください。「ヘルプ」と送ると使えるコマンドが表示されます。';

/** The answers to one callback (for the sender only), or none for events that need none. */
export async function repliesFor(deps: ProcessDeps, e: Callback): Promise<Reply[]> {
  const workspaceId = String(e.source.domainId);
  if (deps.domainId !== null && workspaceId !== deps.domainId) {
    log.warn({ domain: workspaceId }, 'lineworks callback from another domain ignored');
    return [];
  }
  const userId = e.source.userId;
  if (!userId) return [];
  const postback = e.type === 'postback' ? e.data : e.type === 'message' ? e.content?.postback : undefined;
  const action = postback ? decodeAction(postback) : null;
  const text = e.type === 'message' && e.content?.type === 'text' ? (e.content.text ?? '') : null;
  if (!action && text === null) return e.type === 'message' ? [textReply(TEXT_ONLY)] : [];

  const now = deps.now();
  const who = await identify(deps.db, {
    platform: 'lineworks',
    workspaceId,
    userId,
    text,
    explicitLink: true,
    source: e.source.channelId,
    now,
  });
  if (who.kind === 'unknown_workspace') return [textReply(NOT_REGISTERED)];
  // The inbox replaced a character PostgreSQL cannot store: refused politely, nothing else runs.
  if (isMarkedUnstorable(e)) return [textReply(UNSTORABLE_MESSAGE)];
  if (who.kind !== 'staff') return [textReply(who.message)];
  const actor = who.actor;
  const key: DialogueKey = { platform: 'lineworks', workspaceId, userId };
  const route = { db: deps.db, registry: deps.registry, now: () => now };
  if (action?.id === MENU_ACTION) {
    // A menu tap always starts afresh, even in the middle of a dialogue.
    const spec = deps.registry.get(action.value);
    return (await routeInbound(route, key, actor, { kind: 'menu', input: { kind: 'command', name: spec ? spec.id : 'help', text: '' } }))
      .replies;
  }
  const routed = action
    ? await routeInbound(route, key, actor, { kind: 'action', action })
    : await routeInbound(route, key, actor, { kind: 'text', text: text ?? '' });
  return routed.replies;
}

/**
 * Processes one claimed inbox row. The answer is computed once and stored before sending, so a
 * failed send is retried without running the command again; messages already sent are dropped
 * from the stored list.
 */
export async function processRow(deps: ProcessDeps, row: InboxRow): Promise<void> {
  const parsed = callbackSchema.safeParse(row.event);
  if (!parsed.success) {
    await markDone(deps.db, row.id);
    return;
  }
  const e = parsed.data;
  let contents = row.replies as LineWorksContent[] | null;
  if (contents === null) {
    const replies = await repliesFor(deps, e);
    contents = replies.flatMap(renderReply);
    await saveReplies(deps.db, row.id, contents);
  }
  const userId = e.source.userId;
  if (!userId || contents.length === 0) {
    await markDone(deps.db, row.id);
    return;
  }
  const { sent, result } = await sendContents(deps.api, deps.botId, { kind: 'user', userId }, contents, 'interactive');
  if (result.ok) {
    await markDone(deps.db, row.id);
    return;
  }
  log.warn({ inbox: row.id, attempt: row.attempts, error: result.error, permanent: result.permanent }, 'lineworks answer not sent');
  if (result.permanent) {
    await markDone(deps.db, row.id);
    return;
  }
  if (sent > 0) await saveReplies(deps.db, row.id, contents.slice(sent));
  await markFailed(deps.db, row, result.error, result.retryAfterMs);
}
