import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenants } from './tenancy';

/**
 * Append-only audit log, hash-chained per tenant. Written in the same transaction as the access
 * it records. UPDATE and DELETE are refused by a trigger (see the migration).
 * `detail` never holds personal data: ids, counts, field names only.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** Position in the tenant's chain, 1-based, gap-free. */
    seq: integer('seq').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    actorStaffId: uuid('actor_staff_id'),
    platform: text('platform'),
    /** view | search | create | update | delete | export | break_glass | … */
    action: text('action').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id'),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_log_tenant_seq_idx').on(t.tenantId, t.seq)],
);

/** Earlier versions of edited records (真正性): the full row as it was, who replaced it and when. */
export const recordVersions = pgTable(
  'record_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    resourceType: text('resource_type').notNull(),
    resourceId: uuid('resource_id').notNull(),
    version: integer('version').notNull(),
    data: jsonb('data').notNull(),
    changedBy: uuid('changed_by').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull(),
    reason: text('reason'),
  },
  (t) => [index('record_versions_resource_idx').on(t.resourceType, t.resourceId, t.version)],
);
