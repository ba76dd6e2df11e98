/**
 * The backup and restore procedure of docs/operations.md ("Backups"), done exactly as written:
 * pg_dump -Fc of the database as its owner, pg_restore into a new database, audit:verify against
 * the anchors written before the dump, and the bot started on the restored database (as its own
 * role) answers /readyz. Uses pg_dump/pg_restore of the server's major version (CI: Debian's
 * PostgreSQL and its tools); without them it fails with one line saying what to install.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditAnchorCommand } from '../../src/cli/audit-verify';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { writeAudit } from '../../src/core/audit/write';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { matchingPgTools } from '../helpers/pg-binaries';
import { makeWorld } from '../helpers/world';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
let tdb: TestDatabase;
let restoredName = '';
let app: App | null = null;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soudan-backup-'));
const anchors = { key: 'backup-test-anchor-key-0123456789abcdef', file: path.join(dir, 'audit-anchors.jsonl') };
const withDb = (url: string, db: string) => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
};
const quiet = { out: () => {}, err: () => {} };

beforeAll(async () => {
  tdb = await createTestDatabase();
  const world = await makeWorld(tdb.db);
  for (let i = 0; i < 5; i++) {
    await writeAudit(tdb.db, {
      tenantId: world.tenantId,
      actorStaffId: null,
      platform: 'local',
      action: 'view',
      resourceType: 'person',
      resourceId: `p${i}`,
    });
  }
  expect(await auditAnchorCommand(tdb.db, quiet, new Date(), anchors)).toBe(0);
});
afterAll(async () => {
  await app?.stop();
  await tdb?.drop();
  if (restoredName) {
    const admin = postgres(inject('pgAdminUrl'), { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${restoredName} with (force)`).finally(() => admin.end());
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('backup and restore (docs/operations.md)', () => {
  it('pg_dump -Fc, pg_restore into a new database: audit:verify intact against the anchors, the bot ready', async () => {
    const [v] = await tdb.owner.sql<{ n: string }[]>`select current_setting('server_version_num') as n`;
    const { pgDump, pgRestore, createdb } = matchingPgTools(Math.floor(Number(v!.n) / 10000));
    const dump = path.join(dir, 'soudan.dump');
    // 1. Back up, as the owner: pg_dump -Fc -f soudan.dump "$OWNER_URL"
    await run(pgDump, ['-Fc', '-f', dump, tdb.ownerUrl]);
    expect(fs.statSync(dump).size).toBeGreaterThan(0);
    // 2. A new, empty database of the same encoding and ctype, owned by the owner:
    //    createdb -O soudan_owner -T template0 -E UTF8 --locale=C.UTF-8 soudan_restored
    restoredName = `${tdb.name}_restored`;
    const ownerName = decodeURIComponent(new URL(tdb.ownerUrl).username);
    await run(createdb, [
      `--maintenance-db=${tdb.ownerUrl}`,
      '-O',
      ownerName,
      '-T',
      'template0',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
      restoredName,
    ]);
    const restoredOwnerUrl = withDb(tdb.ownerUrl, restoredName);
    // 3. Restore, as the owner: pg_restore --exit-on-error --no-owner -d "$NEW_OWNER_URL" soudan.dump
    await run(pgRestore, ['--exit-on-error', '--no-owner', '-d', restoredOwnerUrl, dump]);
    // 4. DATABASE_URL=<the bot's role on the restored database> npm run audit:verify: against the anchors.
    const verify = await run(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/audit-verify.ts')], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: withDb(tdb.url, restoredName),
        AUDIT_ANCHOR_KEY: anchors.key,
        AUDIT_ANCHOR_FILE: anchors.file,
        LOG_LEVEL: 'silent',
      },
    });
    expect(verify.stdout).toContain('audit log intact');
    expect(verify.stdout).toContain(`checked against 1 anchor(s) from ${anchors.file}`);
    // 5. The bot, as its own role, on the restored database: ready (reachable, every migration there).
    app = await startApp(
      loadConfig({
        DATABASE_URL: withDb(tdb.url, restoredName),
        PORT: '0',
        HOST: '127.0.0.1',
        LOCAL_CHAT: 'off',
        DEMO_DATA: 'off',
        SCHEDULER: 'false',
      }),
    );
    const ready = await fetch(`${app.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect(ready.status).toBe(200);
  }, 120_000);
});
