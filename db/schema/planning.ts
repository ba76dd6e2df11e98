import { date, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenants } from './tenancy';

/**
 * When a tenant was last planned, by any scheduler instance: instances read and write it under
 * the tenant's planning lock, so that N instances split the tenants of a pass between them
 * instead of each planning every tenant, and a tenant's reminder rows are recomputed once per
 * sync interval across all instances (src/scheduler/plan-tenant.ts).
 */
export const tenantPlanning = pgTable('tenant_planning', {
  tenantId: uuid('tenant_id')
    .primaryKey()
    .references(() => tenants.id),
  /** The scheduler's "now" of the last pass that planned the tenant's deliveries. */
  plannedAt: timestamp('planned_at', { withTimezone: true }).notNull(),
  /** The scheduler's "now" of the last recomputation of its reminder rows, and its JST day. */
  syncedAt: timestamp('synced_at', { withTimezone: true }),
  syncedDay: date('synced_day', { mode: 'string' }),
  /** The instance that planned it last (for operators). */
  plannedBy: text('planned_by'),
});

/**
 * A one-off recomputation of a tenant's planning, run once by whichever instance (or operator)
 * comes first: a pending row (done_at null) is claimed by setting done_at in the same transaction
 * as the work. Migration 0008 added `monitoring-months-2012qa` for every tenant of the time
 * (src/scheduler/monitoring-recompute.ts).
 */
export const planningJobs = pgTable(
  'planning_jobs',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    job: text('job').notNull(),
    /** The injected "now" of the run that did it; null while pending. */
    doneAt: timestamp('done_at', { withTimezone: true }),
    /** The scheduler instance or `cli`. */
    doneBy: text('done_by'),
    /** Counts of what it changed (no personal data). */
    result: jsonb('result').$type<Record<string, unknown>>(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.job] })],
);
