import { sql } from 'drizzle-orm';
import { boolean, date, index, integer, jsonb, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { offices, staff, tenants } from './tenancy';

export interface PlanSegment {
  /** First month (YYYY-MM) the rule applies to. */
  from: string;
  frequencyMonths?: number;
  standardMonths?: number[];
}

/** 利用者: a person supported by an office. 要配慮個人情報 lives here. */
export const persons = pgTable(
  'persons',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** Short human id shown in chat (e.g. `C-0012`), unique per tenant. */
    code: text('code').notNull(),
    officeId: uuid('office_id')
      .notNull()
      .references(() => offices.id),
    counselorId: uuid('counselor_id').references(() => staff.id),
    familyName: text('family_name').notNull(),
    givenName: text('given_name').notNull(),
    familyKana: text('family_kana').notNull(),
    givenKana: text('given_kana').notNull(),
    /** Name and kana without spaces, for fuzzy search (maintained by the application). */
    searchText: text('search_text').notNull(),
    birthDate: date('birth_date', { mode: 'string' }),
    /** 身体 / 知的 / 精神 / 発達 / 難病 / 児童 … */
    disabilityCategories: text('disability_categories').array().notNull().default(sql`'{}'::text[]`),
    /** 受給者証番号 */
    recipientNumber: text('recipient_number'),
    /** 情報共有の同意: may the 基幹 see this person's identity? */
    consentKikan: boolean('consent_kikan').notNull().default(false),
    consentRecordedAt: timestamp('consent_recorded_at', { withTimezone: true }),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    deletedReason: text('deleted_reason'),
  },
  (t) => [
    uniqueIndex('persons_code_uq').on(t.tenantId, t.code),
    index('persons_tenant_office_idx').on(t.tenantId, t.officeId),
    index('persons_search_trgm').using('gin', sql`${t.searchText} gin_trgm_ops`),
  ],
);

/**
 * サービス等利用計画 with its 支給決定 period, monitoring rule and 受給者証 validity.
 * A change of frequency is a new segment; earlier months stay as they were.
 */
export const servicePlans = pgTable(
  'service_plans',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    personId: uuid('person_id')
      .notNull()
      .references(() => persons.id),
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    periodEnd: date('period_end', { mode: 'string' }).notNull(),
    /** 1, 2, 3, 6 or 12 months; null when standard months are explicit. */
    frequencyMonths: smallint('frequency_months'),
    /** モニタリング実施標準月 (1–12) when the municipality lists them. */
    standardMonths: smallint('standard_months').array(),
    /** Frequency changes: [{from: 'YYYY-MM', frequencyMonths?, standardMonths?}] */
    segments: jsonb('segments').$type<PlanSegment[]>().notNull().default([]),
    /**
     * A decision taking effect mid-month: count monitoring months from that month (`same_month`)
     * or the next (`next_month`); null follows the tenant (`tenants.settings.monitoringCountFrom`).
     */
    countFrom: text('count_from'),
    certificateEnd: date('certificate_end', { mode: 'string' }),
    /** 受給者証番号 of this decision's certificate. */
    recipientNumber: text('recipient_number'),
    /** Services the decision grants (居宅介護, 生活介護 …), as the notice lists them. */
    serviceKinds: text('service_kinds').array().notNull().default(sql`'{}'::text[]`),
    /** The municipality's notice date (支給決定通知書の日付). */
    noticeDate: date('notice_date', { mode: 'string' }),
    /** new (新規) | renewal (更新); null for plans imported before the chat lifecycle. */
    decisionKind: text('decision_kind'),
    active: boolean('active').notNull().default(true),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('service_plans_person_idx').on(t.tenantId, t.personId),
    index('service_plans_cert_end_idx').on(t.tenantId, t.certificateEnd),
  ],
);
