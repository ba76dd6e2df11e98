/**
 * Sends what an event's answer was planned to be: first with the event's reply token (free, but
 * single-use and valid about a minute), otherwise — and for everything past five messages — as
 * pushes whose X-Line-Retry-Key is derived from the event id, so a retry is never shown twice.
 */
import { HTTPFetchError, type LineBotClient, type messagingApi } from '@line/bot-sdk';
import type { Db } from '../../../db/client';
import type { SendResult } from '../../chat/adapter';
import { textReply } from '../../chat/replies';
import type { Reply } from '../../chat/types';
import { chunks, failureOf, MAX_MESSAGES, pushAll } from './client';
import { savePlan } from './inbox';
import { BROWSER_LABEL, renderReplies } from './render';
import type { Routed } from './route';

type Message = messagingApi.Message;

/** Why 50 s: LINE documents "about a minute" for a reply token; past that a push is the safe way. */
const REPLY_TOKEN_MS = 50_000;

const PRIVATE_ANSWER_NOTICE = '個人に関わる内容のため、1対1のトークでお送りしました。';

/** The stored plan for one event (line_inbox.replies). */
export interface Plan {
  replyToken: string | null;
  /** Answer in the chat the event came from: via reply token, else pushed to `replyTo`. */
  reply: Message[];
  replyTo: string;
  /** Set once the first five went out with the reply token (a retry then pushes only the rest). */
  repliedWithToken?: boolean;
  /** Extra pushes (the private answer to a question asked in a group). */
  push: { to: string; messages: Message[] }[];
}

function browserMessage(link: NonNullable<Routed['browserLink']>): Message {
  return {
    type: 'flex',
    altText: `${link.title}はブラウザでも入力できます`,
    contents: {
      type: 'bubble',
      size: 'kilo',
      body: {
        type: 'box',
        layout: 'vertical',
        spacing: 'sm',
        contents: [
          { type: 'text', text: 'まとめて入力したいときは、ブラウザの入力画面も使えます（15分間・1回限り有効）。', size: 'sm', wrap: true },
          { type: 'button', style: 'link', height: 'sm', action: { type: 'uri', label: BROWSER_LABEL, uri: link.url } },
        ],
      },
    },
  };
}

/** Messages for the asker: the replies, then the browser link carrying the question's quick replies. */
function messagesFor(routed: Routed): Message[] {
  const messages = renderReplies(routed.replies);
  if (!routed.browserLink) return messages;
  const last = messages.at(-1);
  const extra = browserMessage(routed.browserLink);
  if (last?.quickReply && extra.type === 'flex') {
    messages[messages.length - 1] = { ...last, quickReply: undefined };
    return [...messages, { ...extra, quickReply: last.quickReply }];
  }
  return [...messages, extra];
}

/** Where an event's answer goes: in a group, personal answers go to the asker's 1:1 chat instead. */
export function planFor(
  event: { replyToken?: string; source?: { type: string; userId?: string; groupId?: string; roomId?: string } },
  routed: Routed,
): Plan | null {
  const userId = event.source?.userId;
  const messages = messagesFor(routed);
  if (messages.length === 0) return null;
  const chat = event.source?.type === 'group' ? event.source.groupId : event.source?.type === 'room' ? event.source.roomId : undefined;
  // Only channel replies (the group welcome) are meant for the group itself; every other answer is the asker's.
  const forGroup = routed.replies.every((r: Reply) => r.visibility === 'channel');
  if (chat && forGroup) return { replyToken: event.replyToken ?? null, reply: messages, replyTo: chat, push: [] };
  if (!userId) return null;
  if (!chat) return { replyToken: event.replyToken ?? null, reply: messages, replyTo: userId, push: [] };
  return {
    replyToken: event.replyToken ?? null,
    reply: renderReplies([textReply(PRIVATE_ANSWER_NOTICE, 'channel')]),
    replyTo: chat,
    push: [{ to: userId, messages }],
  };
}

/** Sends a plan; `key` (the webhook event id) makes every push idempotent at LINE. */
export async function deliverPlan(
  db: Db,
  client: LineBotClient,
  rowId: string,
  key: string,
  receivedAt: Date,
  plan: Plan,
): Promise<SendResult> {
  let rest = plan.reply;
  // Wall-clock time on purpose: the token expires in real time, whatever clock the handlers use.
  if (!plan.repliedWithToken && plan.replyToken && Date.now() - receivedAt.getTime() < REPLY_TOKEN_MS) {
    const [first = [], ...others] = chunks(plan.reply);
    try {
      await client.replyMessage({ replyToken: plan.replyToken, messages: first });
      plan.repliedWithToken = true;
      await savePlan(db, rowId, plan);
      rest = others.flat();
    } catch (e) {
      // An expired or used token is a 400: the same messages go out as a push instead.
      if (!(e instanceof HTTPFetchError) || e.status >= 500) return failureOf(e);
    }
  } else if (plan.repliedWithToken) {
    rest = plan.reply.slice(MAX_MESSAGES);
  }
  if (rest.length > 0) {
    const r = await pushAll(client, plan.replyTo, rest, `line-event:${key}:reply`);
    if (!r.ok) return r;
  }
  for (const [i, p] of plan.push.entries()) {
    const r = await pushAll(client, p.to, p.messages, `line-event:${key}:push:${i}`);
    if (!r.ok) return r;
  }
  return { ok: true };
}
