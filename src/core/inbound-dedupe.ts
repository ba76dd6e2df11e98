import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { inboundEvents } from '../../db/schema/index';

/**
 * Claims an inbound platform event (Slack event_id, LINE webhookEventId, a LINE WORKS callback
 * hash). Returns false when any instance has already claimed it: a retry is then dropped. The
 * unique key lives in PostgreSQL, so it holds across instances and restarts.
 */
export async function claimInboundEvent(db: DbOrTx, platform: string, eventId: string): Promise<boolean> {
  const rows = await db
    .insert(inboundEvents)
    .values({ platform, eventId })
    .onConflictDoNothing()
    .returning({ eventId: inboundEvents.eventId });
  return rows.length > 0;
}

/** Forget events older than the platforms' retry windows (Slack retries within minutes). */
export async function pruneInboundEvents(db: DbOrTx, olderThanHours = 48): Promise<number> {
  const rows = await db.execute(
    sql`delete from inbound_events where received_at < now() - make_interval(hours => ${olderThanHours}) returning 1`,
  );
  return rows.length;
}
