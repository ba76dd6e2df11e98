import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, consultations, persons, recordVersions, tenants } from '../../db/schema/index';
import { adminCommand } from '../../src/cli/admin';
import { createPerson } from '../../src/core/cases/create';
import { logConsultation } from '../../src/core/consultations/log';
import { purgeExpired } from '../../src/core/retention/purge';
import { editConsultation } from '../../src/core/versions/consultations';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
let old: { id: string; code: string };
let oldRecord: string;
const then = new Date('2019-06-01T01:00:00Z');
const now = new Date('2026-11-22T01:00:00Z');

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  old = await createPerson(
    tdb.db,
    {
      tenantId: world.tenantId,
      officeId: world.offices.a,
      familyName: '古川',
      givenName: '昔',
      familyKana: 'ふるかわ',
      givenKana: 'むかし',
      birthDate: '1950-01-01',
      recipientNumber: '1234567890',
    },
    then,
  );
  // Created "then": the creation date counts as activity.
  oldRecord = (
    await logConsultation(
      tdb.db,
      world.actors.a,
      { personId: old.id, occurredOn: '2019-06-01', method: '訪問', kind: '緊急対応', summary: '古い記録の本文' },
      then,
    )
  ).id;
  await editConsultation(tdb.db, world.actors.a, oldRecord, { summary: '古い記録の訂正' }, null, then);
  await logConsultation(
    tdb.db,
    world.actors.a,
    { personId: world.persons.yamadaTaro.id, occurredOn: '2026-11-01', method: '訪問', kind: '緊急対応', summary: '新しい記録' },
    now,
  );
});
afterAll(async () => {
  await tdb.drop();
});

describe('retention', () => {
  it('a tenant without a retention period is never purged', async () => {
    expect(await purgeExpired(tdb.db, { tenantId: world.tenantId, now })).toEqual([]);
  });

  it('a dry run counts what is past the period and changes nothing', async () => {
    await tdb.db
      .update(tenants)
      .set({ settings: { retentionYears: 5 } })
      .where(eq(tenants.id, world.tenantId));
    const [r] = await purgeExpired(tdb.db, { tenantId: world.tenantId, dryRun: true, now });
    expect(r).toMatchObject({ cutoff: '2021-11-22', persons: 1, consultations: 1, versions: 1 });
    const [p] = await tdb.db.select().from(persons).where(eq(persons.id, old.id));
    expect(p?.familyName).toBe('古川');
    expect(await tdb.db.select().from(auditLog).where(eq(auditLog.action, 'retention_purge'))).toHaveLength(0);
  });

  it('the purge anonymises records past the period, deletes their versions, and writes an audit entry with counts', async () => {
    const lines: string[] = [];
    const code = await adminCommand(
      tdb.db,
      ['retention:purge', '--tenant', 'test-a'],
      { out: (l) => lines.push(l), err: (l) => lines.push(l) },
      now,
    );
    expect(code).toBe(0);
    expect(lines.join('\n')).toContain('persons 1, consultations 1, versions 1');
    const [p] = await tdb.db.select().from(persons).where(eq(persons.id, old.id));
    expect(p).toMatchObject({ givenName: '', familyKana: '', birthDate: null, recipientNumber: null, deletedReason: '保存期間経過' });
    expect(JSON.stringify(p)).not.toContain('古川');
    const [c] = await tdb.db.select().from(consultations).where(eq(consultations.id, oldRecord));
    expect(c?.summary).not.toContain('古い記録');
    expect(await tdb.db.select().from(recordVersions).where(eq(recordVersions.resourceId, oldRecord))).toHaveLength(0);
    const [audit] = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'retention_purge'), eq(auditLog.tenantId, world.tenantId)));
    expect(audit?.detail).toMatchObject({ retentionYears: 5, persons: 1, consultations: 1, versions: 1, personIds: [old.id] });
    // Recent records are untouched.
    const recent = await tdb.db.select().from(consultations).where(eq(consultations.summary, '新しい記録'));
    expect(recent).toHaveLength(1);
  });

  it('running it again finds nothing more', async () => {
    const [r] = await purgeExpired(tdb.db, { tenantId: world.tenantId, now });
    expect(r).toMatchObject({ persons: 0, consultations: 0 });
  });
});
