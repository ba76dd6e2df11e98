import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { secondaryConsultations, tenants } from '../../db/schema/index';
import type { Actor } from '../../src/chat/types';
import { escalateWaitingUrgent } from '../../src/core/secondary/escalation';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';
import { addStaff, dmsTo, driver, text, type Driver } from './secondary-helpers';

let tdb: TestDatabase;
let world: World;
let d: Driver;
let manager: Actor;
let now = new Date('2026-11-24T01:00:00Z'); // Tuesday 10:00 JST

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  d = driver(tdb.db, createRegistry(), () => now);
  manager = await addStaff(tdb.db, world.actors.kikan, '基幹管理者', ['kikan', 'office_manager']);
});
afterAll(async () => {
  await tdb.drop();
});

async function urgent(urgency = 'urgent') {
  const res = await d.form(world.actors.a, 'niji:new', {
    person: world.persons.yamadaTaro.code,
    difficulties: ['虐待'],
    tried: '電話で確認した。',
    question: '今日中に同行訪問してほしい。',
    urgency,
    helpWanted: ['同行訪問'],
  });
  const number = Number(/#(\d+)/.exec(text(res))?.[1]);
  const [row] = await tdb.db.select().from(secondaryConsultations).where(eq(secondaryConsultations.number, number));
  if (!row) throw new Error('not stored');
  return row;
}

describe('至急 requests not taken in time', () => {
  it('go to the 基幹 manager once, after 2 business hours by default', async () => {
    const row = await urgent();
    const plain = await urgent('normal');
    expect(await escalateWaitingUrgent(tdb.db, new Date('2026-11-24T02:30:00Z'))).toBe(0);
    expect(await escalateWaitingUrgent(tdb.db, new Date('2026-11-24T03:00:00Z'))).toBe(1);
    expect(await escalateWaitingUrgent(tdb.db, new Date('2026-11-24T05:00:00Z'))).toBe(0);
    const dms = await dmsTo(tdb.db, manager.staffId, 'niji_escalated');
    expect(dms).toHaveLength(1);
    expect(text(dms)).toContain(`【至急】二次相談 #${row.number} が受付されていません`);
    expect(text(dms)).not.toContain('山田');
    const [after] = await tdb.db.select().from(secondaryConsultations).where(eq(secondaryConsultations.id, row.id));
    expect(after?.escalatedAt).toEqual(new Date('2026-11-24T03:00:00Z'));
    const [normal] = await tdb.db.select().from(secondaryConsultations).where(eq(secondaryConsultations.id, plain.id));
    expect(normal?.escalatedAt).toBeNull();
  });

  it('a request taken in time is never escalated', async () => {
    const row = await urgent();
    await d.action(world.actors.kikan, 'niji:accept', row.id);
    expect(await escalateWaitingUrgent(tdb.db, new Date('2026-11-25T08:00:00Z'))).toBe(0);
  });

  it('counts office hours only and follows the tenant setting', async () => {
    await tdb.db
      .update(tenants)
      .set({ settings: { secondaryUrgentEscalationHours: 3 } })
      .where(eq(tenants.id, world.tenantId));
    now = new Date('2026-11-27T07:00:00Z'); // Friday 16:00 JST: 1.25 office hours left that day
    const row = await urgent();
    // Monday 30 November 9:30 JST: 1.25 + 1 = 2.25 business hours, below 3.
    expect(await escalateWaitingUrgent(tdb.db, new Date('2026-11-30T00:30:00Z'))).toBe(0);
    // Monday 10:30 JST: 3.25 business hours.
    expect(await escalateWaitingUrgent(tdb.db, new Date('2026-11-30T01:30:00Z'))).toBe(1);
    expect(
      (await dmsTo(tdb.db, manager.staffId, 'niji_escalated')).filter((x) => x.idempotencyKey.startsWith(`niji:${row.id}:`)),
    ).toHaveLength(1);
  });

  it('two instances escalating at once notify once', async () => {
    now = new Date('2026-12-01T01:00:00Z');
    const row = await urgent();
    const later = new Date('2026-12-01T06:00:00Z');
    const [x, y] = await Promise.all([escalateWaitingUrgent(tdb.db, later), escalateWaitingUrgent(tdb.db, later)]);
    expect(x + y).toBe(1);
    expect(
      (await dmsTo(tdb.db, manager.staffId, 'niji_escalated')).filter((r) => r.idempotencyKey.startsWith(`niji:${row.id}:`)),
    ).toHaveLength(1);
  });
});
