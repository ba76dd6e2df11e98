import { date, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenants } from './tenancy';

/**
 * When a tenant was last planned, by any scheduler instance: instances read and write it under
 * the tenant's planning lock, so that N instances split the tenants of a pass between them
 * instead of each planning every tenant, and a tenant's reminder rows are recomputed once per
 * sync interval across all instances (src/scheduler/plan-tenant.ts).
 */
export const tenantPlanning = pgTable('tenant_planning', {
  tenantId: uuid('tenant_id').primaryKey().references(() => tenants.id),
  /** The scheduler's "now" of the last pass that planned the tenant's deliveries. */
  plannedAt: timestamp('planned_at', { withTimezone: true }).notNull(),
  /** The scheduler's "now" of the last recomputation of its reminder rows, and its JST day. */
  syncedAt: timestamp('synced_at', { withTimezone: true }),
  syncedDay: date('synced_day', { mode: 'string' }),
  /** The instance that planned it last (for operators). */
  plannedBy: text('planned_by'),
});
