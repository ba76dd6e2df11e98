import type postgres from 'postgres';
import type { Actor, Role } from '../../src/chat/types';
import { toKatakana } from '../../src/core/kana';
import type { Prng } from '../dataset/prng';

export interface Asker {
  actor: Actor;
  person: { id: string; code: string; familyName: string; givenName: string; familyKana: string; givenKana: string };
}

interface Row {
  staff_id: string;
  tenant_id: string;
  office_id: string;
  office_kind: string;
  name: string;
  roles: string[];
  person_id: string;
  code: string;
  family_name: string;
  given_name: string;
  family_kana: string;
  given_kana: string;
}

/**
 * Counselors paired with a person of their own office (whom they would look up), and one in ten
 * pairs a 基幹 worker with a consenting person of the same town, as the access rules allow.
 */
export async function sampleAskers(sql: postgres.Sql, n: number): Promise<Asker[]> {
  const [{ total } = { total: 0 }] = await sql<
    { total: number }[]
  >`select greatest(reltuples, 1)::float8 as total from pg_class where relname = 'persons'`;
  const percent = Math.min(100, Math.max(0.001, ((n * 2) / total) * 100));
  // BERNOULLI (row by row), not SYSTEM (whole pages): persons of one town share pages, and a
  // page sample would put every asker in a handful of towns.
  const rows = await sql<Row[]>`
    with p as (select * from persons tablesample bernoulli (${percent}) repeatable (42) where deleted_at is null order by random() limit ${n})
    select s.id as staff_id, s.tenant_id, s.office_id, o.kind as office_kind, s.name, s.roles,
           p.id as person_id, p.code, p.family_name, p.given_name, p.family_kana, p.given_kana, p.consent_kikan
    from p
    join lateral (
      select st.* from staff st join offices ko on ko.id = st.office_id
      where st.tenant_id = p.tenant_id and ko.kind = 'kikan' and p.consent_kikan and (hashtext(p.id::text) % 10) = 0
      union all
      select st.* from staff st where st.id = p.counselor_id
      limit 1
    ) s on true
    join offices o on o.id = s.office_id`;
  return rows.map((r) => ({
    actor: {
      tenantId: r.tenant_id,
      staffId: r.staff_id,
      officeId: r.office_id,
      officeKind: r.office_kind,
      name: r.name,
      roles: r.roles as Role[],
      platform: 'local',
      platformUserId: r.staff_id,
    },
    person: {
      id: r.person_id,
      code: r.code,
      familyName: r.family_name,
      givenName: r.given_name,
      familyKana: r.family_kana,
      givenKana: r.given_kana,
    },
  }));
}

/** What a counselor types to find a person, by kind of query. */
export const QUERY_KINDS = {
  'case code (C-0123)': (p: Asker['person']) => p.code,
  'family name, kanji (山田)': (p: Asker['person']) => p.familyName,
  'partial name, kanji (山田太)': (p: Asker['person']) => p.familyName + p.givenName.slice(0, 1),
  'family name, kana (やまだ)': (p: Asker['person']) => p.familyKana,
  'full name, katakana (ヤマダタロウ)': (p: Asker['person']) => toKatakana(p.familyKana + p.givenKana),
  'part of given name, kana (たろ)': (p: Asker['person']) => p.givenKana.slice(0, 2),
} as const;
export type QueryKind = keyof typeof QUERY_KINDS;

export function randomQuery(rng: Prng, asker: Asker): string {
  const kinds = Object.values(QUERY_KINDS);
  return (kinds[rng.int(kinds.length)] ?? QUERY_KINDS['case code (C-0123)'])(asker.person);
}
