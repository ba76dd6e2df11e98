import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../../db/client';
import { consultations, persons, recordVersions, servicePlans, tenants, type PlanSegment } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { authorize, decide, personFacts } from '../access';
import { writeAudit } from '../audit/write';
import { addMonths, isIsoDate, isIsoMonth, jstToday, type IsoMonth } from '../calendar/jst';
import { replanPerson } from '../decisions/replan';
import { UserError } from '../errors';
import { MONITORING_FREQUENCIES, planMonitoring, previewChange, type ChangePreview, type MonitoringFrequency } from '../monitoring/months';
import { scheduleOfPlan, tenantCountFrom } from '../monitoring/plan-row';
import { MONITORING_KIND } from '../vocabulary';

export interface PlanPatch {
  periodStart?: string;
  periodEnd?: string;
  certificateEnd?: string | null;
  countFrom?: 'same_month' | 'next_month';
  /** 受給者証番号, services granted and the notice date of the decision (from chat). */
  recipientNumber?: string | null;
  serviceKinds?: string[];
  noticeDate?: string | null;
  /**
   * A change of monitoring frequency decided by the municipality, from a month on: appended as
   * a segment, so the months already done stay (the monitoring calendar reads segments).
   */
  frequencyChange?: PlanSegment;
}

const NOT_FOUND = '指定された計画が見つかりません。';

function check(patch: PlanPatch): void {
  const errors: Record<string, string> = {};
  for (const k of ['periodStart', 'periodEnd'] as const)
    if (patch[k] !== undefined && !isIsoDate(patch[k])) errors[k] = '日付を確認してください。';
  if (patch.certificateEnd != null && !isIsoDate(patch.certificateEnd)) errors.certificateEnd = '日付を確認してください。';
  if (patch.noticeDate != null && !isIsoDate(patch.noticeDate)) errors.noticeDate = '日付を確認してください。';
  const fc = patch.frequencyChange;
  if (fc) {
    const freqOk = fc.frequencyMonths === undefined || MONITORING_FREQUENCIES.includes(fc.frequencyMonths as MonitoringFrequency);
    const monthsOk =
      fc.standardMonths === undefined ||
      (fc.standardMonths.length > 0 && fc.standardMonths.every((m) => Number.isInteger(m) && m >= 1 && m <= 12));
    if (!isIsoMonth(fc.from) || !freqOk || !monthsOk || (fc.frequencyMonths === undefined) === (fc.standardMonths === undefined)) {
      errors.frequencyChange = '変更後の頻度（1・2・3・6・12か月ごと、または実施標準月）と適用開始月を確認してください。';
    }
  }
  const first = Object.values(errors)[0];
  if (first)
    throw new UserError(
      'invalid_form',
      `入力内容を確認してください。${first}`,
      `invalid plan edit: ${Object.keys(errors).join(',')}`,
      errors,
    );
}

async function lockPlan(tx: Tx, actor: Actor, planId: string, action: 'update' | 'delete') {
  const [row] = await tx
    .select()
    .from(servicePlans)
    .where(and(eq(servicePlans.id, planId), eq(servicePlans.tenantId, actor.tenantId)))
    .for('update');
  const [person] = row ? await tx.select().from(persons).where(eq(persons.id, row.personId)) : [];
  if (!row || !person || !decide(actor, 'person', 'view', personFacts(actor, person)))
    throw new UserError('unknown_plan', NOT_FOUND, 'plan not found or not visible');
  authorize(actor, 'person', action, personFacts(actor, person), action === 'update' ? '計画の変更' : '計画の削除');
  return row;
}

async function keepVersion(tx: Tx, actor: Actor, row: typeof servicePlans.$inferSelect, reason: string | null, now: Date): Promise<void> {
  await tx.insert(recordVersions).values({
    tenantId: actor.tenantId,
    resourceType: 'plan',
    resourceId: row.id,
    version: row.version,
    data: row,
    changedBy: actor.staffId,
    reason,
    changedAt: now,
  });
}

/** The months a person's monitoring was recorded in (not off-month, not deleted). */
export async function doneMonthsOf(tx: Tx | Db, tenantId: string, personId: string): Promise<IsoMonth[]> {
  const rows = await tx
    .selectDistinct({ month: sql<string>`to_char(${consultations.occurredOn}, 'YYYY-MM')` })
    .from(consultations)
    .where(
      and(
        eq(consultations.tenantId, tenantId),
        eq(consultations.personId, personId),
        eq(consultations.kind, MONITORING_KIND),
        isNull(consultations.deletedAt),
        eq(consultations.offMonth, false),
      ),
    );
  return rows.map((r) => r.month);
}

export interface PlanEdit {
  version: number;
  changed: string[];
  /** The monitoring months before and after, by the one rule (previewChange for a change of frequency). */
  before: IsoMonth[];
  after: IsoMonth[];
  pastUnrecorded: IsoMonth[];
}

type PlanRowFull = typeof servicePlans.$inferSelect;

/**
 * What an edit does to the monitoring months, before it is saved: the chat's preview and the
 * save both call this, so the months shown are the months stored. A change of frequency goes
 * through previewChange (months done stay; months it makes overdue at once are named).
 */
export function previewPlanEdit(
  row: PlanRowFull,
  patch: PlanPatch,
  opts: { tenantSettings: Record<string, unknown> | null | undefined; today: string; doneMonths: readonly IsoMonth[] },
): Omit<PlanEdit, 'version' | 'changed'> {
  const tenantDefault = tenantCountFrom(opts.tenantSettings);
  const before = planMonitoring(scheduleOfPlan(row, tenantDefault), { doneMonths: opts.doneMonths }).months;
  const edited = {
    ...row,
    periodStart: patch.periodStart ?? row.periodStart,
    periodEnd: patch.periodEnd ?? row.periodEnd,
    countFrom: patch.countFrom ?? row.countFrom,
  };
  const history = scheduleOfPlan(edited, tenantDefault);
  const fc = patch.frequencyChange;
  let preview: Pick<ChangePreview, 'after' | 'pastUnrecorded'>;
  if (fc) {
    const { frequencyMonths, standardMonths } = fc;
    const p = previewChange(
      history,
      {
        decidedIn: addMonths(fc.from, -1),
        effectiveFrom: fc.from,
        frequencyMonths: frequencyMonths as MonitoringFrequency | undefined,
        standardMonths,
      },
      { today: opts.today, doneMonths: opts.doneMonths },
    );
    preview = { after: p.after, pastUnrecorded: p.pastUnrecorded };
  } else {
    const cal = planMonitoring(history, { today: opts.today, doneMonths: opts.doneMonths });
    preview = { after: cal.months, pastUnrecorded: cal.warnings.filter((w) => w.kind === 'past_month_created').map((w) => w.month) };
  }
  return { before, ...preview };
}

/** Edits a plan, keeping the earlier version; a frequency change appends a segment. Audited. */
export async function editPlan(
  db: Db,
  actor: Actor,
  planId: string,
  patch: PlanPatch,
  reason: string | null,
  now: Date,
): Promise<PlanEdit> {
  check(patch);
  return db.transaction((tx) => editPlanIn(tx, actor, planId, patch, reason, now));
}

/**
 * editPlan inside the caller's transaction. The person's planned reminders are recomputed in it,
 * so that the case card and 予定 show the new months at once.
 */
export async function editPlanIn(
  tx: Tx,
  actor: Actor,
  planId: string,
  patch: PlanPatch,
  reason: string | null,
  now: Date,
): Promise<PlanEdit> {
  check(patch);
  const row = await lockPlan(tx, actor, planId, 'update');
  const set: Partial<typeof servicePlans.$inferInsert> = {};
  const changed: string[] = [];
  for (const k of ['periodStart', 'periodEnd', 'certificateEnd', 'countFrom', 'recipientNumber', 'noticeDate'] as const) {
    if (patch[k] !== undefined && patch[k] !== row[k]) {
      Object.assign(set, { [k]: patch[k] });
      changed.push(k);
    }
  }
  if (patch.serviceKinds !== undefined && JSON.stringify(patch.serviceKinds) !== JSON.stringify(row.serviceKinds)) {
    set.serviceKinds = patch.serviceKinds;
    changed.push('serviceKinds');
  }
  if (patch.frequencyChange) {
    const fc = patch.frequencyChange;
    const last = row.segments.at(-1)?.from ?? row.periodStart.slice(0, 7);
    if (fc.from < last)
      throw new UserError('segment_order', `頻度の変更は${last}以降の月から指定してください。`, 'segment before the last one');
    // A second change from the same month replaces that change (it was not yet in force).
    set.segments = [...row.segments.filter((s) => s.from !== fc.from), fc];
    changed.push('segments');
  }
  const periodStart = set.periodStart ?? row.periodStart;
  const periodEnd = set.periodEnd ?? row.periodEnd;
  if (periodStart > periodEnd) throw new UserError('bad_period', '計画の開始日が終了日より後になっています。', 'period reversed');
  if (changed.length === 0) throw new UserError('no_change', '変更された項目がありません。', 'plan edit without change');
  const [tenant] = await tx.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, actor.tenantId));
  const months = previewPlanEdit(row, patch, {
    tenantSettings: tenant?.settings,
    today: jstToday(now),
    doneMonths: await doneMonthsOf(tx, actor.tenantId, row.personId),
  });
  await keepVersion(tx, actor, row, reason?.trim() || null, now);
  await tx
    .update(servicePlans)
    .set({ ...set, version: row.version + 1, updatedAt: now })
    .where(eq(servicePlans.id, planId));
  await writeAudit(tx, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'update',
    resourceType: 'plan',
    resourceId: planId,
    detail: { fields: changed, version: row.version + 1, months: months.after.length },
  });
  await replanPerson(tx, actor.tenantId, row.personId, now);
  return { version: row.version + 1, changed, ...months };
}
