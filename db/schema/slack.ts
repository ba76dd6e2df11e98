import { boolean, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Slack installations (OAuth, one per workspace or Enterprise Grid org), for Bolt's
 * InstallationStore. The installation, tokens included, is stored only encrypted
 * (AES-256-GCM, SLACK_TOKEN_ENCRYPTION_KEY); the clear columns are ids for lookups.
 * Which tenant a workspace belongs to is `platform_workspaces`, set by an admin.
 */
export const slackInstallations = pgTable('slack_installations', {
  /** Team id (T…), or the enterprise id (E…) of an org-wide install. */
  id: text('id').primaryKey(),
  teamId: text('team_id'),
  enterpriseId: text('enterprise_id'),
  isEnterpriseInstall: boolean('is_enterprise_install').notNull().default(false),
  /** `v1:<iv>:<tag>:<ciphertext>` (base64), bound to `id` as associated data. */
  sealed: text('sealed').notNull(),
  installedAt: timestamp('installed_at', { withTimezone: true }).notNull().defaultNow(), // bookkeeping only
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(), // bookkeeping only
});
