import { date, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { persons } from './persons';
import { staff, tenants } from './tenancy';

/**
 * 情報共有の同意: one consent a person gave, to whom (`scope`: `kikan` for the 基幹, and the named
 * bodies), when and how it was obtained, and who recorded it. Withdrawn by setting `withdrawnOn`;
 * never deleted. `persons.consent_kikan` is kept equal to "an active row covers the 基幹" in the
 * same transaction, so that every view (which reads that flag) follows at once.
 */
export const personConsents = pgTable(
  'person_consents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    personId: uuid('person_id')
      .notNull()
      .references(() => persons.id),
    /** The date the person gave it (JST). */
    givenOn: date('given_on', { mode: 'string' }).notNull(),
    /** `kikan` and/or other bodies named by the person (free text, short). */
    scope: text('scope').array().notNull(),
    /** 書面 / 口頭 / その他 */
    method: text('method').notNull(),
    recordedBy: uuid('recorded_by')
      .notNull()
      .references(() => staff.id),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull(),
    withdrawnOn: date('withdrawn_on', { mode: 'string' }),
    withdrawnBy: uuid('withdrawn_by').references(() => staff.id),
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true }),
  },
  (t) => [index('person_consents_person_idx').on(t.tenantId, t.personId)],
);
