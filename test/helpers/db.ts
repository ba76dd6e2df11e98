import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { connect, type Database } from '../../db/client';

export interface TestDatabase extends Database {
  /** The database as the bot's login role (a member of soudan_app): what startApp and the scheduler get. */
  url: string;
  /** The same database as its owner (migrations, tampering with the audit log, ANALYZE, triggers). */
  ownerUrl: string;
  /** An owner connection, for fixtures that need owner rights; `db` and `sql` are the bot's role. */
  owner: Database;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * A fresh, migrated database of its own (cloned from the run's template, migrated by the owner).
 * `db`, `sql` and `url` are the bot's role, so every test proves the app works without owner
 * rights; `owner` and `ownerUrl` are for what only the owner may do.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const template = inject('pgTemplate');
  const name = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    // Two files cloning at the same instant may find the template busy: try again shortly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.unsafe(`create database ${name} template ${template}`);
        break;
      } catch (e) {
        if (attempt >= 20 || !String((e as Error).message).includes('being accessed')) throw e;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  const ownerUrl = withDatabase(adminUrl, name);
  const url = withDatabase(inject('pgAppUrl'), name);
  const database = connect(url, { max: 5 });
  // 5: the benchmark loader (query-plans.test.ts) reserves four connections at once.
  const owner = connect(ownerUrl, { max: 5 });
  return {
    ...database,
    url,
    ownerUrl,
    owner,
    name,
    async drop() {
      await database.close();
      await owner.close();
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}
