import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { persons } from './persons';
import { offices, staff, tenants } from './tenancy';

/** 二次相談: a counselor's request to the 基幹 for back-up support. */
export const secondaryConsultations = pgTable(
  'secondary_consultations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** Request number shown in chat, per tenant. */
    number: integer('number').notNull(),
    requesterId: uuid('requester_id')
      .notNull()
      .references(() => staff.id),
    requesterOfficeId: uuid('requester_office_id')
      .notNull()
      .references(() => offices.id),
    personId: uuid('person_id').references(() => persons.id),
    /** De-identified profile when there is no consent: age band, disability category, situation. */
    /**
     * Had the person consented to sharing with the 基幹 when the request was sent? A request sent
     * de-identified stays so for the 基幹 even if consent is given later (false); null: sent
     * before this was kept, follows the person's consent now.
     */
    consentAtRequest: boolean('consent_at_request'),
    profile: jsonb('profile').$type<{ ageBand?: string; category?: string; situation?: string }>(),
    difficulties: text('difficulties').array().notNull().default(sql`'{}'::text[]`),
    tried: text('tried').notNull(),
    question: text('question').notNull(),
    urgency: text('urgency').notNull().default('normal'),
    helpWanted: text('help_wanted').array().notNull().default(sql`'{}'::text[]`),
    /** requested → accepted → in_progress → closed */
    status: text('status').notNull().default('requested'),
    takenBy: uuid('taken_by').references(() => staff.id),
    takenAt: timestamp('taken_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    outcome: text('outcome'),
    regionalIssueId: uuid('regional_issue_id'),
    escalatedAt: timestamp('escalated_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('secondary_number_uq').on(t.tenantId, t.number),
    index('secondary_status_idx').on(t.tenantId, t.status, t.createdAt),
    index('secondary_requester_idx').on(t.tenantId, t.requesterId),
    index('secondary_person_idx').on(t.tenantId, t.personId),
  ],
);

/** The thread of a 二次相談: advice, visits, follow-up questions, attachment descriptions. */
export const secondaryPosts = pgTable(
  'secondary_posts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    secondaryId: uuid('secondary_id')
      .notNull()
      .references(() => secondaryConsultations.id),
    authorId: uuid('author_id')
      .notNull()
      .references(() => staff.id),
    /** advice | visit | question | answer | attachment | transition */
    kind: text('kind').notNull(),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('secondary_posts_idx').on(t.secondaryId, t.createdAt)],
);
