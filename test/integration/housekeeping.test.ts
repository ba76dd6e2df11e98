import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { abuseAlerts, inboundEvents, secondaryConsultations } from '../../db/schema/index';
import { runHousekeeping } from '../../src/scheduler/housekeeping';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';
import { driver, text, type Driver } from './secondary-helpers';

let tdb: TestDatabase;
let world: World;
let d: Driver;
const filed = new Date('2026-11-24T01:00:00Z'); // Tuesday 10:00 JST

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  d = driver(tdb.db, createRegistry(), () => filed);
});
afterAll(async () => {
  await tdb.drop();
});

describe('the scheduler pass also runs the duties that must not wait for a digest', () => {
  it('escalates a waiting 至急 request and an unacknowledged 虐待 alert, and claims the day purge once', async () => {
    const res = await d.form(world.actors.a, 'niji:new', {
      person: world.persons.yamadaTaro.code,
      difficulties: ['虐待'],
      tried: '電話で確認した。',
      question: '同行訪問してほしい。',
      urgency: 'urgent',
      helpWanted: ['同行訪問'],
    });
    const number = Number(/#(\d+)/.exec(text(res))?.[1]);
    await d.form(world.actors.a, 'soudan:new', {
      person: world.persons.yamadaTaro.code,
      occurredOn: '2026-11-24',
      method: '訪問',
      kind: '権利擁護のために必要な援助',
      summary: '身体にあざ。家族の説明があいまい。',
      abuse: 'yes',
    });
    const later = new Date('2026-11-24T05:00:00Z'); // four business hours on
    await runHousekeeping(tdb.db, later, '2026-11-24');
    await runHousekeeping(tdb.db, later, '2026-11-24');

    const [req] = await tdb.db
      .select()
      .from(secondaryConsultations)
      .where(and(eq(secondaryConsultations.tenantId, world.tenantId), eq(secondaryConsultations.number, number)));
    expect(req?.escalatedAt).toEqual(later);
    const [alert] = await tdb.db.select().from(abuseAlerts).where(eq(abuseAlerts.tenantId, world.tenantId));
    expect(alert?.escalations).toBeGreaterThanOrEqual(1);
    const claims = await tdb.db.select().from(inboundEvents).where(eq(inboundEvents.platform, 'housekeeping'));
    expect(claims.map((c) => c.eventId)).toEqual(['retention-purge:2026-11-24']);
  });
});
