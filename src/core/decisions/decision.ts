/**
 * 支給決定 from chat: 新規 (a first decision), 更新 (a renewed period: a new plan row, the earlier
 * one kept as it was) and 変更 (the municipality changes the frequency from a month, or the
 * period's end, certificate, services). The months are shown before saving (`previewDecision`)
 * by the same rule the save stores (`previewPlanEdit` / planMonitoring), only the person's own
 * office may enter one (refusals audited), every change keeps its earlier version and is
 * audited, and the person's reminders are recomputed in the same transaction.
 */
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../../../db/client';
import { persons, recordVersions, servicePlans, tenants } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { canWritePerson } from '../access';
import { auditRefusedView, refusalOf } from '../audit/refusals';
import { writeAudit } from '../audit/write';
import { jstToday, type IsoDate, type IsoMonth } from '../calendar/jst';
import { createPlan } from '../cases/create';
import { UserError } from '../errors';
import { planMonitoring, type MonitoringFrequency, type MonitoringWarning } from '../monitoring/months';
import { scheduleOfPlan, tenantCountFrom } from '../monitoring/plan-row';
import { doneMonthsOf, editPlanIn, previewPlanEdit, type PlanPatch } from '../versions/plans';
import { replanPerson } from './replan';

export type DecisionKind = 'new' | 'renewal' | 'change';
export const DECISION_KIND_LABELS: Record<DecisionKind, string> = { new: '新規', renewal: '更新', change: '変更' };

export interface DecisionInput {
  kind: DecisionKind;
  personId: string;
  /** 新規 / 更新: the period. 変更: a new end (optional). */
  periodStart?: IsoDate;
  periodEnd?: IsoDate;
  serviceKinds: string[];
  /** 新規 / 更新: the rule; 変更: the new rule from `changeFrom` (optional when only dates change). */
  frequencyMonths?: MonitoringFrequency;
  standardMonths?: number[];
  /** 変更: first month under the new rule. */
  changeFrom?: IsoMonth;
  noticeDate?: IsoDate | null;
  recipientNumber?: string | null;
  certificateEnd?: IsoDate | null;
  /** 新規 / 更新 starting mid-month: count from that month or the next (absent: the tenant's). */
  countFrom?: 'same_month' | 'next_month';
}

export interface DecisionPreview {
  kind: DecisionKind;
  personCode: string;
  /** The months of the plan in force now (empty for 新規), and those after saving. */
  before: IsoMonth[];
  after: IsoMonth[];
  /** Months made monitoring months after they were over, with nothing recorded: overdue at once. */
  pastUnrecorded: IsoMonth[];
  warnings: MonitoringWarning[];
}

const NOT_FOUND = '該当するケースが見つかりません。ケース番号か氏名を確認してください。';

/** The person if the actor may enter their decision (own office); a refusal is audited and answers like an unknown case. */
export async function personForDecision(
  db: DbOrTx,
  actor: Actor,
  personId: string,
): Promise<{ id: string; code: string; officeId: string }> {
  const [p] = await db
    .select({
      id: persons.id,
      code: persons.code,
      tenantId: persons.tenantId,
      officeId: persons.officeId,
      consentKikan: persons.consentKikan,
    })
    .from(persons)
    .where(and(eq(persons.id, personId), eq(persons.tenantId, actor.tenantId), isNull(persons.deletedAt)));
  if (!p || !canWritePerson(actor, p)) {
    await auditRefusedView(db, actor, personId, refusalOf(actor, p), 'case_card');
    throw new UserError('unknown_person', NOT_FOUND, 'decision: person not found or not own office', { person: NOT_FOUND });
  }
  return p;
}

/**
 * The person a form names, for entering their decision: a case code is looked up in the tenant
 * (so that a refusal of another office's person is audited with its reason by personForDecision),
 * anything else through the ordinary visible search.
 */
export async function decisionPersonId(
  db: DbOrTx,
  actor: Actor,
  text: string,
  resolve: (text: string) => Promise<{ id: string }>,
): Promise<string> {
  const code = text.normalize('NFKC').trim().toUpperCase();
  if (/^C-\d{1,8}$/.test(code)) {
    const [p] = await db
      .select({ id: persons.id })
      .from(persons)
      .where(and(eq(persons.tenantId, actor.tenantId), eq(persons.code, code), isNull(persons.deletedAt)));
    if (p) return (await personForDecision(db, actor, p.id)).id;
  }
  return (await resolve(text)).id;
}

async function currentPlan(db: DbOrTx, tenantId: string, personId: string) {
  const [row] = await db
    .select()
    .from(servicePlans)
    .where(and(eq(servicePlans.tenantId, tenantId), eq(servicePlans.personId, personId), eq(servicePlans.active, true)))
    .orderBy(desc(servicePlans.periodStart))
    .limit(1);
  return row ?? null;
}

function noPlan(): UserError {
  const msg = '登録されている支給決定がありません。「新規」で登録してください。';
  return new UserError('unknown_plan', msg, 'decision change without a plan', { kind: msg });
}

function patchOf(input: DecisionInput): PlanPatch {
  const rule = input.frequencyMonths !== undefined || input.standardMonths !== undefined;
  if (rule && !input.changeFrom)
    throw new UserError('invalid_form', '変更後の頻度を適用する月を入力してください。', 'change without a month', {
      changeFrom: '変更後の頻度を適用する月を入力してください。',
    });
  return {
    periodEnd: input.periodEnd,
    certificateEnd: input.certificateEnd === undefined ? undefined : input.certificateEnd,
    recipientNumber: input.recipientNumber === undefined ? undefined : input.recipientNumber,
    noticeDate: input.noticeDate === undefined ? undefined : input.noticeDate,
    serviceKinds: input.serviceKinds.length > 0 ? input.serviceKinds : undefined,
    frequencyChange:
      rule && input.changeFrom
        ? { from: input.changeFrom, frequencyMonths: input.frequencyMonths, standardMonths: input.standardMonths }
        : undefined,
  };
}

/** The months a new period gives, by the one rule (planMonitoring). */
function newPeriodMonths(
  input: DecisionInput,
  settings: Record<string, unknown> | null | undefined,
  today: IsoDate,
  doneMonths: readonly IsoMonth[],
) {
  if (!input.periodStart || !input.periodEnd)
    throw new UserError('invalid_form', '支給決定期間を入力してください。', 'period missing', {
      periodStart: '支給決定期間を入力してください。',
    });
  const row = {
    periodStart: input.periodStart,
    periodEnd: input.periodEnd,
    frequencyMonths: input.frequencyMonths ?? null,
    standardMonths: input.standardMonths ?? null,
    segments: [],
    countFrom: input.countFrom ?? null,
  };
  return planMonitoring(scheduleOfPlan(row, tenantCountFrom(settings)), { today, doneMonths });
}

/** What saving would do to the monitoring months; nothing is written but the view's audit row. */
export async function previewDecision(db: Db, actor: Actor, input: DecisionInput, now: Date): Promise<DecisionPreview> {
  const person = await personForDecision(db, actor, input.personId);
  const today = jstToday(now);
  const [[tenant], plan, doneMonths] = await Promise.all([
    db.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, actor.tenantId)),
    currentPlan(db, actor.tenantId, person.id),
    doneMonthsOf(db, actor.tenantId, person.id),
  ]);
  const settings = tenant?.settings;
  await writeAudit(db, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'view',
    resourceType: 'plan_preview',
    resourceId: person.id,
    detail: { kind: input.kind },
  });
  if (input.kind === 'change') {
    if (!plan) throw noPlan();
    const p = previewPlanEdit(plan, patchOf(input), { tenantSettings: settings, today, doneMonths });
    return { kind: input.kind, personCode: person.code, ...p, warnings: [] };
  }
  const before = plan ? planMonitoring(scheduleOfPlan(plan, tenantCountFrom(settings)), { doneMonths }).months : [];
  const cal = newPeriodMonths(input, settings, today, doneMonths);
  return {
    kind: input.kind,
    personCode: person.code,
    before,
    after: cal.months,
    pastUnrecorded: cal.warnings.filter((w) => w.kind === 'past_month_created').map((w) => w.month),
    warnings: cal.warnings,
  };
}

export interface SavedDecision {
  planId: string;
  version: number;
  after: IsoMonth[];
}

/** Saves the decision, its audit row and the person's reminders in one transaction. */
export async function saveDecision(db: Db, actor: Actor, input: DecisionInput, now: Date): Promise<SavedDecision> {
  await personForDecision(db, actor, input.personId);
  return db.transaction(async (tx) => {
    // Locked: two counselors entering the same person's decision at once are serialised.
    const [person] = await tx
      .select({ id: persons.id, recipientNumber: persons.recipientNumber, version: persons.version })
      .from(persons)
      .where(eq(persons.id, input.personId))
      .for('update');
    if (!person) throw new UserError('unknown_person', NOT_FOUND, 'person vanished');
    const plan = await currentPlan(tx, actor.tenantId, person.id);
    if (input.kind === 'change') {
      if (!plan) throw noPlan();
      const edit = await editPlanIn(tx, actor, plan.id, patchOf(input), `支給決定の変更（${input.noticeDate ?? '通知日なし'}）`, now);
      await keepRecipientNumber(tx, actor, person, input.recipientNumber, now);
      return { planId: plan.id, version: edit.version, after: edit.after };
    }
    if (input.kind === 'new' && plan) {
      const msg = 'この方にはすでに支給決定が登録されています。「更新」か「変更」を選んでください。';
      throw new UserError('duplicate', msg, 'new decision over an existing plan', { kind: msg });
    }
    if (input.kind === 'renewal' && !plan) throw noPlan();
    if (plan && input.periodStart && input.periodStart <= plan.periodEnd) {
      const msg = `更新後の期間は前の期間（${plan.periodEnd}まで）の後から始まる日付にしてください。`;
      throw new UserError('bad_period', msg, 'renewal overlaps the period in force', { periodStart: msg });
    }
    const [tenant] = await tx.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, actor.tenantId));
    const cal = newPeriodMonths(input, tenant?.settings, jstToday(now), await doneMonthsOf(tx, actor.tenantId, person.id));
    const planId = await createPlan(
      tx,
      {
        tenantId: actor.tenantId,
        personId: person.id,
        periodStart: input.periodStart ?? '',
        periodEnd: input.periodEnd ?? '',
        frequencyMonths: input.frequencyMonths ?? null,
        standardMonths: input.standardMonths ?? null,
        certificateEnd: input.certificateEnd ?? null,
        countFrom: input.countFrom ?? null,
      },
      now,
    );
    await tx
      .update(servicePlans)
      .set({
        serviceKinds: input.serviceKinds,
        noticeDate: input.noticeDate ?? null,
        recipientNumber: input.recipientNumber ?? null,
        decisionKind: input.kind,
      })
      .where(eq(servicePlans.id, planId));
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'create',
      resourceType: 'plan',
      resourceId: planId,
      detail: { personId: person.id, kind: input.kind, previousPlanId: plan?.id ?? null, months: cal.months.length },
    });
    await keepRecipientNumber(tx, actor, person, input.recipientNumber, now);
    await replanPerson(tx, actor.tenantId, person.id, now);
    return { planId, version: 1, after: cal.months };
  });
}

/** The certificate number is also the person's: changed with the earlier version kept. */
async function keepRecipientNumber(
  tx: Tx,
  actor: Actor,
  person: { id: string; recipientNumber: string | null; version: number },
  next: string | null | undefined,
  now: Date,
): Promise<void> {
  if (!next || next === person.recipientNumber) return;
  const [row] = await tx.select().from(persons).where(eq(persons.id, person.id));
  if (!row) return;
  await tx.insert(recordVersions).values({
    tenantId: actor.tenantId,
    resourceType: 'person',
    resourceId: row.id,
    version: row.version,
    data: row,
    changedBy: actor.staffId,
    reason: '受給者証番号（支給決定）',
    changedAt: now,
  });
  await tx
    .update(persons)
    .set({ recipientNumber: next, version: row.version + 1, updatedAt: now })
    .where(eq(persons.id, row.id));
  await writeAudit(tx, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'update',
    resourceType: 'person',
    resourceId: row.id,
    detail: { fields: ['recipientNumber'], version: row.version + 1 },
  });
}
