import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { councilBodies } from './meetings';
import { offices, staff, tenants } from './tenancy';

/** 地域課題: a need the region does not meet. About the region, never about a person. */
export const regionalIssues = pgTable(
  'regional_issues',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    number: integer('number').notNull(),
    title: text('title').notNull(),
    /** De-identified before it is stored. */
    finding: text('finding').notNull(),
    affectedCount: integer('affected_count').notNull().default(1),
    resourceGap: text('resource_gap'),
    suggestedDirection: text('suggested_direction'),
    filedBy: uuid('filed_by')
      .notNull()
      .references(() => staff.id),
    filedByOffice: uuid('filed_by_office')
      .notNull()
      .references(() => offices.id),
    /**
     * submitted → triaged → in_review → proposed → confirmed → resolved | continued; merged;
     * returned (back to the offices as solvable case by case). See src/core/regional/policy.ts.
     */
    status: text('status').notNull().default('submitted'),
    priority: text('priority'),
    /** bukai | teireikai | case_by_case */
    routing: text('routing'),
    councilBodyId: uuid('council_body_id').references(() => councilBodies.id),
    mergedInto: uuid('merged_into'),
    sourceSecondaryId: uuid('source_secondary_id'),
    /** 提案: policy (施策提案) | resource (社会資源の開発・改善). */
    proposalKind: text('proposal_kind'),
    /** The proposal's text (de-identified like every text here). */
    proposal: text('proposal'),
    /** 全体会で確認: when the 全体会 confirmed the proposal. */
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('regional_issues_number_uq').on(t.tenantId, t.number),
    index('regional_issues_status_idx').on(t.tenantId, t.status),
    index('regional_issues_merged_idx').on(t.mergedInto),
  ],
);

/** 「うちでも同じ」: another office has the same need, with its own count of cases. */
export const regionalEndorsements = pgTable(
  'regional_endorsements',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    issueId: uuid('issue_id')
      .notNull()
      .references(() => regionalIssues.id),
    officeId: uuid('office_id')
      .notNull()
      .references(() => offices.id),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id),
    count: integer('count').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('regional_endorsements_uq').on(t.issueId, t.officeId)],
);

/** Every step of a regional issue: triage, routing, progress notes, proposal, decision. */
export const regionalEvents = pgTable(
  'regional_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    issueId: uuid('issue_id')
      .notNull()
      .references(() => regionalIssues.id),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id),
    kind: text('kind').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    note: text('note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('regional_events_issue_idx').on(t.issueId, t.createdAt)],
);
