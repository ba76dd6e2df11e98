import { sql } from 'drizzle-orm';
import { date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { staff, tenants } from './tenancy';

/**
 * One thing a staff member must do (a monitoring month, a certificate renewal, a meeting, an
 * action item, a waiting 二次相談). Its key is natural, so planning twice finds the same row.
 */
export const reminders = pgTable(
  'reminders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** e.g. `monitoring:<plan>:2026-11`, `certificate:<plan>:60` */
    key: text('key').notNull(),
    kind: text('kind').notNull(),
    recipientId: uuid('recipient_id')
      .notNull()
      .references(() => staff.id),
    subjectType: text('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    /** open | done | snoozed | cancelled */
    status: text('status').notNull().default('open'),
    snoozedUntil: date('snoozed_until', { mode: 'string' }),
    doneAt: timestamp('done_at', { withTimezone: true }),
    doneBy: uuid('done_by').references(() => staff.id),
    escalatedAt: timestamp('escalated_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('reminders_key_uq').on(t.tenantId, t.key, t.recipientId),
    index('reminders_recipient_idx').on(t.tenantId, t.recipientId, t.status, t.dueOn),
  ],
);

/**
 * Outbox: a message to deliver to one staff member on one platform. The idempotency key makes
 * a digest or an alert deliverable at most once, whatever number of instances plan it.
 */
export const deliveries = pgTable(
  'deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    /** A staff member (direct message), or null for a post to a channel by purpose. */
    recipientId: uuid('recipient_id').references(() => staff.id),
    /** Channel purpose (e.g. `kikan-queue`), resolved per platform workspace at send time. */
    channel: text('channel'),
    kind: text('kind').notNull(),
    /** The rendered platform-free Reply. */
    payload: jsonb('payload').notNull(),
    /** pending | sent | dead */
    status: text('status').notNull().default('pending'),
    runAt: timestamp('run_at', { withTimezone: true }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    platformMessageId: text('platform_message_id'),
    /** The platform it went out on (`local`, `slack`, …), once known. */
    platform: text('platform'),
    /**
     * The job-queue job that will attempt it; null while it waits for the relay (new or
     * rescheduled). The relay sets it in the same transaction that creates the job.
     */
    jobId: text('job_id'),
    /** Lease of the attempt in progress: the fencing token against a second attempt (see docs/reminders.md). */
    claimedBy: text('claimed_by'),
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('deliveries_status_idx').on(t.status, t.runAt),
    index('deliveries_unrelayed_idx').on(t.runAt).where(sql`status = 'pending' and job_id is null`),
  ],
);
