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
import { writeAudit } from '../../src/core/audit/write';
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
  const [t] = await tdb.db.insert(tenants).values({ code, name: `監査テスト${counter}` }).returning({ id: tenants.id });
  if (!t) throw new Error('no tenant');
  for (let i = 0; i < n; i++) {
    await tdb.db.transaction((tx) =>
      writeAudit(tx, { tenantId: t.id, actorStaffId: null, platform: 'local', action: 'view', resourceType: 'person', resourceId: `p${i}`, detail: { i } }),
    );
  }
  return { id: t.id, code };
}

/** Runs statements as a superuser with the append-only triggers off, as an attacker with full rights could. */
async function tamper(statements: (sql: TestDatabase['sql']) => Promise<unknown>): Promise<void> {
  await tdb.sql.begin(async (sql) => {
    await sql`alter table audit_log disable trigger audit_log_no_update`;
    await statements(sql as unknown as TestDatabase['sql']);
    await sql`alter table audit_log enable trigger audit_log_no_update`;
  });
}

async function asAppRole<T>(f: (sql: TestDatabase['sql']) => Promise<T>): Promise<T> {
  // SET ROLE: the tests connect as a superuser; this is the role the application runs as.
  return tdb.sql.begin(async (sql) => {
    await sql`set local role soudan_app`;
    return f(sql as unknown as TestDatabase['sql']);
  }) as Promise<T>;
}

describe('the audit log cannot be edited', () => {
  it('the application role may append and read audit rows', async () => {
    const t = await tenantWithRows(1);
    const rows = await asAppRole(async (sql) => {
      await sql`insert into audit_log (tenant_id, seq, at, action, resource_type, prev_hash, hash) values (${t.id}, 99, ${new Date().toISOString()}::timestamptz, 'view', 'person', 'x', 'y')`;
      return sql`select count(*)::int as n from audit_log where tenant_id = ${t.id}`;
    });
    expect(rows[0]?.n).toBe(2);
  });

  it('UPDATE audit_log fails for the application role: it lacks the privilege', async () => {
    const t = await tenantWithRows(2);
    await expect(asAppRole((sql) => sql`update audit_log set action = 'x' where tenant_id = ${t.id}`)).rejects.toThrow(/permission denied/);
  });

  it('DELETE FROM audit_log and TRUNCATE fail for the application role', async () => {
    const t = await tenantWithRows(2);
    await expect(asAppRole((sql) => sql`delete from audit_log where tenant_id = ${t.id}`)).rejects.toThrow(/permission denied/);
    await expect(asAppRole((sql) => sql`truncate audit_log`)).rejects.toThrow(/permission denied/);
  });

  it('UPDATE and DELETE fail for everyone else too, the owner included (trigger)', async () => {
    const t = await tenantWithRows(2);
    await expect(tdb.sql`update audit_log set action = 'x' where tenant_id = ${t.id}`).rejects.toThrow(/append-only/);
    await expect(tdb.sql`delete from audit_log where tenant_id = ${t.id}`).rejects.toThrow(/append-only/);
    await expect(tdb.sql`truncate audit_log`).rejects.toThrow(/append-only/);
    const n = await tdb.db.select().from(auditLog).where(eq(auditLog.tenantId, t.id));
    expect(n).toHaveLength(2);
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
    const code = await auditVerifyCommand(tdb.db, ['--tenant', t.code], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
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

  it('catches a rewritten chain end against an anchor kept outside the database', async () => {
    const t = await tenantWithRows(4);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'anchors-')), 'a.json');
    const io = { out: () => {}, err: () => {} };
    expect(await auditVerifyCommand(tdb.db, ['--tenant', t.code, '--write-anchors', file], io)).toBe(0);
    await tamper((sql) => sql`delete from audit_log where tenant_id = ${t.id} and seq = 4`);
    // Without the anchor the shorter chain looks whole; with it, the cut shows.
    expect((await verifyAuditChain(tdb.db, { tenantId: t.id })).ok).toBe(true);
    expect(await auditVerifyCommand(tdb.db, ['--tenant', t.code, '--anchors', file], io)).toBe(1);
  });

  it('concurrent writers never fork the chain', async () => {
    const t = await tenantWithRows(0);
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        tdb.db.transaction((tx) => writeAudit(tx, { tenantId: t.id, actorStaffId: null, platform: 'slack', action: 'search', resourceType: 'person', detail: { i } })),
      ),
    );
    const rows = await tdb.db.select({ seq: auditLog.seq }).from(auditLog).where(and(eq(auditLog.tenantId, t.id))).orderBy(asc(auditLog.seq));
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect((await verifyAuditChain(tdb.db, { tenantId: t.id })).ok).toBe(true);
  });

  it('concurrent writers outside any transaction never fork the chain either (one statement each)', async () => {
    const t = await tenantWithRows(0);
    await Promise.all(
      Array.from({ length: 25 }, (_, i) => writeAudit(tdb.db, { tenantId: t.id, actorStaffId: null, platform: 'line', action: 'view', resourceType: 'person', detail: { i } })),
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
      { 件数: 3, reason: '年末年始・祝日（振替）', emoji: '👩‍👩‍👧 \u{20B9F}', quote: 'a"b\\c\n\t', big: 12345678901, float: 0.1, neg: -0, list: [1, '二', null, true] },
      {},
    ];
    for (const [i, detail] of details.entries()) {
      await writeAudit(tdb.db, { tenantId: t.id, actorStaffId: null, platform: null, action: 'export', resourceType: 'delivery', resourceId: i === 1 ? null : `r${i}`, detail });
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

