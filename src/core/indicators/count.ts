import { and, count, countDistinct, eq, gte, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { councilBodies, meetingAttendees, meetings, offices, secondaryConsultations, staff } from '../../../db/schema/index';
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

export interface IndicatorValue {
  key: IndicatorKey;
  value: number;
  target: number;
  /** For per-office targets: how many counselor offices reached it, of how many. */
  offices?: { reached: number; total: number };
  met: boolean;
}

const COUNSELOR_OFFICE_KINDS = ['tokutei', 'jido', 'itaku'];
const COUNCIL_KINDS = ['unei', 'teireikai', 'bukai', 'zentai'];

/** Fiscal year N runs from 1 April N to 31 March N+1, Japan time. */
export function fiscalYearRange(fy: number): { from: Date; to: Date } {
  return { from: jstInstant(`${fy}-04-01`, 0, 0), to: jstInstant(`${fy + 1}-04-01`, 0, 0) };
}

/**
 * Counts every indicator for one tenant and fiscal year, up to `now` (a meeting is counted once
 * it has been held). Aggregates only: no row identifies a person.
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
    and(eq(meetings.tenantId, tenantId), inArray(meetings.kind, kinds), gte(meetings.startsAt, from), lt(meetings.startsAt, until), isNull(meetings.cancelledAt));
  const heldCount = async (kinds: string[]) => Number((await db.select({ n: count() }).from(meetings).where(held(kinds)))[0]?.n ?? 0);

  // 指導・助言: each 二次相談 the 基幹 brought to a close is guidance given to the requesting office.
  const guidance = await db
    .select({ office: secondaryConsultations.requesterOfficeId, n: count() })
    .from(secondaryConsultations)
    .where(and(eq(secondaryConsultations.tenantId, tenantId), eq(secondaryConsultations.status, 'closed'), gte(secondaryConsultations.closedAt, from), lt(secondaryConsultations.closedAt, until)))
    .groupBy(secondaryConsultations.requesterOfficeId);
  const counselorOffices = await db
    .select({ id: offices.id })
    .from(offices)
    .where(and(eq(offices.tenantId, tenantId), eq(offices.active, true), inArray(offices.kind, COUNSELOR_OFFICE_KINDS as never[])));
  const officeIds = new Set(counselorOffices.map((o) => o.id));
  const guidanceTotal = guidance.reduce((s, g) => s + Number(g.n), 0);
  const reached = guidance.filter((g) => officeIds.has(g.office) && Number(g.n) >= (targets.kikanGuidance ?? 1)).length;

  const chiefs = Number(
    (await db.select({ n: count() }).from(staff).where(and(eq(staff.tenantId, tenantId), eq(staff.active, true), sql`'chief' = any(${staff.roles})`)))[0]?.n ?? 0,
  );

  // Case reviews "with the offices taking part": at least one attendee from a counselor office.
  const councilReviews = Number(
    (
      await db
        .select({ n: countDistinct(meetings.id) })
        .from(meetings)
        .innerJoin(meetingAttendees, eq(meetingAttendees.meetingId, meetings.id))
        .innerJoin(staff, eq(staff.id, meetingAttendees.staffId))
        .innerJoin(offices, eq(offices.id, staff.officeId))
        .where(and(held(['jirei']), inArray(offices.kind, COUNSELOR_OFFICE_KINDS as never[])))
    )[0]?.n ?? 0,
  );
  const participants = Number(
    (
      await db
        .select({ n: countDistinct(staff.officeId) })
        .from(meetings)
        .innerJoin(meetingAttendees, eq(meetingAttendees.meetingId, meetings.id))
        .innerJoin(staff, eq(staff.id, meetingAttendees.staffId))
        .where(held(COUNCIL_KINDS))
    )[0]?.n ?? 0,
  );
  const bukaiEstablished = Number(
    (await db.select({ n: count() }).from(councilBodies).where(and(eq(councilBodies.tenantId, tenantId), eq(councilBodies.kind, 'bukai'))))[0]?.n ?? 0,
  );

  const values: Record<IndicatorKey, number> = {
    kikanGuidance: guidanceTotal,
    kikanTraining: await heldCount(['renrakukai']),
    kikanCooperation: await heldCount(['kobetsu', 'jusoteki']),
    kikanCaseReview: await heldCount(['jirei']),
    chiefCounselors: chiefs,
    councilCaseReview: councilReviews,
    councilParticipants: participants,
    bukaiEstablished,
    bukaiHeld: await heldCount(['bukai']),
  };
  return INDICATORS.map((ind) => {
    const target = targets[ind.key] ?? ind.target;
    const value = values[ind.key];
    if ('perOffice' in ind && ind.perOffice) {
      const total = officeIds.size;
      return { key: ind.key, value, target, offices: { reached, total }, met: total > 0 && reached >= total };
    }
    return { key: ind.key, value, target, met: value >= target };
  });
}
