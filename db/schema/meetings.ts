import { date, index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { persons } from './persons';
import { staff, tenants } from './tenancy';

/** 協議会 bodies: 運営会議, 定例会, 専門部会 (each 部会 its own row), 全体会, 事務局会議 … */
export const councilBodies = pgTable(
  'council_bodies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** unei | teireikai | bukai | zentai | jimukyoku | jirei | renrakukai | kobetsu | jusoteki | tantosha */
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(), // bookkeeping only: no rule reads it
  },
  (t) => [
    index('council_bodies_tenant_idx').on(t.tenantId),
    // One body per name and kind: scheduling and plan imports find-or-create it concurrently.
    uniqueIndex('council_bodies_name_uq').on(t.tenantId, t.kind, t.name),
  ],
);

export const meetings = pgTable(
  'meetings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    bodyId: uuid('body_id').references(() => councilBodies.id),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }),
    place: text('place'),
    /** サービス担当者会議 concerns one person. */
    personId: uuid('person_id').references(() => persons.id),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => staff.id),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    /**
     * Where a planned meeting came from: `plan:<kind>:<title>:<starts ISO>` for a row of an
     * imported year plan, so that importing the same file twice adds nothing. Null when typed.
     */
    sourceKey: text('source_key'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('meetings_tenant_starts_idx').on(t.tenantId, t.startsAt),
    uniqueIndex('meetings_source_key_uq').on(t.tenantId, t.sourceKey),
  ],
);

export const meetingAttendees = pgTable(
  'meeting_attendees',
  {
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
  },
  (t) => [primaryKey({ columns: [t.meetingId, t.staffId] }), index('meeting_attendees_staff_idx').on(t.staffId)],
);

/** 議事録: summary and decisions; action items are their own rows. */
export const minutes = pgTable('minutes', {
  id: uuid('id').primaryKey().defaultRandom(),
  tenantId: uuid('tenant_id')
    .notNull()
    .references(() => tenants.id),
  meetingId: uuid('meeting_id')
    .notNull()
    .unique()
    .references(() => meetings.id),
  summary: text('summary').notNull(),
  decisions: text('decisions'),
  recordedBy: uuid('recorded_by')
    .notNull()
    .references(() => staff.id),
  confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export const actionItems = pgTable(
  'action_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    meetingId: uuid('meeting_id')
      .notNull()
      .references(() => meetings.id),
    description: text('description').notNull(),
    ownerId: uuid('owner_id').references(() => staff.id),
    dueOn: date('due_on', { mode: 'string' }),
    doneAt: timestamp('done_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('action_items_owner_idx').on(t.tenantId, t.ownerId, t.dueOn), index('action_items_meeting_idx').on(t.meetingId)],
);
