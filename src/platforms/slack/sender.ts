import type { Destination, PlatformSender, SendResult } from '../../chat/adapter';
import type { Reply } from '../../chat/types';
import { safeErrorText } from '../../log';
import { SlackApiError, SlackRateLimited, type SlackApi } from './api';
import { renderMessage } from './render';
import { threadKeyOf, type ThreadRoot } from './threads';

/** Slack errors a retry cannot fix: the delivery is marked dead instead of retried. */
const PERMANENT = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_installation',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'user_not_found',
  'user_disabled',
  'cannot_dm_bot',
  'missing_scope',
  'no_permission',
  'msg_too_long',
  'invalid_blocks',
  'invalid_arguments',
  'restricted_action',
]);

/** Why 1.5 s: enough for the per-channel 1 msg/s slot; longer waits go back to the queue. */
const SEND_WAIT_MS = 1_500;

export type TokenLookup = (team: string) => Promise<string | null>;

/** The delivery queue's way to Slack: DMs via conversations.open, channel posts by id. */
export class SlackSender implements PlatformSender {
  readonly platform = 'slack' as const;
  private readonly dms = new Map<string, string>();

  constructor(
    private readonly api: SlackApi,
    private readonly token: TokenLookup,
    /** Where a DM about a 二次相談 / 地域課題 continues its thread (see threads.ts); none: no threads. */
    private readonly threadRoot?: ThreadRoot,
  ) {}

  async send(to: Destination, reply: Reply, idempotencyKey: string): Promise<SendResult> {
    try {
      const token = await this.token(to.workspaceId);
      if (!token) return { ok: false, error: 'no_installation', permanent: true };
      const channel = to.kind === 'channel' ? to.channelId : await this.dm(to.workspaceId, token, to.userId);
      // Direct messages only: channel posts are updated in place instead (their own code).
      const thread = to.kind === 'user' ? threadKeyOf(idempotencyKey) : null;
      const threadTs = thread && this.threadRoot ? await this.threadRoot(channel, thread) : null;
      const res = await this.api.call<{ ok: boolean; ts?: string; channel?: string }>(
        to.workspaceId,
        token,
        'chat.postMessage',
        { channel, ...renderMessage(reply), ...(threadTs ? { thread_ts: threadTs } : {}) },
        { maxWaitMs: SEND_WAIT_MS },
      );
      return { ok: true, messageId: `${res.channel ?? channel}:${res.ts ?? ''}` };
    } catch (e) {
      if (e instanceof SlackRateLimited) return { ok: false, error: 'rate_limited', permanent: false, retryAfterMs: e.retryAfterMs };
      if (e instanceof SlackApiError) return { ok: false, error: e.slackError, permanent: PERMANENT.has(e.slackError) };
      return { ok: false, error: safeErrorText(e), permanent: false };
    }
  }

  /** chat.update of a message sent earlier (`messageId` is `channel:ts`, as `send` returns it). */
  async update(to: Destination, messageId: string, reply: Reply): Promise<SendResult> {
    const cut = messageId.lastIndexOf(':');
    const channel = messageId.slice(0, cut);
    const ts = messageId.slice(cut + 1);
    if (cut <= 0 || ts === '') return { ok: false, error: 'message_not_found', permanent: true };
    try {
      const token = await this.token(to.workspaceId);
      if (!token) return { ok: false, error: 'no_installation', permanent: true };
      const res = await this.api.call<{ ok: boolean; ts?: string; channel?: string }>(
        to.workspaceId,
        token,
        'chat.update',
        { channel, ts, ...renderMessage(reply) },
        { maxWaitMs: SEND_WAIT_MS },
      );
      return { ok: true, messageId: `${res.channel ?? channel}:${res.ts ?? ts}` };
    } catch (e) {
      if (e instanceof SlackRateLimited) return { ok: false, error: 'rate_limited', permanent: false, retryAfterMs: e.retryAfterMs };
      if (e instanceof SlackApiError)
        return {
          ok: false,
          error: e.slackError,
          permanent: PERMANENT.has(e.slackError) || e.slackError === 'message_not_found' || e.slackError === 'cant_update_message',
        };
      return { ok: false, error: safeErrorText(e), permanent: false };
    }
  }

  private async dm(team: string, token: string, userId: string): Promise<string> {
    const key = `${team}|${userId}`;
    const known = this.dms.get(key);
    if (known) return known;
    const res = await this.api.call<{ ok: boolean; channel?: { id?: string } }>(
      team,
      token,
      'conversations.open',
      { users: userId },
      { maxWaitMs: SEND_WAIT_MS },
    );
    const id = res.channel?.id;
    if (!id) throw new SlackApiError('conversations.open', 'no_channel');
    this.dms.set(key, id);
    return id;
  }
}
