import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** A municipality (市町村). A 圏域 (joint installation) groups several under one `regionId`. */
export const tenants = pgTable('tenants', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** 全国地方公共団体コード (6 digits) or any stable slug. */
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  regionId: uuid('region_id').references(() => regions.id),
  /** Per-tenant rules: monitoring count start, renewal lead days, retention years, … */
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(), // bookkeeping only: no rule reads it
});

/** 圏域: several municipalities sharing one installation. */
export const regions = pgTable('regions', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
});

export const OFFICE_KINDS = ['kikan', 'tokutei', 'jido', 'itaku', 'gyosei', 'jimukyoku'] as const;
export type OfficeKind = (typeof OFFICE_KINDS)[number];

export const offices = pgTable(
  'offices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    /** 基幹 / 指定特定 / 障害児 / 委託 / 行政 / 協議会事務局 */
    kind: text('kind').$type<OfficeKind>().notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(), // bookkeeping only: no rule reads it
  },
  (t) => [index('offices_tenant_idx').on(t.tenantId)],
);

export const staff = pgTable(
  'staff',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    officeId: uuid('office_id')
      .notNull()
      .references(() => offices.id),
    name: text('name').notNull(),
    kana: text('kana'),
    /** See ROLES in src/chat/types.ts. */
    roles: text('roles').array().notNull().default(sql`'{}'::text[]`),
    active: boolean('active').notNull().default(true),
    /** Reminder preferences: digest hour/minute, quiet weekdays, quiet dates. */
    preferences: jsonb('preferences').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(), // bookkeeping only: no rule reads it
  },
  (t) => [index('staff_tenant_office_idx').on(t.tenantId, t.officeId)],
);

/** A chat workspace (Slack team, LINE WORKS domain, LINE channel) belongs to one tenant. */
export const platformWorkspaces = pgTable(
  'platform_workspaces',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    /** Channels by purpose (e.g. `kikan-queue` → channel id) for posts without personal data. */
    channels: jsonb('channels').$type<Record<string, string>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(), // bookkeeping only: no rule reads it
  },
  (t) => [uniqueIndex('platform_workspaces_uq').on(t.platform, t.workspaceId)],
);

/** A platform user linked to a staff member. */
export const chatAccounts = pgTable(
  'chat_accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id),
    platform: text('platform').notNull(),
    workspaceId: text('workspace_id').notNull(),
    userId: text('user_id').notNull(),
    linkedAt: timestamp('linked_at', { withTimezone: true }).notNull().defaultNow(), // default for hand-made rows; linking sets it from the clock
  },
  (t) => [uniqueIndex('chat_accounts_uq').on(t.platform, t.workspaceId, t.userId), index('chat_accounts_staff_idx').on(t.staffId)],
);

/** One-time codes a staff member sends to the bot to link a chat account. */
export const linkCodes = pgTable('link_codes', {
  codeHash: text('code_hash').primaryKey(),
  tenantId: uuid('tenant_id')
    .notNull()
    .references(() => tenants.id),
  staffId: uuid('staff_id')
    .notNull()
    .references(() => staff.id),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  attempts: integer('attempts').notNull().default(0),
});

/** Per-tenant sequences for human numbers (case codes, request numbers), gap-tolerant and safe under concurrency. */
export const tenantCounters = pgTable(
  'tenant_counters',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    value: integer('value').notNull().default(0),
  },
  (t) => [uniqueIndex('tenant_counters_uq').on(t.tenantId, t.name)],
);
