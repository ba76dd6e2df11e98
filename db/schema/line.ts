import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * LINE webhook events stored before the webhook is answered: LINE wants its answer within 2 s,
 * so the work happens after the 200, and a crash in between loses nothing. Any instance may
 * claim a row (locked_at older than a minute counts as abandoned). `replies` is set once the
 * event was dispatched, so a retry only re-sends and never runs a command twice.
 */
export const lineInbox = pgTable(
  'line_inbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** LINE's webhookEventId; the same id is also claimed in inbound_events. */
    eventId: text('event_id').notNull().unique(),
    /** The bot's user id (webhook `destination`): maps the channel to a tenant. */
    destination: text('destination').notNull(),
    event: jsonb('event').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(), // bookkeeping and the reply token's real-time window (platform mechanics, wall clock); no domain rule reads it
    lockedAt: timestamp('locked_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    /** The rendered LINE messages and where they go, once dispatched. */
    replies: jsonb('replies'),
    lastError: text('last_error'),
  },
  (t) => [index('line_inbox_pending_idx').on(t.receivedAt)],
);
