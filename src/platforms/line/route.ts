/**
 * One LINE event → the Replies to show. Tenancy first (the channel's bot id must be registered),
 * then account linking, then the shared dialogue router. Long forms also get a one-time link to
 * fill them in the phone's browser.
 */
import type { Db } from '../../../db/client';
import type { DialogueKey } from '../../chat/dialogue/engine';
import { routeInbound, type Routed as RoutedMessage } from '../../chat/dialogue/route';
import { parseCommandLine } from '../../chat/parse';
import type { CommandRegistry } from '../../chat/registry';
import { textReply } from '../../chat/replies';
import { isMarkedUnstorable, UNSTORABLE_MESSAGE } from '../../chat/unstorable';
import type { Reply } from '../../chat/types';
import type { Config } from '../../config';
import { identify } from '../../chat/identify';
import { parseLinkRequest } from '../../core/staff/link';
import { createFormLink } from '../webform/links';
import type { LineEvent } from './events';
import { decodePostback } from './postback';

export interface LineRouteDeps {
  db: Db;
  registry: CommandRegistry;
  config: Pick<Config, 'LINK_SECRET' | 'PUBLIC_BASE_URL'>;
  now: () => Date;
}

/** Forms with this many fields are offered in the browser too: nine questions in a chat are many. */
const LONG_FORM_FIELDS = 5;

const UNREGISTERED_CHANNEL_MESSAGE = 'このLINE公式アカウントはまだ自治体に登録されていません。管理者にお問い合わせください。';
const WELCOME_MESSAGE = 'soudan-bot です。下のメニューか「ヘルプ」から操作を始められます。';
const GROUP_WELCOME =
  'soudan-bot です。ケースの情報など個人に関わる内容は、このグループには表示せず、各自との1対1のトークでお送りします（先にこのアカウントを友だち追加してください）。';

export interface Routed {
  replies: Reply[];
  /** A one-time browser link for the form that was just started as a dialogue. */
  browserLink?: { url: string; title: string };
}

/** What to answer to one event; null for events that need no answer. */
export async function routeEvent(deps: LineRouteDeps, destination: string, event: LineEvent): Promise<Routed | null> {
  if (event.mode === 'standby') return null;
  // Said to the group itself: a join event names no user.
  if (event.type === 'join') return { replies: [textReply(GROUP_WELCOME, 'channel')] };
  const userId = event.source?.userId;
  if (!userId) return null;
  const isText = event.type === 'message' && event.message?.type === 'text' && typeof event.message.text === 'string';
  if (!isText && event.type !== 'postback' && event.type !== 'follow') return null;

  const text = isText ? (event.message?.text ?? '') : '';
  const code = isText ? parseLinkRequest(text) : null;
  // In a group most messages are people talking to each other: only commands are for the bot,
  // and a form half-answered in the 1:1 chat must not swallow group chatter.
  const inGroup = event.source?.type !== 'user';
  if (inGroup && isText && !code && !parseCommandLine(deps.registry, text)) return null;
  const now = deps.now();
  const who = await identify(deps.db, {
    platform: 'line',
    workspaceId: destination,
    userId,
    text: code ? text : null,
    explicitLink: true,
    source: event.source?.groupId ?? event.source?.roomId,
    now,
  });
  if (who.kind === 'unknown_workspace') return { replies: [textReply(UNREGISTERED_CHANNEL_MESSAGE)] };
  // The inbox replaced a character PostgreSQL cannot store: refused politely, nothing else runs.
  if (isMarkedUnstorable(event)) return { replies: [textReply(UNSTORABLE_MESSAGE)] };
  if (who.kind !== 'staff') return { replies: [textReply(who.message)] };
  const actor = who.actor;
  if (event.type === 'follow') return { replies: [textReply(WELCOME_MESSAGE)] };

  const key: DialogueKey = { platform: 'line', workspaceId: destination, userId };
  const route = { db: deps.db, registry: deps.registry, now: () => now };
  let routed: RoutedMessage;
  if (isText) routed = await routeInbound(route, key, actor, { kind: 'text', text, inGroup });
  else {
    const decoded = decodePostback(event.postback?.data ?? '');
    if (!decoded) return { replies: [textReply('このボタンは使えなくなりました。メニューかコマンドからもう一度お試しください。')] };
    // A rich menu tap starts over: a half-answered form would otherwise take the next words.
    routed = await routeInbound(
      route,
      key,
      actor,
      decoded.kind === 'command'
        ? { kind: 'menu', input: decoded }
        : { kind: 'action', action: decoded, answer: event.postback?.params?.date },
    );
  }
  // A long form is also offered as a one-time browser link.
  if (!routed.form || routed.form.fields.length < LONG_FORM_FIELDS) return { replies: routed.replies };
  const url = await createFormLink(deps.db, deps.config, actor, routed.form, now, key);
  return url ? { replies: routed.replies, browserLink: { url, title: routed.form.title } } : { replies: routed.replies };
}
