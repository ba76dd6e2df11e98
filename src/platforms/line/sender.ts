import type { LineBotClient } from '@line/bot-sdk';
import type { Destination, PlatformSender, SendResult } from '../../chat/adapter';
import type { Reply } from '../../chat/types';
import { pushAll } from './client';
import { renderReplies, type RenderOptions } from './render';

/**
 * The delivery queue's way out to LINE: a direct message is a push to the user id, a channel post
 * a push to the group id. Retries of one delivery reuse its retry keys, so LINE shows it once.
 */
export function createLineSender(client: LineBotClient, opts: RenderOptions = {}): PlatformSender {
  return {
    platform: 'line',
    async send(to: Destination, reply: Reply, idempotencyKey: string): Promise<SendResult> {
      const messages = renderReplies([reply], opts);
      if (messages.length === 0) return { ok: false, error: 'empty reply', permanent: true };
      return pushAll(client, to.kind === 'user' ? to.userId : to.channelId, messages, idempotencyKey);
    },
  };
}
