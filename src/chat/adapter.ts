import type { Platform, Reply } from './types';

/** Where a message goes on one platform: a user (direct message) or a channel of a workspace. */
export type Destination =
  | { kind: 'user'; workspaceId: string; userId: string }
  | { kind: 'channel'; workspaceId: string; channelId: string };

export type SendResult =
  | { ok: true; messageId?: string }
  /** `retryAfterMs` from a 429 (Retry-After); `permanent` for errors a retry cannot fix. */
  | { ok: false; error: string; permanent: boolean; retryAfterMs?: number };

/**
 * What every platform adapter offers the delivery queue: send a rendered Reply outside a request.
 * `idempotencyKey` is the delivery's key; platforms that support it (LINE's X-Line-Retry-Key)
 * use it so a retried send is never shown twice.
 */
export interface PlatformSender {
  platform: Platform;
  send(to: Destination, reply: Reply, idempotencyKey: string): Promise<SendResult>;
  /**
   * Replaces a message this sender sent earlier (`messageId` as `send` returned it) with a new
   * state: Slack's chat.update. Platforms that cannot edit a message leave it out, and the new
   * state is sent as a new message.
   */
  update?(to: Destination, messageId: string, reply: Reply): Promise<SendResult>;
}

/** The senders configured in this process, by platform. */
export class SenderRegistry {
  private readonly senders = new Map<Platform, PlatformSender>();

  add(sender: PlatformSender): void {
    this.senders.set(sender.platform, sender);
  }

  get(platform: Platform): PlatformSender | undefined {
    return this.senders.get(platform);
  }

  platforms(): Platform[] {
    return [...this.senders.keys()];
  }
}
