import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { consultations, councilBodies, offices, staff, tenants } from '../../db/schema/index';
import { addDays, addMonths, firstDayOfMonth, jstToday, lastDayOfMonth, monthOf } from '../core/calendar/jst';
import { createPerson, createPlan } from '../core/cases/create';
import { planMonitoringMonths } from '../core/monitoring/plan-row';
import { CONSULTATION_KINDS, MONITORING_KIND } from '../core/vocabulary';

/**
 * A clearly fictional municipality for trying the bot: 「みどり市（デモ）」. Every name is
 * invented; the tenant code starts with `demo-` so that exports and reports can tell it apart.
 */
const DEMO_TENANT_CODE = 'demo-midori';

const OFFICES = [
  { key: 'kikan', name: 'みどり市基幹相談支援センター', kind: 'kikan' },
  { key: 'aozora', name: '相談支援事業所あおぞら', kind: 'tokutei' },
  { key: 'komorebi', name: '相談支援事業所こもれび', kind: 'tokutei' },
  { key: 'city', name: 'みどり市障害福祉課', kind: 'gyosei' },
] as const;

const STAFF = [
  { office: 'aozora', name: '青木 さくら', kana: 'あおき さくら', roles: ['counselor'] },
  { office: 'aozora', name: '石田 ひろし', kana: 'いしだ ひろし', roles: ['counselor', 'chief', 'office_manager'] },
  { office: 'komorebi', name: '上田 みのり', kana: 'うえだ みのり', roles: ['counselor', 'office_manager'] },
  { office: 'kikan', name: '江藤 まこと', kana: 'えとう まこと', roles: ['kikan', 'chief'] },
  { office: 'kikan', name: '大野 あかね', kana: 'おおの あかね', roles: ['kikan', 'office_manager'] },
  { office: 'city', name: '小川 ゆい', kana: 'おがわ ゆい', roles: ['gyosei', 'secretariat', 'abuse_contact'] },
  { office: 'city', name: '管理 担当', kana: 'かんり たんとう', roles: ['admin'] },
] as const;

const PERSONS = [
  {
    office: 'aozora',
    counselor: 0,
    f: '山田',
    g: '太郎',
    fk: 'やまだ',
    gk: 'たろう',
    birth: '1984-06-12',
    cat: ['知的'],
    consent: true,
    freq: 3,
  },
  {
    office: 'aozora',
    counselor: 0,
    f: '山田',
    g: '花子',
    fk: 'やまだ',
    gk: 'はなこ',
    birth: '1990-02-03',
    cat: ['精神'],
    consent: false,
    freq: 1,
  },
  {
    office: 'aozora',
    counselor: 1,
    f: '佐藤',
    g: '健一',
    fk: 'さとう',
    gk: 'けんいち',
    birth: '1972-11-30',
    cat: ['身体'],
    consent: true,
    freq: 6,
  },
  {
    office: 'aozora',
    counselor: 0,
    f: '鈴木',
    g: '美咲',
    fk: 'すずき',
    gk: 'みさき',
    birth: '2011-08-21',
    cat: ['発達', '児童'],
    consent: false,
    freq: 3,
  },
  {
    office: 'aozora',
    counselor: 1,
    f: '高橋',
    g: '翔太',
    fk: 'たかはし',
    gk: 'しょうた',
    birth: '1999-04-02',
    cat: ['知的'],
    consent: true,
    freq: 3,
  },
  {
    office: 'komorebi',
    counselor: 2,
    f: '田中',
    g: '一郎',
    fk: 'たなか',
    gk: 'いちろう',
    birth: '1965-01-15',
    cat: ['精神'],
    consent: false,
    freq: 3,
  },
  {
    office: 'komorebi',
    counselor: 2,
    f: '伊藤',
    g: 'さやか',
    fk: 'いとう',
    gk: 'さやか',
    birth: '1995-09-09',
    cat: ['身体', '難病'],
    consent: true,
    freq: 6,
  },
  {
    office: 'komorebi',
    counselor: 2,
    f: '渡辺',
    g: '大輔',
    fk: 'わたなべ',
    gk: 'だいすけ',
    birth: '1980-12-24',
    cat: ['知的'],
    consent: false,
    freq: 1,
  },
] as const;

const SUMMARIES = [
  '自宅を訪問し、日中活動の様子と体調を確認した。本人から通所先での人間関係の相談あり。',
  '家族から電話。週末の過ごし方について相談。短期入所の空き状況を確認することとした。',
  'サービス等利用計画の見直しに向けて、本人の希望（一人暮らしの練習）を聞き取った。',
  '通所先のサービス管理責任者と情報共有。作業時間を段階的に延ばす方針で一致。',
  '受給者証の更新手続きについて説明し、必要書類を一緒に確認した。',
];

const OTHER_KINDS = CONSULTATION_KINDS.filter((k) => k !== MONITORING_KIND);

async function hasAnyTenant(db: DbOrTx): Promise<boolean> {
  const rows = await db.select({ id: tenants.id }).from(tenants).limit(1);
  return rows.length > 0;
}

/** Loads the demo tenant into an empty database; does nothing when any tenant exists. */
export async function seedDemo(db: Db, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Two instances starting at once on an empty database: only one seeds.
    await tx.execute(sql`select pg_advisory_xact_lock(7140512002)`);
    if (await hasAnyTenant(tx)) return false;
    const [tenant] = await tx
      .insert(tenants)
      .values({ code: DEMO_TENANT_CODE, name: 'みどり市（デモ）', settings: { renewalLeadDays: [60, 30], retentionYears: 5 } })
      .returning({ id: tenants.id });
    if (!tenant) throw new Error('tenant insert failed');
    const officeIds: Record<string, string> = {};
    for (const o of OFFICES) {
      const [row] = await tx.insert(offices).values({ tenantId: tenant.id, name: o.name, kind: o.kind }).returning({ id: offices.id });
      if (row) officeIds[o.key] = row.id;
    }
    const staffIds: string[] = [];
    for (const s of STAFF) {
      const [row] = await tx
        .insert(staff)
        .values({ tenantId: tenant.id, officeId: officeIds[s.office] ?? '', name: s.name, kana: s.kana, roles: [...s.roles] })
        .returning({ id: staff.id });
      if (row) staffIds.push(row.id);
    }
    for (const [kind, name] of [
      ['unei', '運営会議'],
      ['teireikai', '定例会'],
      ['zentai', '全体会'],
      ['jimukyoku', '事務局会議'],
      ['bukai', '就労支援部会'],
      ['bukai', '権利擁護部会'],
      ['bukai', '地域移行部会'],
      ['bukai', 'こども部会'],
    ] as const) {
      await tx.insert(councilBodies).values({ tenantId: tenant.id, kind, name });
    }

    const today = jstToday(now);
    const thisMonth = monthOf(today);
    for (const [i, p] of PERSONS.entries()) {
      const counselorId = staffIds[p.counselor] ?? null;
      const person = await createPerson(
        tx,
        {
          tenantId: tenant.id,
          officeId: officeIds[p.office] ?? '',
          counselorId,
          familyName: p.f,
          givenName: p.g,
          familyKana: p.fk,
          givenKana: p.gk,
          birthDate: p.birth,
          disabilityCategories: [...p.cat],
          consentKikan: p.consent,
        },
        now,
      );
      // Periods started a few months ago, so that the cards show done, due and overdue months.
      const periodStart = firstDayOfMonth(addMonths(thisMonth, -((i % 4) + 2)));
      const periodEnd = lastDayOfMonth(addMonths(monthOf(periodStart), 11));
      const certificateEnd = i === 2 ? addDays(today, 40) : periodEnd;
      const plan = { periodStart, periodEnd, frequencyMonths: p.freq, standardMonths: null, segments: [], countFrom: 'same_month' };
      await createPlan(
        tx,
        { tenantId: tenant.id, personId: person.id, periodStart, periodEnd, frequencyMonths: p.freq, certificateEnd },
        now,
      );
      const monitoringMonths = planMonitoringMonths(plan).filter((m) => m < thisMonth);
      for (const [j, m] of monitoringMonths.entries()) {
        if (i === 1 && j === monitoringMonths.length - 1) continue; // one overdue month to show
        await tx.insert(consultations).values({
          tenantId: tenant.id,
          officeId: officeIds[p.office] ?? '',
          staffId: counselorId ?? staffIds[0] ?? '',
          personId: person.id,
          occurredOn: `${m}-${String(10 + (j % 10)).padStart(2, '0')}`,
          method: '訪問',
          kind: MONITORING_KIND,
          summary: SUMMARIES[(i + j) % SUMMARIES.length] ?? '',
          minutes: 60,
          createdAt: now,
          updatedAt: now,
        });
      }
      for (let k = 0; k < 3; k++) {
        await tx.insert(consultations).values({
          tenantId: tenant.id,
          officeId: officeIds[p.office] ?? '',
          staffId: counselorId ?? staffIds[0] ?? '',
          personId: person.id,
          occurredOn: addDays(today, -(7 + 17 * k + i)),
          method: k === 1 ? '電話' : '来所',
          kind: OTHER_KINDS[(i + k) % OTHER_KINDS.length] ?? '福祉サービスの利用援助',
          summary: SUMMARIES[(i + k + 2) % SUMMARIES.length] ?? '',
          minutes: 30,
          nextAction: k === 0 ? '通所先と日程調整' : null,
          nextActionDue: k === 0 ? addDays(today, 5) : null,
          createdAt: now,
          updatedAt: now,
        });
      }
    }
    return true;
  });
}
