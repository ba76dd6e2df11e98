import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * LINE WORKS callbacks stored before the callback is answered: LINE WORKS never resends a
 * failed callback, so the event must be durable before the 200. Any instance claims rows
 * (FOR UPDATE SKIP LOCKED), oldest first and one at a time per user so a dialogue's answers
 * keep their order. `replies` is set once the event was dispatched: a retry after a failed
 * send only re-sends and never runs a command twice.
 */
export const lineworksInbox = pgTable(
  'lineworks_inbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** `<domainId>:<userId>`: events of one user are processed in order. */
    userKey: text('user_key').notNull(),
    event: jsonb('event').notNull(),
    /** pending | processing | dead (handled rows are deleted) */
    status: text('status').notNull().default('pending'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(), // bookkeeping (inbox mechanics, wall clock); no domain rule reads it
    runAt: timestamp('run_at', { withTimezone: true }).notNull().defaultNow(), // queue mechanics: the database's own now(), like the lock it is compared with
    lockedAt: timestamp('locked_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    /** The rendered LINE WORKS messages still to send, once dispatched. */
    replies: jsonb('replies'),
    lastError: text('last_error'),
  },
  (t) => [index('lineworks_inbox_status_idx').on(t.status, t.runAt), index('lineworks_inbox_user_idx').on(t.userKey, t.status)],
);

/**
 * The LINE WORKS access token, shared by every instance so that one refreshes it and the others
 * reuse it (an advisory lock serialises the refresh). Keyed by client id and scope.
 */
export const lineworksTokens = pgTable('lineworks_tokens', {
  key: text('key').primaryKey(),
  accessToken: text('access_token').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(), // bookkeeping only
});

/**
 * Requests made per LINE WORKS API, per domain, per minute, counted across every instance:
 * the platform limits each API to 240 (60 on the free plan) requests per minute per domain.
 */
export const lineworksRate = pgTable(
  'lineworks_rate',
  {
    bucket: text('bucket').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.windowStart] })],
);
