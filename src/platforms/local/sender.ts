import type { PlatformSender } from '../../chat/adapter';

/**
 * The local web chat reads its messages straight from the outbox (inbox and channel views), so
 * "sending" there is only acknowledging that the stored message is now visible.
 */
export const localSender: PlatformSender = {
  platform: 'local',
  async send() {
    return { ok: true };
  },
};
