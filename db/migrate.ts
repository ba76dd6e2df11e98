import { drizzle } from 'drizzle-orm/postgres-js';
import { readMigrationFiles, type MigrationMeta } from 'drizzle-orm/migrator';
import type { PgDialect, PgSession } from 'drizzle-orm/pg-core';
import { PgBoss } from 'pg-boss';
import postgres from 'postgres';
import { projectPath } from './project-root';

export const MIGRATIONS_DIR = projectPath('db', 'migrations');

/** The role the bot runs as (a login role of the operator's is made a member of it). */
const APP_ROLE = 'soudan_app';
/** The job library's schema (src/scheduler/queue.ts): installed here, by the owner, never by the bot. */
const QUEUE_SCHEMA = 'pgboss';

/** Arbitrary constant: the advisory lock that lets exactly one instance migrate at a time. */
const MIGRATION_LOCK = 7_140_512_001;

/** A migration that cannot run, with what the operator should do: printed as it is, no stack. */
export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/**
 * Migration 0003 creates soudan_app in a DO block that tolerates an existing role, but PostgreSQL
 * checks CREATEROLE before it looks for the role: an owner without CREATEROLE fails even when the
 * role exists. The landed file is not edited; when the role exists this one statement is run as a
 * no-op instead (the file's hash, which drizzle records, is unchanged).
 */
const CREATE_APP_ROLE = /^\s*(--[^\n]*\n\s*)*DO \$\$\s*BEGIN\s*CREATE ROLE soudan_app NOLOGIN;/;

function withoutRoleCreation(migrations: MigrationMeta[]): MigrationMeta[] {
  return migrations.map((m) => ({ ...m, sql: m.sql.map((s) => (CREATE_APP_ROLE.test(s) ? 'SELECT 1' : s)) }));
}

/**
 * Applies the committed migrations, as the database owner, then installs or upgrades the job
 * library's schema. Safe with many instances starting at once: the first takes a session
 * advisory lock and migrates, the others wait and then find nothing to do.
 */
export async function runMigrations(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    const [who] = await sql<{ user: string; role_exists: boolean; can_create: boolean }[]>`
      select current_user as user, exists (select 1 from pg_roles where rolname = ${APP_ROLE}) as role_exists,
        coalesce((select rolsuper or rolcreaterole from pg_roles where rolname = current_user), false) as can_create`;
    if (!who!.role_exists && !who!.can_create) {
      throw new MigrationError(
        `migrations need the role ${APP_ROLE}, which does not exist, and ${who!.user} may not create roles (no CREATEROLE). ` +
          `Create it once as a superuser or a role with CREATEROLE: CREATE ROLE ${APP_ROLE} NOLOGIN; then run npm run db:migrate again.`,
      );
    }
    const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR });
    // drizzle's migrate() is exactly this call on the files it reads (drizzle-orm/postgres-js/migrator).
    const db = drizzle(sql) as unknown as { dialect: PgDialect; session: PgSession };
    try {
      await db.dialect.migrate(who!.role_exists ? withoutRoleCreation(migrations) : migrations, db.session, {
        migrationsFolder: MIGRATIONS_DIR,
      });
    } catch (e) {
      // drizzle wraps the driver's error (its message is the statement): the SQL state says why.
      const code = (e as { code?: string; cause?: { code?: string } }).cause?.code ?? (e as { code?: string }).code;
      if (code === '42501') {
        throw new MigrationError(
          `${who!.user} may not change the schema (permission denied): migrations run as the database owner ` +
            `(DATABASE_URL=<owner's URL> npm run db:migrate), never as the bot's role, which has no DDL.`,
        );
      }
      throw e;
    }
    await installQueueSchema(url);
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * pg-boss installs (or upgrades) its schema when it starts with `migrate: true`; the bot starts it
 * with `migrate: false`, so that soudan_app needs no DDL. Tables it creates get soudan_app's rights
 * from the default privileges of migration 0011; those made before that migration, from its GRANTs.
 */
async function installQueueSchema(url: string): Promise<void> {
  const boss = new PgBoss({
    connectionString: url,
    schema: QUEUE_SCHEMA,
    migrate: true,
    supervise: false,
    schedule: false,
    max: 1,
    application_name: 'soudan-bot-migrate',
  });
  boss.on('error', () => {});
  await boss.start();
  await boss.stop({ graceful: false, timeout: 1000 });
}
