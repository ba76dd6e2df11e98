import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, persons, tenants } from '../../db/schema/index';
import { decide, personFacts } from '../../src/core/access';
import { searchPersons } from '../../src/core/cases/search';
import { makeWorld } from '../helpers/world';
import { auditVerifyCommand } from '../../src/cli/audit-verify';
import { chainHash, writeAudit, writeAuditBatch } from '../../src/core/audit/write';
import { auditAnchorCommand } from '../../src/cli/audit-verify';
import { SenderRegistry } from '../../src/chat/adapter';
import { startScheduler } from '../../src/scheduler/index';
import { verifyAuditChain } from '../../src/core/audit/verify';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

let counter = 0;
/** A tenant of its own with `n` audit rows, so each tampering test starts from an intact chain. */
async function tenantWithRows(n: number): Promise<{ id: string; code: string }> {
  const code = `audit-${++counter}`;
  const [t] = await tdb.db
    .insert(tenants)
    .values({ code, name: `監査テスト${counter}` })
    .returning({ id: tenants.id });
  if (!t) throw new Error('no tenant');
  for (let i = 0; i < n; i++) {
    await tdb.db.transaction((tx) =>
      writeAudit(tx, {
        tenantId: t.id,
        actorStaffId: null,
        platform: 'local',
        action: 'view',
        resourceType: 'person',
        resourceId: `p${i}`,
        detail: { i },
      }),
    );
  }
  return { id: t.id, code };
}

/** Runs statements as the database owner with the append-only trigger off, as the owner (or a DBA) could. */
async function tamper(statements: (sql: TestDatabase['sql']) => Promise<unknown>): Promise<void> {
  await tdb.owner.sql.begin(async (sql) => {
    await sql`alter table audit_log disable trigger audit_log_no_update`;
    await statements(sql as unknown as TestDatabase['sql']);
    await sql`alter table audit_log enable trigger audit_log_no_update`;
  });
}

/** The owner rewrites row `seq` and re-hashes every row after it, so that the chain alone verifies. */
async function rewriteAndRehash(tenantId: string, seq: number): Promise<void> {
  await tamper(async (sql) => {
    await sql`update audit_log set resource_id = 'someone-else' where tenant_id = ${tenantId} and seq = ${seq}`;
    const rows = await sql<
      {
        seq: number;
        at: Date;
        actor_staff_id: string | null;
        platform: string | null;
        action: string;
        resource_type: string;
        resource_id: string | null;
        detail: Record<string, unknown>;
        prev_hash: string;
      }[]
    >`
      select * from audit_log where tenant_id = ${tenantId} and seq >= ${seq} order by seq`;
    let prev = rows[0]!.prev_hash;
    for (const r of rows) {
      const hash = chainHash(prev, {
        tenantId,
        seq: r.seq,
        at: new Date(r.at),
        actorStaffId: r.actor_staff_id,
        platform: r.platform,
        action: r.action,
        resourceType: r.resource_type,
        resourceId: r.resource_id,
        detail: r.detail,
      });
      await sql`update audit_log set prev_hash = ${prev}, hash = ${hash} where tenant_id = ${tenantId} and seq = ${r.seq}`;
      prev = hash;
    }
  });
}

const KEY = 'k'.repeat(40);
const anchorSettings = () => ({ key: KEY, file: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'anchors-')), 'audit-anchors.jsonl') });
const quiet = { out: () => {}, err: () => {} };
/** What an operator sees: every line the command printed. */
async function verifyOutput(argv: string[], settings: { key: string | undefined; file: string }): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await auditVerifyCommand(tdb.db, argv, { out: (l) => lines.push(l), err: (l) => lines.push(l) }, settings);
  return { code, text: lines.join('\n') };
}

describe("the bot's role (a login member of soudan_app) cannot change history", () => {
  // tdb.sql is the role every test's app runs as (test/helpers/db.ts); these statements are refused by privilege.
  it('is not the owner: DDL is refused', async () => {
    const [who] = await tdb.sql<
      { u: string; member: boolean }[]
    >`select current_user as u, pg_has_role(current_user, 'soudan_app', 'member') as member`;
    expect(who).toMatchObject({ member: true });
    await expect(tdb.sql`create table intruder (id int)`).rejects.toThrow(/permission denied/);
    await expect(tdb.sql`alter table audit_log disable trigger audit_log_no_update`).rejects.toThrow(/must be owner/);
    await expect(tdb.sql`drop table record_versions`).rejects.toThrow(/must be owner/);
    await expect(tdb.sql`create or replace function audit_append_batch() returns int language sql as 'select 1'`).rejects.toThrow(
      /permission denied/,
    );
  });

  it('TRUNCATE is refused on every table', async () => {
    for (const table of ['audit_log', 'record_versions', 'persons', 'deliveries']) {
      await expect(tdb.sql.unsafe(`truncate ${table}`)).rejects.toThrow(/permission denied/);
    }
  });

  it('UPDATE and DELETE on audit_log and record_versions are refused', async () => {
    const t = await tenantWithRows(2);
    await expect(tdb.sql`update audit_log set action = 'x' where tenant_id = ${t.id}`).rejects.toThrow(/permission denied/);
    await expect(tdb.sql`delete from audit_log where tenant_id = ${t.id}`).rejects.toThrow(/permission denied/);
    await expect(tdb.sql`update record_versions set reason = 'x'`).rejects.toThrow(/permission denied/);
    await expect(tdb.sql`delete from record_versions`).rejects.toThrow(/permission denied/);
  });

  it('a direct INSERT into audit_log is refused: rows come only through audit_append()', async () => {
    const t = await tenantWithRows(1);
    await expect(
      tdb.sql`insert into audit_log (tenant_id, seq, at, action, resource_type, prev_hash, hash) values (${t.id}, 99, ${new Date().toISOString()}::timestamptz, 'view', 'person', 'x', 'y')`,
    ).rejects.toThrow(/permission denied/);
  });

  it('appends through the SECURITY DEFINER functions, one row or a batch, and the chain stays whole', async () => {
    const t = await tenantWithRows(3);
    await writeAuditBatch(
      tdb.db,
      t.id,
      Array.from({ length: 4 }, (_, i) => ({
        actorStaffId: null,
        platform: 'job',
        action: 'notify',
        resourceType: 'delivery',
        resourceId: `d${i}`,
        detail: { i },
      })),
    );
    await writeAudit(tdb.db, {
      tenantId: t.id,
      actorStaffId: null,
      platform: 'local',
      action: 'view',
      resourceType: 'person',
      resourceId: 'p9',
    });
    const res = await verifyAuditChain(tdb.db, { tenantId: t.id });
    expect(res.problems).toEqual([]);
    expect(res.heads[0]).toMatchObject({ rows: 8, seq: 8 });
    const [fn] = await tdb.owner.sql<
      { n: number }[]
    >`select count(*)::int as n from pg_proc where proname in ('audit_append', 'audit_append_batch', 'purge_record_versions') and prosecdef`;
    expect(fn?.n).toBe(3);
  });

  it('the owner is refused UPDATE, DELETE and TRUNCATE too while the trigger is on', async () => {
    const t = await tenantWithRows(2);
    await expect(tdb.owner.sql`update audit_log set action = 'x' where tenant_id = ${t.id}`).rejects.toThrow(/append-only/);
    await expect(tdb.owner.sql`delete from audit_log where tenant_id = ${t.id}`).rejects.toThrow(/append-only/);
    await expect(tdb.owner.sql`truncate audit_log`).rejects.toThrow(/append-only/);
    const n = await tdb.db.select().from(auditLog).where(eq(auditLog.tenantId, t.id));
    expect(n).toHaveLength(2);
  });
});

describe('anchors outside the database', () => {
  it('a chain rewritten and re-hashed by the owner fails audit:verify against the signed anchors; untouched it passes', async () => {
    const t = await tenantWithRows(5);
    const settings = anchorSettings();
    const now = new Date('2026-12-03T00:00:00Z');
    expect(await auditAnchorCommand(tdb.db, quiet, now, settings)).toBe(0);
    const lines = fs
      .readFileSync(settings.file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ type: 'audit_anchor', tenantId: t.id, seq: 5, at: now.toISOString() }));
    const intact = await verifyOutput(['--tenant', t.code], settings);
    expect(intact.code).toBe(0);
    expect(intact.text).toContain('audit log intact');
    await rewriteAndRehash(t.id, 2);
    // The chain alone looks whole: only the anchor shows what happened.
    expect((await verifyAuditChain(tdb.db, { tenantId: t.id })).ok).toBe(true);
    const after = await verifyOutput(['--tenant', t.code], settings);
    expect(after.code).toBe(1);
    expect(after.text).toContain(
      `FAIL tenant ${t.code} (${t.id}) seq 5: altered: hash differs from the recorded anchor (the chain was rewritten and re-hashed)`,
    );
  });

  it('an anchor line edited to match a rewritten chain is refused by its signature', async () => {
    const t = await tenantWithRows(3);
    const settings = anchorSettings();
    await auditAnchorCommand(tdb.db, quiet, new Date(), settings);
    await rewriteAndRehash(t.id, 1);
    const [head] = await tdb.sql<{ hash: string }[]>`select hash from audit_log where tenant_id = ${t.id} and seq = 3`;
    const forged = fs.readFileSync(settings.file, 'utf8').replace(/"seq":3,"hash":"[0-9a-f]+"/, `"seq":3,"hash":"${head!.hash}"`);
    fs.writeFileSync(settings.file, forged);
    const res = await verifyOutput(['--tenant', t.code], settings);
    expect(res.code).toBe(1);
    expect(res.text).toMatch(/line \d+: signature does not match/);
  });

  it('without an anchor file audit:verify says what to do, instead of passing', async () => {
    const res = await verifyOutput([], { key: KEY, file: path.join(os.tmpdir(), 'no-such-dir-anchors', 'a.jsonl') });
    expect(res.code).toBe(2);
    expect(res.text).toContain('no anchor file at');
    const alone = await verifyOutput(['--no-anchors'], { key: undefined, file: '/nonexistent' });
    expect(alone.text).toContain('a chain rewritten and re-hashed by the database owner would pass');
  });

  it('the scheduler writes anchors by itself, to the file and the log stream', async () => {
    const t = await tenantWithRows(2);
    const settings = anchorSettings();
    const scheduler = await startScheduler({
      url: tdb.url,
      senders: new SenderRegistry(),
      now: () => new Date('2026-12-03T01:00:00Z'),
      settings: {
        planIntervalMs: 60_000,
        syncIntervalMs: 0,
        maxAttempts: 3,
        retryBaseMs: 100,
        retryMaxMs: 1000,
        concurrencyPerPlatform: 1,
        workers: 1,
        clock: 'system',
      },
      anchors: { ...settings, intervalMs: 60_000 },
    });
    try {
      await expect
        .poll(() => fs.existsSync(settings.file) && fs.readFileSync(settings.file, 'utf8').includes(t.id), { timeout: 20_000 })
        .toBe(true);
    } finally {
      await scheduler.stop();
    }
    expect(fs.readFileSync(settings.file, 'utf8')).toContain('"at":"2026-12-03T01:00:00.000Z"');
    expect((await verifyOutput(['--tenant', t.code], settings)).code).toBe(0);
  });
});

describe('audit:verify', () => {
  it('reports an intact chain', async () => {
    const t = await tenantWithRows(5);
    const res = await verifyAuditChain(tdb.db, { tenantId: t.id });
    expect(res.ok).toBe(true);
    expect(res.heads[0]).toMatchObject({ rows: 5, seq: 5 });
  });

  it('catches a row altered by a superuser who disabled the trigger, naming tenant and seq', async () => {
    const t = await tenantWithRows(5);
    await tamper((sql) => sql`update audit_log set resource_id = 'someone-else' where tenant_id = ${t.id} and seq = 3`);
    const lines: string[] = [];
    const code = await auditVerifyCommand(tdb.db, ['--tenant', t.code, '--no-anchors'], {
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain(`FAIL tenant ${t.code} (${t.id}) seq 3: altered`);
  });

  it('catches a deleted row', async () => {
    const t = await tenantWithRows(5);
    await tamper((sql) => sql`delete from audit_log where tenant_id = ${t.id} and seq = 2`);
    const res = await verifyAuditChain(tdb.db, { tenantId: t.id });
    expect(res.ok).toBe(false);
    expect(res.problems).toContainEqual(expect.objectContaining({ seq: 3, kind: 'gap' }));
    expect(res.problems).toContainEqual(expect.objectContaining({ seq: 3, kind: 'broken_link' }));
  });

  it('catches two rows swapped', async () => {
    const t = await tenantWithRows(5);
    await tamper(async (sql) => {
      await sql`update audit_log set seq = -2 where tenant_id = ${t.id} and seq = 2`;
      await sql`update audit_log set seq = 2 where tenant_id = ${t.id} and seq = 4`;
      await sql`update audit_log set seq = 4 where tenant_id = ${t.id} and seq = -2`;
    });
    const res = await verifyAuditChain(tdb.db, { tenantId: t.id });
    expect(res.ok).toBe(false);
    expect(res.problems.map((p) => p.seq)).toEqual(expect.arrayContaining([2, 4]));
  });

  it('catches a cut chain end against an anchor kept outside the database', async () => {
    const t = await tenantWithRows(4);
    const settings = anchorSettings();
    expect(await auditVerifyCommand(tdb.db, ['--tenant', t.code, '--write-anchors'], quiet, settings)).toBe(0);
    await tamper((sql) => sql`delete from audit_log where tenant_id = ${t.id} and seq = 4`);
    // Without the anchor the shorter chain looks whole; with it, the cut shows.
    expect((await verifyAuditChain(tdb.db, { tenantId: t.id })).ok).toBe(true);
    expect(await auditVerifyCommand(tdb.db, ['--tenant', t.code], quiet, settings)).toBe(1);
  });

  it('concurrent writers never fork the chain', async () => {
    const t = await tenantWithRows(0);
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        tdb.db.transaction((tx) =>
          writeAudit(tx, {
            tenantId: t.id,
            actorStaffId: null,
            platform: 'slack',
            action: 'search',
            resourceType: 'person',
            detail: { i },
          }),
        ),
      ),
    );
    const rows = await tdb.db
      .select({ seq: auditLog.seq })
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.id)))
      .orderBy(asc(auditLog.seq));
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect((await verifyAuditChain(tdb.db, { tenantId: t.id })).ok).toBe(true);
  });

  it('concurrent writers outside any transaction never fork the chain either (one statement each)', async () => {
    const t = await tenantWithRows(0);
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        writeAudit(tdb.db, { tenantId: t.id, actorStaffId: null, platform: 'line', action: 'view', resourceType: 'person', detail: { i } }),
      ),
    );
    const rows = await tdb.db.select({ seq: auditLog.seq }).from(auditLog).where(eq(auditLog.tenantId, t.id)).orderBy(asc(auditLog.seq));
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect((await verifyAuditChain(tdb.db, { tenantId: t.id })).ok).toBe(true);
  });

  it('the hash the database computes is the one verification recomputes, whatever the detail holds', async () => {
    const t = await tenantWithRows(0);
    const details: Record<string, unknown>[] = [
      // Keys that look like the top-level ones, nested and in arrays.
      { seq: 0, tenantId: 'x', nested: { seq: 0, tenantId: '"seq":0,"tenantId":' } },
      {
        件数: 3,
        reason: '年末年始・祝日（振替）',
        emoji: '👩‍👩‍👧 \u{20B9F}',
        quote: 'a"b\\c\n\t',
        big: 12345678901,
        float: 0.1,
        neg: -0,
        list: [1, '二', null, true],
      },
      {},
    ];
    for (const [i, detail] of details.entries()) {
      await writeAudit(tdb.db, {
        tenantId: t.id,
        actorStaffId: null,
        platform: null,
        action: 'export',
        resourceType: 'delivery',
        resourceId: i === 1 ? null : `r${i}`,
        detail,
      });
    }
    const result = await verifyAuditChain(tdb.db, { tenantId: t.id });
    expect(result.problems).toEqual([]);
    expect(result.heads[0]?.rows).toBe(3);
  });
});

describe('searches follow the policy table and are audited', () => {
  it('a case is found by code exactly when the policy lets the actor search it, and each search writes a row', async () => {
    const world = await makeWorld(tdb.db);
    const all = await tdb.db.select().from(persons).where(eq(persons.tenantId, world.tenantId));
    for (const actor of Object.values(world.actors)) {
      for (const p of all) {
        const before = (await tdb.db.select().from(auditLog).where(eq(auditLog.tenantId, actor.tenantId))).length;
        const { hits, fuzzy } = await searchPersons(tdb.db, actor, p.code, new Date('2026-11-20T01:00:00Z'));
        const found = !fuzzy && hits.some((h) => h.id === p.id);
        const allowed = decide(actor, 'person', 'search', personFacts(actor, p)) !== null;
        expect(found, `${actor.name} → ${p.code}`).toBe(allowed);
        const after = await tdb.db.select().from(auditLog).where(eq(auditLog.tenantId, actor.tenantId));
        expect(after.length).toBe(before + 1);
        expect(after.at(-1)).toMatchObject({ action: 'search', actorStaffId: actor.staffId, platform: 'local' });
      }
    }
  });
});
