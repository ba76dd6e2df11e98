import { index, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core';
import { staff, tenants } from './tenancy';

/**
 * A staff member's calendar subscription (カレンダー): the signed URL names a row here, so a
 * subscription is revoked by marking its row (a new URL is a new row). One active row per staff
 * member is kept by the code that issues them, under a row lock on the staff member.
 */
export const calendarFeeds = pgTable(
  'calendar_feeds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** When a calendar last fetched it (shown to the staff member: is my phone following it?). */
    lastFetchedAt: timestamp('last_fetched_at', { withTimezone: true }),
  },
  (t) => [index('calendar_feeds_staff_idx').on(t.staffId, t.revokedAt)],
);
