import { jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** Inbound events already handled (Slack event_id, LINE webhookEventId …): retries are dropped. */
export const inboundEvents = pgTable(
  'inbound_events',
  {
    platform: text('platform').notNull(),
    eventId: text('event_id').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(), // bookkeeping only (dedupe): no rule reads it
  },
  (t) => [primaryKey({ columns: [t.platform, t.eventId] })],
);

/** A form asked step by step on a platform without modals; any instance can continue it. */
export const dialogues = pgTable(
  'dialogues',
  {
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    userId: text('user_id').notNull(),
    state: jsonb('state').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(), // bookkeeping only: expiry is expires_at, set from the clock
  },
  (t) => [primaryKey({ columns: [t.platform, t.workspaceId, t.userId] })],
);
