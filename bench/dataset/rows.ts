import { addDays, jstInstant } from '../../src/core/calendar/jst';
import { personSearchText } from '../../src/core/kana';
import { caseCode } from '../../src/core/cases/search';
import { CONSULTATION_KINDS, CONTACT_METHODS, MONITORING_KIND } from '../../src/core/vocabulary';
import { copyLine } from './copy';
import { benchId, ID_KIND, type Layout } from './layout';
import { DISABILITY_CATEGORIES, FAMILY_NAMES, GIVEN_NAMES, SUMMARIES, type NamePart } from './names';
import { Prng, WeightedPicker, apportion } from './prng';

/** Family names on a Zipf-like curve; given names evenly. */
const familyPicker = new WeightedPicker(
  FAMILY_NAMES,
  FAMILY_NAMES.map((_, i) => 1 / (i + 3)),
);

export const TENANT_COLUMNS = ['id', 'code', 'name', 'settings'] as const;
export function* tenantRows(layout: Layout): Generator<string> {
  for (let t = 0; t < layout.scale.tenants; t++) {
    const n = String(t + 1).padStart(4, '0');
    yield copyLine([benchId(ID_KIND.tenant, t), `bench-${n}`, `架空市${n}（ベンチマーク）`, '{}']);
  }
}

export const OFFICE_COLUMNS = ['id', 'tenant_id', 'name', 'kind'] as const;
export function* officeRows(layout: Layout): Generator<string> {
  for (let o = 0; o < layout.scale.offices; o++) {
    const t = layout.officeTenant[o] ?? 0;
    const kikan = layout.officeIsKikan[o] === 1;
    const name = kikan ? '基幹相談支援センター' : `架空相談支援事業所${o - (layout.tenantFirstOffice[t] ?? 0)}`;
    const kind = kikan ? 'kikan' : o % 7 === 0 ? 'jido' : o % 11 === 0 ? 'itaku' : 'tokutei';
    yield copyLine([benchId(ID_KIND.office, o), benchId(ID_KIND.tenant, t), name, kind]);
  }
}

function staffRoles(layout: Layout, s: number): string {
  const o = layout.staffOffice[s] ?? 0;
  const first = s === layout.officeFirstStaff[o];
  if (layout.officeIsKikan[o]) return first ? '{kikan,chief,admin}' : '{kikan,chief}';
  if (first) return '{counselor,office_manager}';
  return s % 5 === 0 ? '{counselor,chief}' : '{counselor}';
}

export const STAFF_COLUMNS = ['id', 'tenant_id', 'office_id', 'name', 'kana', 'roles'] as const;
export function* staffRows(layout: Layout, seed: number): Generator<string> {
  const rng = new Prng(seed ^ 0x5a17);
  for (let s = 0; s < layout.scale.staff; s++) {
    const o = layout.staffOffice[s] ?? 0;
    const f = familyPicker.pick(rng);
    const g = rng.pick(GIVEN_NAMES);
    yield copyLine([
      benchId(ID_KIND.staff, s),
      benchId(ID_KIND.tenant, layout.officeTenant[o] ?? 0),
      benchId(ID_KIND.office, o),
      `${f.kanji} ${g.kanji}`,
      `${f.kana} ${g.kana}`,
      staffRoles(layout, s),
    ]);
  }
}

export const COUNTER_COLUMNS = ['tenant_id', 'name', 'value'] as const;
export function* counterRows(layout: Layout): Generator<string> {
  for (let t = 0; t < layout.scale.tenants; t++) yield copyLine([benchId(ID_KIND.tenant, t), 'person', layout.tenantPersons[t] ?? 0]);
}

/** The name of person `p`: the same on every call (the benchmarks search for it again). */
export function personName(seed: number, p: number): { family: NamePart; given: NamePart } {
  const rng = new Prng((seed * 31 + p * 2654435761) >>> 0);
  rng.next();
  return { family: familyPicker.pick(rng), given: rng.pick(GIVEN_NAMES) };
}

export const PERSON_COLUMNS = [
  'id',
  'tenant_id',
  'code',
  'office_id',
  'counselor_id',
  'family_name',
  'given_name',
  'family_kana',
  'given_kana',
  'search_text',
  'birth_date',
  'disability_categories',
  'recipient_number',
  'consent_kikan',
  'consent_recorded_at',
  'created_at',
  'updated_at',
] as const;
export function* personRows(layout: Layout, seed: number, today: string): Generator<string> {
  const rng = new Prng(seed ^ 0x9e37);
  for (let p = 0; p < layout.scale.persons; p++) {
    const { family, given } = personName(seed, p);
    const consent = rng.chance(0.6);
    const created = jstInstant(addDays(today, -rng.range(30, 3650)), 10, 0).toISOString();
    const cat = rng.pick(DISABILITY_CATEGORIES);
    const cats = rng.chance(0.15) ? `{${cat},${rng.pick(DISABILITY_CATEGORIES.filter((c) => c !== cat))}}` : `{${cat}}`;
    yield copyLine([
      benchId(ID_KIND.person, p),
      benchId(ID_KIND.tenant, layout.personTenant[p] ?? 0),
      caseCode(layout.personNumber[p] ?? 0),
      benchId(ID_KIND.office, layout.personOffice[p] ?? 0),
      benchId(ID_KIND.staff, layout.personCounselor[p] ?? 0),
      family.kanji,
      given.kanji,
      family.kana,
      given.kana,
      personSearchText({ familyName: family.kanji, givenName: given.kanji, familyKana: family.kana, givenKana: given.kana }),
      addDays('1940-01-01', rng.int(80 * 365)),
      cats,
      String(1_000_000_000 + p),
      consent,
      consent ? created : null,
      created,
      created,
    ]);
  }
}

const FREQUENCIES = [1, 3, 3, 3, 6, 6, 6, 6, 12, 1] as const;
export const PLAN_COLUMNS = [
  'id',
  'tenant_id',
  'person_id',
  'period_start',
  'period_end',
  'frequency_months',
  'certificate_end',
  'count_from',
  'created_at',
  'updated_at',
] as const;
/** One active plan per person; 支給決定 periods start on the 1st of one of the last 12 months. */
export function* planRows(layout: Layout, seed: number, today: string): Generator<string> {
  const rng = new Prng(seed ^ 0x71a2);
  const thisMonthStart = `${today.slice(0, 8)}01`;
  for (let p = 0; p < layout.scale.persons; p++) {
    const back = rng.int(12);
    const [y, m] = thisMonthStart.split('-').map(Number) as [number, number];
    const idx = y * 12 + (m - 1) - back;
    const start = `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}-01`;
    const endIdx = idx + 12;
    const end = addDays(`${Math.floor(endIdx / 12)}-${String((endIdx % 12) + 1).padStart(2, '0')}-01`, -1);
    const registered = jstInstant(start, 10, 0).toISOString();
    yield copyLine([
      benchId(ID_KIND.plan, p),
      benchId(ID_KIND.tenant, layout.personTenant[p] ?? 0),
      benchId(ID_KIND.person, p),
      start,
      end,
      rng.pick(FREQUENCIES),
      end,
      'same_month',
      registered,
      registered,
    ]);
  }
}

export const CONSULTATION_COLUMNS = [
  'id',
  'tenant_id',
  'office_id',
  'staff_id',
  'person_id',
  'anonymous_label',
  'occurred_on',
  'method',
  'kind',
  'summary',
  'minutes',
  'next_action',
  'next_action_due',
  'created_at',
  'updated_at',
] as const;
const KINDS_WEIGHTED = [...CONSULTATION_KINDS, MONITORING_KIND, MONITORING_KIND, MONITORING_KIND];

/** Ids of the small tables, formatted once: 20 M rows would otherwise format them 20 M times. */
function idCache(kind: number, n: number): string[] {
  return Array.from({ length: n }, (_, i) => benchId(kind, i));
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * Consultations of the past year in time order, as they would have been written: a person's
 * records are spread over the table, not side by side (a lookup reads as many pages as it
 * would in production). Weekends carry a sixth of a weekday's records. The lines are built
 * without the generic escaping: every string here comes from the fixed pools above, which hold
 * no tab, newline or backslash (checked below).
 */
export function* consultationRows(layout: Layout, seed: number, today: string, part = 0, parts = 1): Generator<string> {
  const rng = new Prng((seed ^ 0xc0ffee) + part);
  const tenants = idCache(ID_KIND.tenant, layout.scale.tenants);
  const offices = idCache(ID_KIND.office, layout.scale.offices);
  const staffIds = idCache(ID_KIND.staff, layout.scale.staff);
  const days = Array.from({ length: 365 }, (_, i) => addDays(today, i - 365));
  const dueDays = Array.from({ length: 365 + 31 }, (_, i) => addDays(today, i - 365));
  const weights = days.map((d) => (new Date(`${d}T00:00:00Z`).getUTCDay() % 6 === 0 ? 1 : 6));
  const perDay = apportion(layout.scale.consultations, weights, 0);
  const persons = layout.scale.persons;
  let id = 0;
  for (let di = 0; di < days.length; di++) {
    const day = days[di] ?? today;
    const compact = day.replaceAll('-', '');
    const n = perDay[di] ?? 0;
    for (let k = 0; k < n; k++, id++) {
      if (id % parts !== part) continue;
      let office: number;
      let staffIdx: number;
      let personCell: string;
      let labelCell: string;
      if (rng.next() < 0.03) {
        office = layout.counselingOffices[rng.int(layout.counselingOffices.length)] ?? 0;
        staffIdx = (layout.officeFirstStaff[office] ?? 0) + rng.int(layout.officeStaffCount[office] ?? 1);
        personCell = '\\N';
        labelCell = `匿名-${compact}-${k + 1}`;
      } else {
        const person = rng.int(persons);
        office = layout.personOffice[person] ?? 0;
        staffIdx = layout.personCounselor[person] ?? 0;
        personCell = benchId(ID_KIND.person, person);
        labelCell = '\\N';
      }
      // Between 09:00 and 18:00 JST, written as a JST timestamp.
      const secs = rng.int(9 * 3600);
      const created = `${day} ${pad2(9 + Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}+09`;
      const next = rng.next() < 0.2;
      const nextCells = next ? `次回訪問で状況を再確認する\t${dueDays[di + rng.range(7, 30)]}` : '\\N\t\\N';
      yield `${benchId(ID_KIND.consultation, id)}\t${tenants[layout.officeTenant[office] ?? 0]}\t${offices[office]}\t${staffIds[staffIdx]}\t${personCell}\t${labelCell}\t${day}\t${rng.pick(CONTACT_METHODS)}\t${rng.pick(KINDS_WEIGHTED)}\t${rng.pick(SUMMARIES)}\t${rng.range(1, 12) * 10}\t${nextCells}\t${created}\t${created}\n`;
    }
  }
}

for (const s of [...SUMMARIES, ...CONSULTATION_KINDS, ...CONTACT_METHODS]) {
  if (/[\\\t\n\r]/.test(s)) throw new Error('a pool string needs COPY escaping');
}
