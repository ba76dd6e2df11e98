import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { lineInbox } from '../../../db/schema/index';
import { storableCopy, UNSTORABLE_MARK } from '../../chat/unstorable';
import { claimInboundEvent } from '../../core/inbound-dedupe';
import type { LineEvent } from './events';

/** A claimed row is someone else's for this long; after it, a crashed instance's work is taken over. */
const LOCK_MS = 60_000;
/** Sending failed this often: give up (and log) instead of retrying forever. */
export const MAX_ATTEMPTS = 5;

export interface InboxRow {
  id: string;
  eventId: string;
  destination: string;
  event: LineEvent;
  receivedAt: Date;
  attempts: number;
  replies: unknown;
}

/**
 * Stores the webhook's events durably, once each: a LINE redelivery (or a second instance getting
 * the same event) is dropped by the unique webhookEventId claim. Returns how many were new.
 */
export async function storeEvents(db: Db, destination: string, events: LineEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  return db.transaction(async (tx) => {
    let stored = 0;
    for (const event of events) {
      if (!(await claimInboundEvent(tx, 'line', event.webhookEventId))) continue;
      // A text PostgreSQL cannot store (U+0000, a lone surrogate) is kept replaced and marked: the
      // event is still answered, with the polite refusal (route.ts), never turned into a record.
      const { value, replaced } = storableCopy(event);
      await tx
        .insert(lineInbox)
        .values({ eventId: event.webhookEventId, destination, event: replaced ? { ...value, [UNSTORABLE_MARK]: true } : event });
      stored++;
    }
    return stored;
  });
}

/** Claims up to `limit` events no live instance is working on, oldest first. */
export async function claimEvents(db: Db, limit = 10): Promise<InboxRow[]> {
  const rows = await db.execute<{
    id: string;
    event_id: string;
    destination: string;
    event: LineEvent;
    received_at: string | Date;
    attempts: number;
    replies: unknown;
  }>(sql`
    update line_inbox set locked_at = now(), attempts = attempts + 1
    where id in (
      select id from line_inbox
      where locked_at is null or locked_at < now() - make_interval(secs => ${LOCK_MS / 1000})
      order by received_at
      limit ${limit}
      for update skip locked)
    returning id, event_id, destination, event, received_at, attempts, replies`);
  return rows.map((r) => ({
    id: r.id,
    eventId: r.event_id,
    destination: r.destination,
    event: r.event,
    receivedAt: new Date(r.received_at),
    attempts: r.attempts,
    replies: r.replies,
  }));
}

/** Keeps what was decided to send, so a retry re-sends it instead of running the command again. */
export async function savePlan(db: Db, id: string, plan: unknown): Promise<void> {
  await db.update(lineInbox).set({ replies: plan }).where(eq(lineInbox.id, id));
}

export async function finish(db: Db, id: string): Promise<void> {
  await db.delete(lineInbox).where(eq(lineInbox.id, id));
}

/**
 * Notes why sending failed (English, ids only). The lock stays: the row is taken up again once it
 * lapses, which spaces retries a minute apart.
 */
export async function noteFailure(db: Db, id: string, error: string): Promise<void> {
  await db
    .update(lineInbox)
    .set({ lastError: error.slice(0, 500) })
    .where(eq(lineInbox.id, id));
}
