import { and, desc, eq, inArray, isNotNull } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { deliveries } from '../../db/schema/index';
import type { Reply } from '../chat/types';

export interface NewDelivery {
  tenantId: string;
  /** Natural key: the same message planned twice (by two instances, or a retry) is stored once. */
  idempotencyKey: string;
  recipientId?: string | null;
  channel?: string | null;
  kind: string;
  reply: Reply;
  runAt?: Date;
}

/** Puts a message in the durable outbox, in the caller's transaction. Returns false if it was there already. */
export async function enqueueDelivery(tx: DbOrTx, d: NewDelivery): Promise<boolean> {
  const rows = await tx
    .insert(deliveries)
    .values({
      tenantId: d.tenantId,
      idempotencyKey: d.idempotencyKey,
      recipientId: d.recipientId ?? null,
      channel: d.channel ?? null,
      kind: d.kind,
      payload: d.reply,
      runAt: d.runAt ?? new Date(),
    })
    .onConflictDoNothing({ target: deliveries.idempotencyKey })
    .returning({ id: deliveries.id });
  return rows.length > 0;
}

/** The latest messages addressed to a staff member, oldest first (the local chat's inbox). */
export async function inboxOf(db: DbOrTx, tenantId: string, staffId: string, limit = 30) {
  const rows = await db
    .select({ id: deliveries.id, kind: deliveries.kind, payload: deliveries.payload, createdAt: deliveries.createdAt, status: deliveries.status })
    .from(deliveries)
    .where(and(eq(deliveries.tenantId, tenantId), eq(deliveries.recipientId, staffId)))
    .orderBy(desc(deliveries.createdAt))
    .limit(limit);
  return rows.reverse();
}

/** The latest channel posts of a tenant, oldest first (the local chat's channel view). */
export async function channelPostsOf(db: DbOrTx, tenantId: string, limit = 30) {
  const rows = await db
    .select({ id: deliveries.id, channel: deliveries.channel, kind: deliveries.kind, payload: deliveries.payload, createdAt: deliveries.createdAt, status: deliveries.status })
    .from(deliveries)
    .where(and(eq(deliveries.tenantId, tenantId), isNotNull(deliveries.channel)))
    .orderBy(desc(deliveries.createdAt))
    .limit(limit);
  return rows.reverse();
}

export async function markSent(db: DbOrTx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.update(deliveries).set({ status: 'sent', sentAt: new Date() }).where(and(inArray(deliveries.id, ids), eq(deliveries.status, 'pending')));
}
