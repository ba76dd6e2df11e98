import { sql } from 'drizzle-orm';
import { boolean, date, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { persons } from './persons';
import { offices, staff, tenants } from './tenancy';

/** 相談記録 / 支援経過記録: one contact with a person (or an anonymous first contact). */
export const consultations = pgTable(
  'consultations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    officeId: uuid('office_id')
      .notNull()
      .references(() => offices.id),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id),
    personId: uuid('person_id').references(() => persons.id),
    /** 一般相談 without a registered case: a short label such as `匿名-20261122-1`. */
    anonymousLabel: text('anonymous_label'),
    occurredOn: date('occurred_on', { mode: 'string' }).notNull(),
    /** 来所, 電話, 訪問, オンライン, メール, 同行, その他 */
    method: text('method').notNull(),
    /** One of the law's lists (CONSULTATION_KINDS in src/core/vocabulary.ts). */
    kind: text('kind').notNull(),
    summary: text('summary').notNull(),
    minutes: integer('minutes'),
    nextAction: text('next_action'),
    nextActionDue: date('next_action_due', { mode: 'string' }),
    abuseSuspected: boolean('abuse_suspected').notNull().default(false),
    /** When a monitoring consultation falls outside a monitoring month. */
    offMonth: boolean('off_month').notNull().default(false),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    deletedReason: text('deleted_reason'),
  },
  (t) => [
    index('consultations_person_idx').on(t.tenantId, t.personId, t.occurredOn),
    index('consultations_office_idx').on(t.tenantId, t.officeId, t.occurredOn),
    index('consultations_due_idx').on(t.tenantId, t.nextActionDue),
    // The months each person's monitoring was recorded in (reminder planning reads a whole town's
    // at once): an index-only scan of ~5 % of the table instead of every record of the town.
    index('consultations_monitoring_idx')
      .on(t.tenantId, t.personId, t.occurredOn)
      .where(sql`kind = 'モニタリング' and deleted_at is null and off_month = false`),
  ],
);
