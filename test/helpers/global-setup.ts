import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { startEmbedded, type EmbeddedServer } from '../../db/embedded';
import { runMigrations } from '../../db/migrate';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A connection URL with the right to create databases. */
    pgAdminUrl: string;
    /** A migrated database to clone per test file. */
    pgTemplate: string;
    /** Like pgAdminUrl, but as the login role the bot runs as (a member of soudan_app). */
    pgAppUrl: string;
  }
}

let embedded: EmbeddedServer | null = null;
let tmpDir: string | null = null;
let adminUrl = '';
let template = '';

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * One real PostgreSQL for the whole run: TEST_DATABASE_URL when set (CI: Debian's server),
 * otherwise an embedded one in a temporary folder. Migrations run once into a template
 * database; each test file clones it (CREATE DATABASE … TEMPLATE), which takes milliseconds.
 */
export async function setup(project: TestProject): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    adminUrl = process.env.TEST_DATABASE_URL;
  } else {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soudan-test-pg-'));
    fs.chmodSync(tmpDir, 0o755);
    embedded = await startEmbedded(tmpDir, { persistent: false });
    adminUrl = embedded.url;
  }
  template = `soudan_tpl_${process.pid}_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    // C.UTF-8: pg_trgm needs a UTF-8 ctype to see kanji and kana as word characters.
    await admin.unsafe(`create database ${template} template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`);
  } finally {
    await admin.end();
  }
  await runMigrations(withDatabase(adminUrl, template));
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);
  project.provide('pgAppUrl', await appRoleUrl(adminUrl));
}

/** The bot's login role in tests: not a secret (a test server), the same on every run. */
export const TEST_APP_LOGIN = 'soudan_test_bot';

/**
 * Every test connects the app (startApp, the scheduler, the product's db client) as a login member
 * of soudan_app, as docs/operations.md tells an operator to: what the role may not do fails the
 * suite. Roles are per server; a role left by an earlier run is reused.
 */
async function appRoleUrl(url: string): Promise<string> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`do $$ begin create role ${TEST_APP_LOGIN} login; exception when duplicate_object then null; end $$`);
    await admin.unsafe(`alter role ${TEST_APP_LOGIN} login password '${TEST_APP_LOGIN}'`);
    await admin.unsafe(`grant soudan_app to ${TEST_APP_LOGIN}`);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.username = TEST_APP_LOGIN;
  u.password = TEST_APP_LOGIN;
  return u.toString();
}

export async function teardown(): Promise<void> {
  if (adminUrl && template) {
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`drop database if exists ${template} with (force)`);
      // Test databases left by a crashed file.
      const left = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${`t_${process.pid}_%`}`;
      for (const { datname } of left) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
    } finally {
      await admin.end();
    }
  }
  await embedded?.stop();
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
}
