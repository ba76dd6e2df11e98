import { and, eq } from 'drizzle-orm';
import type { Db, Tx } from '../../../db/client';
import { persons, recordVersions, servicePlans, type PlanSegment } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { authorize, decide, personFacts } from '../access';
import { writeAudit } from '../audit/write';
import { isIsoDate, isIsoMonth } from '../calendar/jst';
import { UserError } from '../errors';
import { MONITORING_FREQUENCIES, type MonitoringFrequency } from '../monitoring/months';

export interface PlanPatch {
  periodStart?: string;
  periodEnd?: string;
  certificateEnd?: string | null;
  countFrom?: 'same_month' | 'next_month';
  /**
   * A change of monitoring frequency decided by the municipality, from a month on: appended as
   * a segment, so the months already done stay (the monitoring calendar reads segments).
   */
  frequencyChange?: PlanSegment;
}

const NOT_FOUND = '指定された計画が見つかりません。';

function check(patch: PlanPatch): void {
  const errors: Record<string, string> = {};
  for (const k of ['periodStart', 'periodEnd'] as const) if (patch[k] !== undefined && !isIsoDate(patch[k])) errors[k] = '日付を確認してください。';
  if (patch.certificateEnd != null && !isIsoDate(patch.certificateEnd)) errors.certificateEnd = '日付を確認してください。';
  const fc = patch.frequencyChange;
  if (fc) {
    const freqOk = fc.frequencyMonths === undefined || MONITORING_FREQUENCIES.includes(fc.frequencyMonths as MonitoringFrequency);
    const monthsOk = fc.standardMonths === undefined || (fc.standardMonths.length > 0 && fc.standardMonths.every((m) => Number.isInteger(m) && m >= 1 && m <= 12));
    if (!isIsoMonth(fc.from) || !freqOk || !monthsOk || (fc.frequencyMonths === undefined) === (fc.standardMonths === undefined)) {
      errors.frequencyChange = '変更後の頻度（1・2・3・6・12か月ごと、または実施標準月）と適用開始月を確認してください。';
    }
  }
  const first = Object.values(errors)[0];
  if (first) throw new UserError('invalid_form', `入力内容を確認してください。${first}`, `invalid plan edit: ${Object.keys(errors).join(',')}`, errors);
}

async function lockPlan(tx: Tx, actor: Actor, planId: string, action: 'update' | 'delete') {
  const [row] = await tx
    .select()
    .from(servicePlans)
    .where(and(eq(servicePlans.id, planId), eq(servicePlans.tenantId, actor.tenantId)))
    .for('update');
  const [person] = row ? await tx.select().from(persons).where(eq(persons.id, row.personId)) : [];
  if (!row || !person || !decide(actor, 'person', 'view', personFacts(actor, person))) throw new UserError('unknown_plan', NOT_FOUND, 'plan not found or not visible');
  authorize(actor, 'person', action, personFacts(actor, person), action === 'update' ? '計画の変更' : '計画の削除');
  return row;
}

async function keepVersion(tx: Tx, actor: Actor, row: typeof servicePlans.$inferSelect, reason: string | null, now: Date): Promise<void> {
  await tx.insert(recordVersions).values({ tenantId: actor.tenantId, resourceType: 'plan', resourceId: row.id, version: row.version, data: row, changedBy: actor.staffId, reason, changedAt: now });
}

/** Edits a plan, keeping the earlier version; a frequency change appends a segment. Audited. */
export async function editPlan(db: Db, actor: Actor, planId: string, patch: PlanPatch, reason: string | null, now: Date): Promise<{ version: number; changed: string[] }> {
  check(patch);
  return db.transaction(async (tx) => {
    const row = await lockPlan(tx, actor, planId, 'update');
    const set: Partial<typeof servicePlans.$inferInsert> = {};
    const changed: string[] = [];
    for (const k of ['periodStart', 'periodEnd', 'certificateEnd', 'countFrom'] as const) {
      if (patch[k] !== undefined && patch[k] !== row[k]) {
        Object.assign(set, { [k]: patch[k] });
        changed.push(k);
      }
    }
    if (patch.frequencyChange) {
      const fc = patch.frequencyChange;
      const last = row.segments.at(-1)?.from ?? row.periodStart.slice(0, 7);
      if (fc.from < last) throw new UserError('segment_order', `頻度の変更は${last}以降の月から指定してください。`, 'segment before the last one');
      // A second change from the same month replaces that change (it was not yet in force).
      set.segments = [...row.segments.filter((s) => s.from !== fc.from), fc];
      changed.push('segments');
    }
    const periodStart = set.periodStart ?? row.periodStart;
    const periodEnd = set.periodEnd ?? row.periodEnd;
    if (periodStart > periodEnd) throw new UserError('bad_period', '計画の開始日が終了日より後になっています。', 'period reversed');
    if (changed.length === 0) throw new UserError('no_change', '変更された項目がありません。', 'plan edit without change');
    await keepVersion(tx, actor, row, reason?.trim() || null, now);
    await tx.update(servicePlans).set({ ...set, version: row.version + 1, updatedAt: now }).where(eq(servicePlans.id, planId));
    await writeAudit(tx, { tenantId: actor.tenantId, actorStaffId: actor.staffId, platform: actor.platform, action: 'update', resourceType: 'plan', resourceId: planId, detail: { fields: changed, version: row.version + 1 } });
    return { version: row.version + 1, changed };
  });
}

/**
 * Logical deletion of a plan (entered by mistake): it stops counting (inactive), the last
 * version and the reason are kept in record_versions, and the audit log names it.
 */
export async function deletePlan(db: Db, actor: Actor, planId: string, reason: string, now: Date): Promise<void> {
  const why = reason.trim();
  if (why.length < 2) throw new UserError('reason_required', '削除の理由を入力してください。', 'delete without reason', { reason: '削除の理由を入力してください。' });
  await db.transaction(async (tx) => {
    const row = await lockPlan(tx, actor, planId, 'delete');
    await keepVersion(tx, actor, row, why, now);
    await tx.update(servicePlans).set({ active: false, version: row.version + 1, updatedAt: now }).where(eq(servicePlans.id, planId));
    await writeAudit(tx, { tenantId: actor.tenantId, actorStaffId: actor.staffId, platform: actor.platform, action: 'delete', resourceType: 'plan', resourceId: planId, detail: { version: row.version + 1 } });
  });
}
