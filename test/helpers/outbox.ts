import { deliveryReply } from '../../handlers/notices/render';
import type { Reply } from '../../src/chat/types';

/**
 * Outbox rows as their recipients get them: a domain notice rendered the way the sender renders
 * it (handlers/notices/render.ts), a message rendered by the conversation side as stored.
 */
export function asSent<R extends { payload: unknown; recipientId: string | null; channel: string | null }>(
  rows: R[],
): (Omit<R, 'payload'> & { payload: Reply })[] {
  return rows.map((r) => ({ ...r, payload: deliveryReply(r.payload, r) }));
}
