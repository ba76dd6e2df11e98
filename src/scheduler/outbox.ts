import { and, desc, eq, inArray, isNotNull } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { deliveries } from '../../db/schema/index';
import { deliveryReply } from '../../handlers/notices/render';
import { replacedKeyOf } from '../core/notices';

export { enqueueReply } from '../chat/outbox';

/** The latest messages addressed to a staff member, oldest first (the local chat's inbox). */
export async function inboxOf(db: DbOrTx, tenantId: string, staffId: string, limit = 30) {
  const rows = await db
    .select({
      id: deliveries.id,
      kind: deliveries.kind,
      payload: deliveries.payload,
      createdAt: deliveries.createdAt,
      status: deliveries.status,
    })
    .from(deliveries)
    .where(and(eq(deliveries.tenantId, tenantId), eq(deliveries.recipientId, staffId)))
    .orderBy(desc(deliveries.createdAt))
    .limit(limit);
  return rows.reverse().map((r) => ({ ...r, payload: deliveryReply(r.payload, { recipientId: staffId, channel: null }) }));
}

/**
 * The latest channel posts of a tenant, oldest first (the local chat's channel view). A post's
 * later states edit it in place here, as on Slack: the first post is shown with its newest state.
 */
export async function channelPostsOf(db: DbOrTx, tenantId: string, limit = 30) {
  const rows = await db
    .select({
      id: deliveries.id,
      key: deliveries.idempotencyKey,
      channel: deliveries.channel,
      kind: deliveries.kind,
      payload: deliveries.payload,
      createdAt: deliveries.createdAt,
      status: deliveries.status,
    })
    .from(deliveries)
    .where(and(eq(deliveries.tenantId, tenantId), isNotNull(deliveries.channel)))
    .orderBy(desc(deliveries.createdAt))
    .limit(limit);
  const keys = new Set(rows.map((r) => r.key));
  const newest = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const first = replacedKeyOf(r.payload);
    if (first && keys.has(first) && !newest.has(first)) newest.set(first, r);
  }
  return rows
    .filter((r) => {
      const first = replacedKeyOf(r.payload);
      return !first || !keys.has(first);
    })
    .reverse()
    .map(({ key, ...r }) => {
      const state = newest.get(key);
      const payload = deliveryReply((state ?? r).payload, { recipientId: null, channel: r.channel });
      return state ? { ...r, kind: state.kind, payload, updatedAt: state.createdAt } : { ...r, payload };
    });
}

export async function markSent(db: DbOrTx, ids: string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(deliveries)
    .set({ status: 'sent', sentAt: now })
    .where(and(inArray(deliveries.id, ids), eq(deliveries.status, 'pending')));
}

export interface DeadDelivery {
  id: string;
  kind: string;
  recipientId: string | null;
  channel: string | null;
  attempts: number;
  lastError: string | null;
  runAt: Date;
  createdAt: Date;
}

/**
 * Deliveries that failed for good (max attempts, a permanent platform error, no account to reach
 * the recipient), newest first: for the admin command to list and retry.
 */
export async function listDeadDeliveries(db: DbOrTx, tenantId: string, limit = 50): Promise<DeadDelivery[]> {
  return db
    .select({
      id: deliveries.id,
      kind: deliveries.kind,
      recipientId: deliveries.recipientId,
      channel: deliveries.channel,
      attempts: deliveries.attempts,
      lastError: deliveries.lastError,
      runAt: deliveries.runAt,
      createdAt: deliveries.createdAt,
    })
    .from(deliveries)
    .where(and(eq(deliveries.tenantId, tenantId), eq(deliveries.status, 'dead')))
    .orderBy(desc(deliveries.runAt))
    .limit(limit);
}

/**
 * Puts a dead delivery back in the queue with a fresh count of attempts (its last error is kept
 * until the next attempt). Returns false when it is not dead (already retried, or unknown).
 */
export async function retryDelivery(db: DbOrTx, tenantId: string, id: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ status: 'pending', attempts: 0, runAt: now, jobId: null, claimedBy: null, claimedUntil: null })
    .where(and(eq(deliveries.id, id), eq(deliveries.tenantId, tenantId), eq(deliveries.status, 'dead')))
    .returning({ id: deliveries.id });
  return rows.length > 0;
}
