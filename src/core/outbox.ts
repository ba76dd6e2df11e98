/**
 * The durable outbox's write side: a message for another staff member or a channel is a row in
 * `deliveries`, written in the same transaction as the change it announces, under a natural
 * idempotency key. The scheduler relays and sends the rows (src/scheduler/); the domain only
 * writes them, so it never depends on the scheduler.
 */
import type { DbOrTx } from '../../db/client';
import { deliveries } from '../../db/schema/index';

export interface NewDelivery {
  tenantId: string;
  /** Natural key: the same message planned twice (by two instances, or a retry) is stored once. */
  idempotencyKey: string;
  recipientId?: string | null;
  channel?: string | null;
  kind: string;
  /**
   * What to send, as JSON: a notice of the domain (`sendNotice`, src/core/notices.ts), or a
   * message the conversation side already rendered. The sender turns it into a platform message.
   */
  payload: object;
  runAt?: Date;
}

/** Puts a message in the durable outbox, in the caller's transaction. Returns false if it was there already. */
export async function enqueueDelivery(tx: DbOrTx, d: NewDelivery, now: Date): Promise<boolean> {
  const rows = await tx
    .insert(deliveries)
    .values({
      tenantId: d.tenantId,
      idempotencyKey: d.idempotencyKey,
      recipientId: d.recipientId ?? null,
      channel: d.channel ?? null,
      kind: d.kind,
      payload: d.payload,
      runAt: d.runAt ?? now,
      createdAt: now,
    })
    .onConflictDoNothing({ target: deliveries.idempotencyKey })
    .returning({ id: deliveries.id });
  return rows.length > 0;
}
