import type { Destination, PlatformSender, SendResult } from '../../chat/adapter';
import type { Reply } from '../../chat/types';
import type { LineWorksApi } from './client';
import type { Priority } from './rate';
import { renderReply, type LineWorksContent } from './render';

/** Where one rendered message goes: a user (1:1 talk with the bot) or a channel (talk room). */
export type LwTarget = { kind: 'user'; userId: string } | { kind: 'channel'; channelId: string };

function messagePath(botId: string, to: LwTarget): { api: string; path: string } {
  const bot = encodeURIComponent(botId);
  return to.kind === 'user'
    ? { api: 'bot.users.messages', path: `/bots/${bot}/users/${encodeURIComponent(to.userId)}/messages` }
    : { api: 'bot.channels.messages', path: `/bots/${bot}/channels/${encodeURIComponent(to.channelId)}/messages` };
}

/** Sends rendered messages in order; stops at the first failure and says how many went out. */
export async function sendContents(
  api: LineWorksApi,
  botId: string,
  to: LwTarget,
  contents: LineWorksContent[],
  priority: Priority,
): Promise<{ sent: number; result: SendResult }> {
  const { api: name, path } = messagePath(botId, to);
  for (const [i, content] of contents.entries()) {
    const r = await api.post(name, path, { content }, priority);
    if (!r.ok)
      return { sent: i, result: { ok: false, error: `HTTP ${r.status} ${r.error}`, permanent: r.permanent, retryAfterMs: r.retryAfterMs } };
  }
  return { sent: contents.length, result: { ok: true } };
}

/**
 * What the delivery queue calls to reach a LINE WORKS user or channel. Deliveries are long sends
 * (a morning's digests), so they use the bulk half of the rate budget and hand a 429 back to
 * the queue (retryAfterMs) instead of waiting here. LINE WORKS has no idempotency key: a retry
 * after a partial failure may repeat the messages already sent.
 */
export class LineWorksSender implements PlatformSender {
  readonly platform = 'lineworks' as const;

  constructor(
    private readonly api: LineWorksApi,
    private readonly botId: string,
    private readonly priority: Priority = 'bulk',
  ) {}

  async send(to: Destination, reply: Reply, _idempotencyKey: string): Promise<SendResult> {
    // Second line of defence: a personal reply never goes to a talk room, whatever the caller did.
    if (to.kind === 'channel' && reply.visibility !== 'channel') {
      return { ok: false, error: 'a personal (ephemeral/dm) reply may not be posted to a channel', permanent: true };
    }
    const target: LwTarget = to.kind === 'user' ? { kind: 'user', userId: to.userId } : { kind: 'channel', channelId: to.channelId };
    const { result } = await sendContents(this.api, this.botId, target, renderReply(reply), this.priority);
    return result;
  }
}
