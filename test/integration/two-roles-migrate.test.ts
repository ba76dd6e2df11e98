/**
 * Migrations as an operator runs them (docs/operations.md, "Two roles"): the owner is an ordinary
 * role, no superuser and no CREATEROLE, owning a fresh database; soudan_app exists already (made
 * once by whoever administers the server), or does not and the owner is told what to do. This
 * file owns its PostgreSQL (embedded, in a temporary folder): it creates and drops roles, which
 * are per server, without touching the run's shared one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer } from '../../db/embedded';
import { MigrationError, runMigrations } from '../../db/migrate';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';

let dir: string;
let server: EmbeddedServer;
let superSql: postgres.Sql;

const as = (user: string, db: string) => {
  const u = new URL(server.url);
  u.username = user;
  u.password = user;
  u.pathname = `/${db}`;
  return u.toString();
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soudan-roles-pg-'));
  fs.chmodSync(dir, 0o755);
  server = await startEmbedded(dir, { persistent: false });
  superSql = postgres(server.url, { max: 1, onnotice: () => {} });
  await superSql.unsafe(`create role owner_plain login password 'owner_plain' nosuperuser nocreaterole nocreatedb`);
  for (const db of ['fresh_norole', 'fresh_withrole']) {
    await superSql.unsafe(
      `create database ${db} owner owner_plain template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`,
    );
  }
}, 120_000);

afterAll(async () => {
  await superSql?.end();
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('npm run db:migrate as an owner without CREATEROLE', () => {
  it('when soudan_app does not exist, says in one message how to create it, and changes nothing', async () => {
    const err = await runMigrations(as('owner_plain', 'fresh_norole')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toBe(
      'migrations need the role soudan_app, which does not exist, and owner_plain may not create roles (no CREATEROLE). ' +
        'Create it once as a superuser or a role with CREATEROLE: CREATE ROLE soudan_app NOLOGIN; then run npm run db:migrate again.',
    );
    const check = postgres(as('owner_plain', 'fresh_norole'), { max: 1, onnotice: () => {} });
    try {
      const [r] = await check<{ t: string | null }[]>`select to_regclass('public.audit_log')::text as t`;
      expect(r?.t).toBeNull();
    } finally {
      await check.end();
    }
  });

  it('when soudan_app exists, migrates a fresh database, and the bot runs as a login member of it', async () => {
    await superSql.unsafe(`create role soudan_app nologin`);
    await superSql.unsafe(`create role bot_login login password 'bot_login' in role soudan_app`);
    await runMigrations(as('owner_plain', 'fresh_withrole'));
    // Twice, as every deploy does: nothing left to do.
    await runMigrations(as('owner_plain', 'fresh_withrole'));
    const owner = postgres(as('owner_plain', 'fresh_withrole'), { max: 1, onnotice: () => {} });
    try {
      const [r] = await owner<{ owner: string; queue: string | null; appInsert: boolean; appSelect: boolean }[]>`
        select (select tableowner from pg_tables where tablename = 'audit_log') as owner, to_regclass('pgboss.job')::text as queue,
          has_table_privilege('soudan_app', 'audit_log', 'INSERT') as "appInsert", has_table_privilege('soudan_app', 'pgboss.job', 'SELECT') as "appSelect"`;
      expect(r).toEqual({ owner: 'owner_plain', queue: 'pgboss.job', appInsert: false, appSelect: true });
    } finally {
      await owner.end();
    }
    let app: App | null = null;
    try {
      app = await startApp(
        loadConfig({
          DATABASE_URL: as('bot_login', 'fresh_withrole'),
          PORT: '0',
          HOST: '127.0.0.1',
          LOCAL_CHAT: 'off',
          DEMO_DATA: 'on',
          SCHEDULER: 'true',
          SCHEDULER_PLAN_INTERVAL_MS: '500',
        }),
      );
      expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
      // The demo tenant's seeding wrote audit rows through audit_append as the bot.
      const [n] = await app.database.sql<{ n: number }[]>`select count(*)::int as n from tenants`;
      expect(n?.n).toBeGreaterThan(0);
    } finally {
      await app?.stop();
    }
  });

  it('the bot refuses to migrate as its own role when MIGRATE_ON_START=true says so by mistake (no DDL)', async () => {
    await expect(
      startApp(
        loadConfig({
          DATABASE_URL: as('bot_login', 'fresh_withrole'),
          PORT: '0',
          HOST: '127.0.0.1',
          LOCAL_CHAT: 'off',
          DEMO_DATA: 'off',
          SCHEDULER: 'false',
          MIGRATE_ON_START: 'true',
        }),
      ),
    ).rejects.toThrow('bot_login may not change the schema (permission denied): migrations run as the database owner');
  });
});
