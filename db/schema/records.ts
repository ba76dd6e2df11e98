import { index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { consultations } from './consultations';
import { persons } from './persons';
import { staff, tenants } from './tenancy';

/**
 * Access to one person's record beyond the standing rules: a grant by an admin (行政 reading a
 * case), or a break-glass opening by the 基幹 in an emergency. Each row is also in the audit log.
 */
export const accessGrants = pgTable(
  'access_grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id),
    personId: uuid('person_id')
      .notNull()
      .references(() => persons.id),
    /** granted | break_glass */
    kind: text('kind').notNull(),
    /** Why: required, shown to the person's office manager. Not personal data by instruction. */
    reason: text('reason').notNull(),
    grantedBy: uuid('granted_by').references(() => staff.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('access_grants_lookup_idx').on(t.tenantId, t.staffId, t.personId)],
);

/**
 * A consultation flagged 虐待の疑い, sent to the tenant's 虐待防止センター contacts. It stays
 * open until one of them acknowledges it; open alerts escalate.
 */
export const abuseAlerts = pgTable(
  'abuse_alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** Per-tenant number shown in chat (`虐待-3`). */
    number: integer('number').notNull(),
    consultationId: uuid('consultation_id')
      .notNull()
      .unique()
      .references(() => consultations.id),
    personId: uuid('person_id').references(() => persons.id),
    raisedBy: uuid('raised_by')
      .notNull()
      .references(() => staff.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    acknowledgedBy: uuid('acknowledged_by').references(() => staff.id),
    /** How many times it was escalated while unacknowledged. */
    escalations: integer('escalations').notNull().default(0),
  },
  (t) => [index('abuse_alerts_open_idx').on(t.tenantId, t.acknowledgedAt, t.createdAt)],
);

/** A short-lived, single-use download of an export, for the one staff member who asked. */
export const exportLinks = pgTable('export_links', {
  id: uuid('id').primaryKey().defaultRandom(),
  tenantId: uuid('tenant_id')
    .notNull()
    .references(() => tenants.id),
  staffId: uuid('staff_id')
    .notNull()
    .references(() => staff.id),
  /** person | tenant */
  scope: text('scope').notNull(),
  subjectId: uuid('subject_id'),
  /** csv | html */
  format: text('format').notNull(),
  platform: text('platform'),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

/**
 * Link-code attempts per key (an account or a workspace) per hour window, so that guessing an
 * 8-digit code is limited across every instance.
 */
export const linkAttempts = pgTable(
  'link_attempts',
  {
    key: text('key').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);
