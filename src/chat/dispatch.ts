import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client';
import { isUserError } from '../core/errors';
import { log } from '../log';
import { enqueueReply } from './outbox';
import type { CommandRegistry, HandlerContext } from './registry';
import { textReply } from './replies';
import { containsUnstorable, hasUnstorable, UNSTORABLE_FIELD_MESSAGE, UNSTORABLE_MESSAGE } from './unstorable';
import type { Actor, Input, Reply } from './types';
import { dispatchDuration } from '../metrics';

export interface DispatchResult {
  replies: Reply[];
  /** Set when a form submission failed validation: field → Japanese message. */
  fieldErrors?: Record<string, string>;
  /** Set when something unexpected failed: a short id the user can quote to support. */
  errorId?: string;
}

export interface DispatchOptions {
  db: Db;
  registry: CommandRegistry;
  now: () => Date;
}

/** Which handler an input belongs to: commands by name, actions and forms by their id prefix. */
function targetOf(input: Input): string {
  if (input.kind === 'command') return input.name;
  const id = input.kind === 'action' ? input.id : input.formId;
  return id.split(':')[0] ?? '';
}

/**
 * The one boundary every platform calls. Errors the user caused become their Japanese message;
 * anything else is logged with context (never personal data) and answered politely, so the
 * platform still gets its acknowledgement and does not retry.
 */
export async function dispatch(opts: DispatchOptions, actor: Actor, input: Input): Promise<DispatchResult> {
  const requestId = randomUUID();
  const ctx: HandlerContext = { actor, db: opts.db, now: opts.now(), requestId };
  const name = targetOf(input);
  const spec = opts.registry.get(name);
  if (!spec) {
    return { replies: [textReply('そのコマンドは見つかりませんでした。「ヘルプ」で使えるコマンドを確認できます。')] };
  }
  const unstorable = refuseUnstorable(input);
  if (unstorable) {
    log.info({ requestId, tenant: actor.tenantId, command: name, code: 'unstorable_input' }, 'user error');
    return unstorable;
  }
  const endTimer = dispatchDuration.startTimer({ command: name });
  let outcome: 'ok' | 'user_error' | 'error' = 'ok';
  try {
    let replies: Reply[];
    if (input.kind === 'command') replies = await spec.onCommand(ctx, input);
    else if (input.kind === 'action' && spec.onAction) replies = await spec.onAction(ctx, input);
    else if (input.kind === 'form' && spec.onForm) replies = await spec.onForm(ctx, input);
    else replies = [textReply('この操作には対応していません。')];
    return { replies: await routeReplies(opts.db, actor, replies, requestId, ctx.now) };
  } catch (e) {
    if (isUserError(e)) {
      outcome = 'user_error';
      log.info({ requestId, tenant: actor.tenantId, command: name, code: e.code }, 'user error');
      return { replies: [textReply(e.userMessage)], fieldErrors: e.fieldErrors };
    }
    outcome = 'error';
    const errorId = requestId.slice(0, 8);
    // `err` goes through safeError (src/log.ts): SQL state and statement kind, never a query's params.
    log.error({ requestId, tenant: actor.tenantId, staff: actor.staffId, command: name, input: input.kind, err: e }, 'handler failed');
    return {
      replies: [
        textReply(`申し訳ありません。処理中にエラーが発生しました。時間をおいてもう一度お試しください。（エラー番号: ${errorId}）`),
      ],
      errorId,
    };
  } finally {
    endTimer({ outcome });
  }
}

/**
 * An input holding a character PostgreSQL cannot store (U+0000, a lone surrogate) is refused
 * here, for every platform, before a handler runs a query with it; a form's fields are named.
 */
function refuseUnstorable(input: Input): DispatchResult | null {
  if (input.kind === 'command')
    return hasUnstorable(input.text) || hasUnstorable(input.name) ? { replies: [textReply(UNSTORABLE_MESSAGE)] } : null;
  if (input.kind === 'action')
    return hasUnstorable(input.id) || hasUnstorable(input.value) ? { replies: [textReply(UNSTORABLE_MESSAGE)] } : null;
  const bad = Object.entries(input.values).filter(([k, v]) => hasUnstorable(k) || containsUnstorable(v));
  if (bad.length === 0 && !hasUnstorable(input.formId) && !containsUnstorable(input.context)) return null;
  return {
    replies: [textReply(UNSTORABLE_MESSAGE)],
    fieldErrors: Object.fromEntries(
      (bad.length > 0 ? bad : [['_form']]).map(([k]) => [containsUnstorable(k) ? '_form' : k, UNSTORABLE_FIELD_MESSAGE]),
    ),
  };
}

/** Is this reply for the person who asked (answered in place), or for someone else? */
function isForAsker(actor: Actor, r: Reply): boolean {
  if (r.visibility === 'ephemeral') return true;
  return r.visibility === 'dm' && (r.toStaffId === undefined || r.toStaffId === actor.staffId);
}

/**
 * Replies for the asker go back in the response; messages for other staff or a channel go to
 * the durable outbox. Handlers that change data enqueue their notices in their own transaction;
 * this catches what a handler returns instead.
 */
async function routeReplies(db: Db, actor: Actor, replies: Reply[], requestId: string, now: Date): Promise<Reply[]> {
  const mine: Reply[] = [];
  for (const [i, r] of replies.entries()) {
    if (isForAsker(actor, r)) mine.push(r);
    else {
      await enqueueReply(
        db,
        {
          tenantId: actor.tenantId,
          idempotencyKey: `reply:${requestId}:${i}`,
          recipientId: r.visibility === 'dm' ? r.toStaffId : null,
          channel: r.visibility === 'channel' ? (r.channel ?? 'general') : null,
          kind: 'notice',
          reply: r,
        },
        now,
      );
    }
  }
  return mine;
}
