/**
 * The durable inbox of LINE WORKS callbacks. A callback is stored (and deduplicated by the hash
 * of its body) before it is answered; any instance then claims and processes it.
 */
import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { lineworksInbox } from '../../../db/schema/index';
import { storableCopy, UNSTORABLE_MARK } from '../../chat/unstorable';
import { claimInboundEvent } from '../../core/inbound-dedupe';

export type InboxRow = typeof lineworksInbox.$inferSelect;

/** Why 5: a send that fails five times over ~30 minutes needs an operator, not a sixth try. */
export const MAX_ATTEMPTS = 5;
/** A row locked longer than this belongs to an instance that died mid-way. */
const STALE_LOCK = '2 minutes';

function bodyHash(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}

/** Stores a verified callback; false when the same body was stored before (a duplicate). */
export async function storeCallback(db: Db, raw: Buffer, event: unknown, userKey: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (!(await claimInboundEvent(tx, 'lineworks', bodyHash(raw)))) return false;
    // As for LINE: an unstorable character is replaced and the event marked, so it is answered
    // with the polite refusal (process.ts) instead of failing the insert.
    const { value, replaced } = storableCopy(event);
    await tx.insert(lineworksInbox).values({ userKey, event: replaced ? { ...(value as object), [UNSTORABLE_MARK]: true } : event });
    return true;
  });
}

/**
 * Claims the next callback: the oldest due one whose user has no earlier callback pending or
 * in progress, so one user's messages are handled in the order they were sent.
 */
export async function claimNext(db: Db): Promise<InboxRow | null> {
  const rows = await db.execute(sql`
    update lineworks_inbox set status = 'processing', locked_at = now(), attempts = attempts + 1
    where id = (
      select c.id from lineworks_inbox c
      where ((c.status = 'pending' and c.run_at <= now())
          or (c.status = 'processing' and c.locked_at < now() - ${STALE_LOCK}::interval))
      and not exists (
        select 1 from lineworks_inbox p
        where p.user_key = c.user_key and p.id <> c.id and p.status in ('pending', 'processing')
          and (p.received_at, p.id) < (c.received_at, c.id)
      )
      order by c.received_at, c.id
      for update skip locked
      limit 1
    )
    returning id`);
  const id = (rows[0] as { id?: string } | undefined)?.id;
  if (!id) return null;
  const [row] = await db.select().from(lineworksInbox).where(eq(lineworksInbox.id, id));
  return row ?? null;
}

export async function saveReplies(db: Db, id: string, replies: unknown): Promise<void> {
  await db.update(lineworksInbox).set({ replies }).where(eq(lineworksInbox.id, id));
}

/**
 * A handled callback is deleted: its text may be personal data (要配慮個人情報), and the dedupe
 * key lives on in inbound_events.
 */
export async function markDone(db: Db, id: string): Promise<void> {
  await db.delete(lineworksInbox).where(eq(lineworksInbox.id, id));
}

/** A failed attempt: retried with backoff (or after the platform's Retry-After), dead after MAX_ATTEMPTS. */
export async function markFailed(db: Db, row: InboxRow, error: string, retryAfterMs?: number): Promise<void> {
  const dead = row.attempts >= MAX_ATTEMPTS;
  const delayMs = retryAfterMs ?? Math.min(15 * 60_000, 2_000 * 2 ** row.attempts);
  await db
    .update(lineworksInbox)
    .set({
      status: dead ? 'dead' : 'pending',
      lockedAt: null,
      lastError: error.slice(0, 500),
      runAt: sql`now() + make_interval(secs => ${delayMs / 1000})`,
    })
    .where(and(eq(lineworksInbox.id, row.id), eq(lineworksInbox.status, 'processing')));
}

/** Callbacks that failed for good stay a week for an operator to read (they may hold personal data). */
export async function pruneInbox(db: Db): Promise<number> {
  const rows = await db.execute(
    sql`delete from lineworks_inbox where status = 'dead' and received_at < now() - interval '7 days' returning 1`,
  );
  return rows.length;
}
