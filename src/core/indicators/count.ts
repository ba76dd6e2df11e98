import { and, count, countDistinct, eq, gte, inArray, isNull, lt, sql, type AnyColumn } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { councilBodies, meetingAttendees, meetings, offices, secondaryConsultations, staff, tenants } from '../../../db/schema/index';
import { jstInstant } from '../calendar/jst';

/**
 * Activity indicators (活動指標) a municipality reports to its 障害福祉計画 (seed 003, 平塚市),
 * counted from what the bot already records. Each has a default target from that plan; a tenant
 * overrides them in `tenants.settings.indicatorTargets`.
 */
export const INDICATORS = [
  { key: 'kikanGuidance', group: '基幹相談支援センター', label: '事業所への専門的な指導・助言', unit: '件', target: 1, perOffice: true },
  { key: 'kikanTraining', group: '基幹相談支援センター', label: '事業所の人材育成の支援', unit: '件', target: 1 },
  { key: 'kikanCooperation', group: '基幹相談支援センター', label: '相談機関との連携強化の取組', unit: '回', target: 1 },
  { key: 'kikanCaseReview', group: '基幹相談支援センター', label: '個別事例の支援内容の検証', unit: '回', target: 24 },
  { key: 'chiefCounselors', group: '基幹相談支援センター', label: '主任相談支援専門員の配置数', unit: '人', target: 3 },
  { key: 'councilCaseReview', group: '協議会', label: '相談支援事業所の参画による事例検討', unit: '回', target: 3 },
  { key: 'councilParticipants', group: '協議会', label: '参加事業者・機関数', unit: '機関', target: 18 },
  { key: 'bukaiEstablished', group: '協議会', label: '専門部会の設置数', unit: '部会', target: 4 },
  { key: 'bukaiHeld', group: '協議会', label: '専門部会の実施回数', unit: '回', target: 39 },
] as const;

export type IndicatorKey = (typeof INDICATORS)[number]['key'];

/** Who may see the indicators (aggregates): the 基幹, the secretariat, city hall, admins, chiefs. */
export const INDICATOR_ROLES = ['kikan', 'secretariat', 'gyosei', 'admin', 'chief'] as const;

/** The tenant's own targets (`tenants.settings.indicatorTargets`), over the plan's defaults. */
export async function indicatorTargetsOf(db: DbOrTx, tenantId: string): Promise<Partial<Record<IndicatorKey, number>>> {
  const [tenant] = await db.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId));
  return (tenant?.settings.indicatorTargets ?? {}) as Partial<Record<IndicatorKey, number>>;
}

export interface IndicatorValue {
  key: IndicatorKey;
  value: number;
  target: number;
  /** For per-office targets: how many counselor offices reached it, of how many. */
  offices?: { reached: number; total: number };
  met: boolean;
  /**
   * What happened in each month of the fiscal year, April first (12 numbers; months after "now"
   * are 0): events held, guidance closed, offices taking part for the first time. Adds up to
   * `value`. Null for headcounts that are a state, not events (主任相談支援専門員, 部会の設置数).
   */
  monthly: number[] | null;
}

const COUNSELOR_OFFICE_KINDS = ['tokutei', 'jido', 'itaku'];
const COUNCIL_KINDS = ['unei', 'teireikai', 'bukai', 'zentai'];

/** Fiscal year N runs from 1 April N to 31 March N+1, Japan time. */
export function fiscalYearRange(fy: number): { from: Date; to: Date } {
  return { from: jstInstant(`${fy}-04-01`, 0, 0), to: jstInstant(`${fy + 1}-04-01`, 0, 0) };
}

/** 4月 … 3月: the months of a fiscal year, as `YYYY-MM`. */
export function fiscalMonths(fy: number): string[] {
  return Array.from({ length: 12 }, (_, i) =>
    i < 9 ? `${fy}-${String(i + 4).padStart(2, '0')}` : `${fy + 1}-${String(i - 8).padStart(2, '0')}`,
  );
}

/** The Japan-time month of an instant column, as `YYYY-MM`, in SQL. */
const jstMonth = (col: AnyColumn) => sql<string>`to_char(${col} at time zone 'Asia/Tokyo', 'YYYY-MM')`;

function series(fy: number, rows: { month: string; n: number | string }[]): number[] {
  const months = fiscalMonths(fy);
  const out = months.map(() => 0);
  for (const r of rows) {
    const i = months.indexOf(r.month);
    if (i >= 0) out[i] = (out[i] ?? 0) + Number(r.n);
  }
  return out;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * Counts every indicator for one tenant and fiscal year, up to `now` (a meeting is counted once
 * it has been held), with the month each count fell in. Aggregates only: no row identifies a
 * person.
 */
export async function countIndicators(
  db: DbOrTx,
  tenantId: string,
  fy: number,
  now: Date,
  targets: Partial<Record<IndicatorKey, number>> = {},
): Promise<IndicatorValue[]> {
  const { from, to } = fiscalYearRange(fy);
  const until = now < to ? now : to;
  const held = (kinds: string[]) =>
    and(
      eq(meetings.tenantId, tenantId),
      inArray(meetings.kind, kinds),
      gte(meetings.startsAt, from),
      lt(meetings.startsAt, until),
      isNull(meetings.cancelledAt),
    );
  const heldByMonth = async (kinds: string[]) =>
    series(
      fy,
      await db
        .select({ month: jstMonth(meetings.startsAt), n: count() })
        .from(meetings)
        .where(held(kinds))
        .groupBy(jstMonth(meetings.startsAt)),
    );

  // 指導・助言: each 二次相談 the 基幹 brought to a close is guidance given to the requesting office.
  const closedIn = and(
    eq(secondaryConsultations.tenantId, tenantId),
    eq(secondaryConsultations.status, 'closed'),
    gte(secondaryConsultations.closedAt, from),
    lt(secondaryConsultations.closedAt, until),
  );
  const guidance = await db
    .select({ office: secondaryConsultations.requesterOfficeId, n: count() })
    .from(secondaryConsultations)
    .where(closedIn)
    .groupBy(secondaryConsultations.requesterOfficeId);
  const guidanceMonthly = series(
    fy,
    await db
      .select({ month: jstMonth(secondaryConsultations.closedAt), n: count() })
      .from(secondaryConsultations)
      .where(closedIn)
      .groupBy(jstMonth(secondaryConsultations.closedAt)),
  );
  const counselorOffices = await db
    .select({ id: offices.id })
    .from(offices)
    .where(and(eq(offices.tenantId, tenantId), eq(offices.active, true), inArray(offices.kind, COUNSELOR_OFFICE_KINDS as never[])));
  const officeIds = new Set(counselorOffices.map((o) => o.id));
  const reached = guidance.filter((g) => officeIds.has(g.office) && Number(g.n) >= (targets.kikanGuidance ?? 1)).length;

  const chiefs = Number(
    (
      await db
        .select({ n: count() })
        .from(staff)
        .where(and(eq(staff.tenantId, tenantId), eq(staff.active, true), sql`'chief' = any(${staff.roles})`))
    )[0]?.n ?? 0,
  );

  // Case reviews "with the offices taking part": at least one attendee from a counselor office.
  const councilReviews = series(
    fy,
    await db
      .select({ month: jstMonth(meetings.startsAt), n: countDistinct(meetings.id) })
      .from(meetings)
      .innerJoin(meetingAttendees, eq(meetingAttendees.meetingId, meetings.id))
      .innerJoin(staff, eq(staff.id, meetingAttendees.staffId))
      .innerJoin(offices, eq(offices.id, staff.officeId))
      .where(and(held(['jirei']), inArray(offices.kind, COUNSELOR_OFFICE_KINDS as never[])))
      .groupBy(jstMonth(meetings.startsAt)),
  );
  // Offices taking part: each counted once, in the month it first attended.
  const firstAttended = db
    .select({ office: staff.officeId, first: sql<Date>`min(${meetings.startsAt})`.as('first') })
    .from(meetings)
    .innerJoin(meetingAttendees, eq(meetingAttendees.meetingId, meetings.id))
    .innerJoin(staff, eq(staff.id, meetingAttendees.staffId))
    .where(held(COUNCIL_KINDS))
    .groupBy(staff.officeId)
    .as('first_attended');
  const participants = series(
    fy,
    await db
      .select({ month: sql<string>`to_char(${firstAttended.first} at time zone 'Asia/Tokyo', 'YYYY-MM')`, n: count() })
      .from(firstAttended)
      .groupBy(sql`1`),
  );
  const bukaiEstablished = Number(
    (
      await db
        .select({ n: count() })
        .from(councilBodies)
        .where(and(eq(councilBodies.tenantId, tenantId), eq(councilBodies.kind, 'bukai')))
    )[0]?.n ?? 0,
  );

  const monthly: Record<IndicatorKey, number[] | null> = {
    kikanGuidance: guidanceMonthly,
    kikanTraining: await heldByMonth(['renrakukai']),
    kikanCooperation: await heldByMonth(['kobetsu', 'jusoteki']),
    kikanCaseReview: await heldByMonth(['jirei']),
    chiefCounselors: null,
    councilCaseReview: councilReviews,
    councilParticipants: participants,
    bukaiEstablished: null,
    bukaiHeld: await heldByMonth(['bukai']),
  };
  const states: Partial<Record<IndicatorKey, number>> = { chiefCounselors: chiefs, bukaiEstablished };
  return INDICATORS.map((ind) => {
    const target = targets[ind.key] ?? ind.target;
    const m = monthly[ind.key];
    const value = m ? sum(m) : (states[ind.key] ?? 0);
    if ('perOffice' in ind && ind.perOffice) {
      const total = officeIds.size;
      return { key: ind.key, value, target, offices: { reached, total }, met: total > 0 && reached >= total, monthly: m };
    }
    return { key: ind.key, value, target, met: value >= target, monthly: m };
  });
}
