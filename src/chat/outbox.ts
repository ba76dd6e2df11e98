/**
 * A message the conversation side rendered itself (a handler's reply for another staff member or
 * a channel, a digest) into the durable outbox. The domain writes notices instead
 * (src/core/notices.ts); both travel the same outbox.
 */
import type { DbOrTx } from '../../db/client';
import { enqueueDelivery, type NewDelivery } from '../core/outbox';
import type { Reply } from './types';

export async function enqueueReply(tx: DbOrTx, d: Omit<NewDelivery, 'payload'> & { reply: Reply }, now: Date): Promise<boolean> {
  const { reply, ...rest } = d;
  return enqueueDelivery(tx, { ...rest, payload: reply }, now);
}
