import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { MIGRATIONS_DIR } from '../../db/migrate';

/** How many migrations this build ships (drizzle's journal): the database is current when it has them all. */
export function shippedMigrations(): number {
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

export type Readiness = { ready: true } | { ready: false; reason: 'database unreachable' | 'migrations pending' };

/**
 * Readiness: the database answers within `timeoutMs` and holds every shipped migration. Each
 * probe opens its own short-lived connection and destroys it afterwards, so a frozen server
 * (a stopped process, a dead network) never ties up the bot's pool and the probe still answers
 * in time.
 */
export async function checkReadiness(url: string, expected: number, timeoutMs = 1000): Promise<Readiness> {
  const sql = postgres(url, {
    max: 1,
    connect_timeout: Math.max(1, Math.ceil(timeoutMs / 1000)),
    onnotice: () => {},
    connection: { application_name: 'soudan-bot readiness', statement_timeout: timeoutMs },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const probe = sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`.then((rows) => rows[0]?.n ?? 0);
    probe.catch(() => {});
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    const applied = await Promise.race([probe, timeout]);
    if (applied === null) return { ready: false, reason: 'database unreachable' };
    return applied >= expected ? { ready: true } : { ready: false, reason: 'migrations pending' };
  } catch {
    return { ready: false, reason: 'database unreachable' };
  } finally {
    clearTimeout(timer);
    void sql.end({ timeout: 0 }).catch(() => {});
  }
}
