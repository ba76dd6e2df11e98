import type { Db } from '../../db/client';
import { offices, staff, tenants } from '../../db/schema/index';
import type { Actor, Role } from '../../src/chat/types';
import { createPerson, createPlan } from '../../src/core/cases/create';

export interface World {
  tenantId: string;
  otherTenantId: string;
  offices: { a: string; b: string; kikan: string; city: string; other: string };
  actors: { a: Actor; a2: Actor; b: Actor; kikan: Actor; city: Actor; other: Actor };
  persons: {
    /** Office A, no consent to share with the 基幹. */
    yamadaTaro: { id: string; code: string };
    /** Office A, consented. */
    yamadaHanako: { id: string; code: string };
    /** Office B, consented. */
    yamamotoIchiro: { id: string; code: string };
    /** Office B, no consent. */
    suzukiJiro: { id: string; code: string };
    /** Another tenant: same family name. */
    otherYamada: { id: string; code: string };
  };
}

/** When makeWorld registers its persons and plan (the plan's first day, in Japan time). */
export const WORLD_CREATED_AT = new Date('2026-04-01T00:00:00+09:00');

async function addStaff(db: Db, tenantId: string, officeId: string, officeKind: string, name: string, roles: Role[]): Promise<Actor> {
  const [row] = await db.insert(staff).values({ tenantId, officeId, name, kana: name, roles }).returning({ id: staff.id });
  if (!row) throw new Error('staff insert failed');
  return { tenantId, staffId: row.id, officeId, officeKind, name, roles, platform: 'local', platformUserId: row.id };
}

/** Two tenants; in the first, offices A and B, a 基幹 and city hall, with persons on both sides. */
/**
 * `now` is when the world's persons and plan were registered: a fixed instant, so that nothing
 * about the world depends on the day the suite runs.
 */
export async function makeWorld(db: Db, now: Date = WORLD_CREATED_AT): Promise<World> {
  const [t1, t2] = await db
    .insert(tenants)
    .values([
      { code: 'test-a', name: 'テスト市' },
      { code: 'test-b', name: 'となり町' },
    ])
    .returning({ id: tenants.id });
  if (!t1 || !t2) throw new Error('tenant insert failed');
  const office = async (tenantId: string, name: string, kind: string) => {
    const [row] = await db
      .insert(offices)
      .values({ tenantId, name, kind: kind as never })
      .returning({ id: offices.id });
    if (!row) throw new Error('office insert failed');
    return row.id;
  };
  const o = {
    a: await office(t1.id, '事業所A', 'tokutei'),
    b: await office(t1.id, '事業所B', 'tokutei'),
    kikan: await office(t1.id, '基幹相談支援センター', 'kikan'),
    city: await office(t1.id, '障害福祉課', 'gyosei'),
    other: await office(t2.id, 'となり町事業所', 'tokutei'),
  };
  const actors = {
    a: await addStaff(db, t1.id, o.a, 'tokutei', '職員A', ['counselor']),
    a2: await addStaff(db, t1.id, o.a, 'tokutei', '職員A2', ['counselor', 'office_manager']),
    b: await addStaff(db, t1.id, o.b, 'tokutei', '職員B', ['counselor']),
    kikan: await addStaff(db, t1.id, o.kikan, 'kikan', '基幹職員', ['kikan', 'chief']),
    city: await addStaff(db, t1.id, o.city, 'gyosei', '市職員', ['gyosei', 'secretariat']),
    other: await addStaff(db, t2.id, o.other, 'tokutei', '隣町職員', ['counselor']),
  };
  const person = (
    tenantId: string,
    officeId: string,
    counselorId: string,
    f: string,
    g: string,
    fk: string,
    gk: string,
    consent: boolean,
  ) =>
    createPerson(
      db,
      {
        tenantId,
        officeId,
        counselorId,
        familyName: f,
        givenName: g,
        familyKana: fk,
        givenKana: gk,
        consentKikan: consent,
        birthDate: '1985-04-01',
      },
      now,
    );
  const persons = {
    yamadaTaro: await person(t1.id, o.a, actors.a.staffId, '山田', '太郎', 'やまだ', 'たろう', false),
    yamadaHanako: await person(t1.id, o.a, actors.a.staffId, '山田', '花子', 'やまだ', 'はなこ', true),
    yamamotoIchiro: await person(t1.id, o.b, actors.b.staffId, '山本', '一郎', 'やまもと', 'いちろう', true),
    suzukiJiro: await person(t1.id, o.b, actors.b.staffId, '鈴木', '次郎', 'すずき', 'じろう', false),
    otherYamada: await person(t2.id, o.other, actors.other.staffId, '山田', '三郎', 'やまだ', 'さぶろう', true),
  };
  // 3か月ごと from April 2026: monitoring months 6, 9, 12, 3.
  await createPlan(
    db,
    {
      tenantId: t1.id,
      personId: persons.yamadaTaro.id,
      periodStart: '2026-04-01',
      periodEnd: '2027-03-31',
      frequencyMonths: 3,
      certificateEnd: '2027-03-31',
    },
    now,
  );
  return { tenantId: t1.id, otherTenantId: t2.id, offices: o, actors, persons };
}
