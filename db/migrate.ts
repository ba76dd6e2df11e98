import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { projectPath } from './project-root';

export const MIGRATIONS_DIR = projectPath('db', 'migrations');

/** Arbitrary constant: the advisory lock that lets exactly one instance migrate at a time. */
const MIGRATION_LOCK = 7_140_512_001;

/**
 * Applies the committed migrations. Safe with many instances starting at once: the first takes
 * a session advisory lock and migrates, the others wait and then find nothing to do.
 */
export async function runMigrations(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_DIR });
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
