import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { parseFiscalYear } from '../../handlers/shihyo';
import { councilBodies, meetingAttendees, meetings, secondaryConsultations } from '../../db/schema/index';
import { dispatch } from '../../src/chat/dispatch';
import { countIndicators } from '../../src/core/indicators/count';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
const now = new Date('2026-11-22T01:00:00Z');

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  const t = world.tenantId;
  const [bukai] = await tdb.db.insert(councilBodies).values([
    { tenantId: t, kind: 'bukai', name: '就労支援部会' },
    { tenantId: t, kind: 'bukai', name: '権利擁護部会' },
  ]).returning({ id: councilBodies.id });
  const meeting = async (kind: string, startsAt: string, attendees: string[], cancelled = false) => {
    const [m] = await tdb.db
      .insert(meetings)
      .values({ tenantId: t, kind, title: kind, startsAt: new Date(startsAt), createdBy: world.actors.kikan.staffId, bodyId: kind === 'bukai' ? bukai?.id : null, cancelledAt: cancelled ? new Date(startsAt) : null, createdAt: new Date(startsAt) })
      .returning({ id: meetings.id });
    for (const s of attendees) await tdb.db.insert(meetingAttendees).values({ meetingId: m?.id ?? '', staffId: s, tenantId: t });
  };
  const a = world.actors;
  await meeting('bukai', '2026-05-10T05:00:00Z', [a.a.staffId, a.kikan.staffId]);
  await meeting('bukai', '2026-06-10T05:00:00Z', [a.b.staffId]);
  await meeting('bukai', '2026-07-10T05:00:00Z', [], true); // cancelled: not held
  await meeting('bukai', '2026-12-10T05:00:00Z', []); // future: not held yet
  await meeting('bukai', '2026-03-31T14:59:00Z', []); // 23:59 JST on 31 March: previous fiscal year
  await meeting('jirei', '2026-09-01T05:00:00Z', [a.a.staffId]);
  await meeting('jirei', '2026-10-01T05:00:00Z', [a.kikan.staffId]);
  await meeting('renrakukai', '2026-08-01T05:00:00Z', []);
  await meeting('unei', '2026-04-15T05:00:00Z', [a.city.staffId, a.kikan.staffId]);
  const closed = (office: string, requester: string, n: number, at: string) =>
    tdb.db.insert(secondaryConsultations).values({ tenantId: t, number: n, requesterId: requester, requesterOfficeId: office, tried: '-', question: '-', status: 'closed', closedAt: new Date(at), createdAt: new Date(at), updatedAt: new Date(at) });
  await closed(world.offices.a, a.a.staffId, 1, '2026-06-01T00:00:00Z');
  await closed(world.offices.a, a.a.staffId, 2, '2026-07-01T00:00:00Z');
});
afterAll(async () => {
  await tdb.drop();
});

describe('activity indicators', () => {
  it('counts the fiscal year in Japan time, only meetings held and not cancelled', async () => {
    const v = Object.fromEntries((await countIndicators(tdb.db, world.tenantId, 2026, now)).map((x) => [x.key, x]));
    expect(v.bukaiHeld?.value).toBe(2);
    expect(v.bukaiEstablished?.value).toBe(2);
    expect(v.bukaiEstablished?.met).toBe(false);
    expect(v.kikanCaseReview?.value).toBe(2);
    expect(v.councilCaseReview?.value).toBe(1); // only the review a counselor office attended
    expect(v.kikanTraining?.value).toBe(1);
    expect(v.councilParticipants?.value).toBe(4); // offices A, B, 基幹, city hall
    expect(v.chiefCounselors?.value).toBe(1);
    expect(v.kikanGuidance).toMatchObject({ value: 2, offices: { reached: 1, total: 2 }, met: false });
  });

  it('applies the tenant targets', async () => {
    const v = await countIndicators(tdb.db, world.tenantId, 2026, now, { bukaiEstablished: 2 });
    expect(v.find((x) => x.key === 'bukaiEstablished')).toMatchObject({ target: 2, met: true });
  });

  it('the previous fiscal year holds the meeting of 31 March 23:59 JST', async () => {
    const v = await countIndicators(tdb.db, world.tenantId, 2025, now);
    expect(v.find((x) => x.key === 'bukaiHeld')?.value).toBe(1);
  });

  it('is shown to the 基幹 and city hall as aggregates, and refused to a counselor', async () => {
    const registry = createRegistry();
    const ok = await dispatch({ db: tdb.db, registry, now: () => now }, world.actors.city, { kind: 'command', name: 'shihyo', text: '' });
    const text = JSON.stringify(ok.replies);
    expect(text).toContain('令和8年度');
    expect(text).toContain('専門部会の実施回数');
    expect(text).not.toContain('山田');
    const refused = await dispatch({ db: tdb.db, registry, now: () => now }, world.actors.a, { kind: 'command', name: 'shihyo', text: '' });
    expect(JSON.stringify(refused.replies)).toContain('権限がありません');
  });

  it.each([
    ['', 2026],
    ['2025', 2025],
    ['令和7年度', 2025],
    ['R7', 2025],
    ['令和元年度', 2019],
    ['昨年度', 2025],
  ])('reads the fiscal year "%s"', (text, fy) => {
    expect(parseFiscalYear(text, '2026-11-22')).toBe(fy);
  });

  it('a fiscal year it cannot read gets examples', () => {
    expect(() => parseFiscalYear('来年くらい', '2026-11-22')).toThrow(expect.objectContaining({ userMessage: expect.stringContaining('例') }));
  });
});
