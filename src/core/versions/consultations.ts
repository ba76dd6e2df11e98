import { and, eq, isNull } from 'drizzle-orm';
import type { Db, Tx } from '../../../db/client';
import { consultations, recordVersions } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { raiseAbuseAlert } from '../abuse/alerts';
import { authorize, decide } from '../access';
import { writeAudit } from '../audit/write';
import { isIsoDate, jstToday } from '../calendar/jst';
import { checkNextActionDue } from '../consultations/next-action';
import { UserError } from '../errors';
import { CONSULTATION_KINDS, CONTACT_METHODS, LIMITS } from '../vocabulary';

export interface ConsultationPatch {
  occurredOn?: string;
  method?: string;
  kind?: string;
  summary?: string;
  minutes?: number | null;
  nextAction?: string | null;
  nextActionDue?: string | null;
  abuseSuspected?: boolean;
}

const EDITABLE = ['occurredOn', 'method', 'kind', 'summary', 'minutes', 'nextAction', 'nextActionDue', 'abuseSuspected'] as const;
const NOT_FOUND = '指定された相談記録が見つかりません。';

function check(patch: ConsultationPatch, now: Date): void {
  const errors: Record<string, string> = {};
  if (patch.occurredOn !== undefined && (!isIsoDate(patch.occurredOn) || patch.occurredOn > jstToday(now)))
    errors.occurredOn = '相談日は今日までの日付で指定してください。';
  if (patch.method !== undefined && !(CONTACT_METHODS as readonly string[]).includes(patch.method))
    errors.method = '方法を選んでください。';
  if (patch.kind !== undefined && !CONSULTATION_KINDS.includes(patch.kind)) errors.kind = '種別を選んでください。';
  if (patch.summary !== undefined && (patch.summary.trim() === '' || [...patch.summary].length > LIMITS.summary))
    errors.summary = `内容は1〜${LIMITS.summary}文字で入力してください。`;
  if (patch.minutes != null && (!Number.isInteger(patch.minutes) || patch.minutes < 0 || patch.minutes > LIMITS.minutesMax))
    errors.minutes = '対応時間は0〜1440の整数（分）で入力してください。';
  if (patch.nextAction != null && [...patch.nextAction].length > LIMITS.nextAction)
    errors.nextAction = `次の対応は${LIMITS.nextAction}文字以内で入力してください。`;
  if (patch.nextActionDue != null && !isIsoDate(patch.nextActionDue)) errors.nextActionDue = '期限の日付を確認してください。';
  const first = Object.values(errors)[0];
  if (first)
    throw new UserError(
      'invalid_form',
      `入力内容を確認してください。${first}`,
      `invalid consultation edit: ${Object.keys(errors).join(',')}`,
      errors,
    );
}

/** Locks the row and checks the policy for `action`; an invisible record answers like a missing one. */
async function lockForChange(tx: Tx, actor: Actor, id: string, action: 'update' | 'delete') {
  const [row] = await tx
    .select()
    .from(consultations)
    .where(and(eq(consultations.id, id), eq(consultations.tenantId, actor.tenantId), isNull(consultations.deletedAt)))
    .for('update');
  const facts = { tenantId: actor.tenantId, officeId: row?.officeId, authorId: row?.staffId };
  if (!row || !decide(actor, 'consultation', 'view', facts))
    throw new UserError('unknown_consultation', NOT_FOUND, 'consultation not found or not visible');
  authorize(actor, 'consultation', action, facts, action === 'update' ? '相談記録の編集' : '相談記録の削除');
  return row;
}

/** The row as it was, kept as a version (真正性): who replaced it, when and why. */
async function keepVersion(tx: Tx, actor: Actor, row: typeof consultations.$inferSelect, reason: string | null, now: Date): Promise<void> {
  await tx.insert(recordVersions).values({
    tenantId: actor.tenantId,
    resourceType: 'consultation',
    resourceId: row.id,
    version: row.version,
    data: row,
    changedBy: actor.staffId,
    reason,
    changedAt: now,
  });
}

/**
 * Edits a consultation: the earlier version is kept, the version number goes up (the chat shows
 * 「編集済み」), and the audit row names the changed fields. Setting 虐待の疑い raises the alert.
 */
export async function editConsultation(
  db: Db,
  actor: Actor,
  id: string,
  patch: ConsultationPatch,
  reason: string | null,
  now: Date,
): Promise<{ version: number; changed: string[] }> {
  check(patch, now);
  return db.transaction(async (tx) => {
    const row = await lockForChange(tx, actor, id, 'update');
    const changed = EDITABLE.filter((k) => patch[k] !== undefined && patch[k] !== row[k]);
    if (changed.length === 0) throw new UserError('no_change', '変更された項目がありません。', 'edit without change');
    // A new due date must not be in the past; an old record's past date, left as it was, may stay.
    if (changed.includes('nextActionDue')) checkNextActionDue(patch.nextActionDue, jstToday(now));
    await keepVersion(tx, actor, row, reason?.trim() || null, now);
    const set: Partial<typeof consultations.$inferInsert> = { version: row.version + 1, updatedAt: now };
    for (const k of changed) Object.assign(set, { [k]: patch[k] });
    await tx.update(consultations).set(set).where(eq(consultations.id, id));
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'update',
      resourceType: 'consultation',
      resourceId: id,
      detail: { fields: changed, version: row.version + 1 },
    });
    if (patch.abuseSuspected === true && !row.abuseSuspected) {
      await raiseAbuseAlert(tx, actor, { consultationId: id, personId: row.personId, occurredOn: patch.occurredOn ?? row.occurredOn }, now);
    }
    return { version: row.version + 1, changed };
  });
}

/** Logical deletion: the record disappears from views but stays, with its versions and the reason. */
export async function deleteConsultation(db: Db, actor: Actor, id: string, reason: string, now: Date): Promise<void> {
  const why = reason.trim();
  if (why.length < 2)
    throw new UserError('reason_required', '削除の理由を入力してください。', 'delete without reason', {
      reason: '削除の理由を入力してください。',
    });
  if ([...why].length > LIMITS.shortText)
    throw new UserError('reason_too_long', `理由は${LIMITS.shortText}文字以内で入力してください。`, 'delete reason too long');
  await db.transaction(async (tx) => {
    const row = await lockForChange(tx, actor, id, 'delete');
    await keepVersion(tx, actor, row, why, now);
    await tx
      .update(consultations)
      .set({ deletedAt: now, deletedReason: why, version: row.version + 1, updatedAt: now })
      .where(eq(consultations.id, id));
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'delete',
      resourceType: 'consultation',
      resourceId: id,
      detail: { version: row.version + 1 },
    });
  });
}
