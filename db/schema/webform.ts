import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { staff, tenants } from './tenancy';

/**
 * One-time signed links that open a chat form in the phone's browser. The signed token names a
 * row here; the row holds the form and the staff member it is bound to. `used_at` makes the link
 * single-use across every instance.
 */
export const formLinks = pgTable(
  'form_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id),
    /** The platform the link was offered on, so the submission's actor reads the same. */
    platform: text('platform').notNull(),
    platformUserId: text('platform_user_id').notNull(),
    /** The FormBlock, with prefilled values and context. */
    form: jsonb('form').notNull(),
    /** The chat dialogue the link was offered from (platform, workspace, user): ended on submit. */
    dialogue: jsonb('dialogue'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('form_links_expires_idx').on(t.expiresAt)],
);
