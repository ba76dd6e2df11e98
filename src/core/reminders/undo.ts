/**
 * 取り消す: a 完了 pressed by mistake is undone from the same message, by the one who pressed it,
 * within UNDO_MINUTES. The reminder opens again and the record the 完了 wrote is deleted
 * logically (its version kept in record_versions); both audited in one transaction.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { consultations, recordVersions, reminders } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { writeAudit } from '../audit/write';
import { UserError } from '../errors';
import { reminderForActor } from './actions';

/** Long enough to notice a wrong tap, short enough that nobody undoes yesterday's work by accident. */
export const UNDO_MINUTES = 10;

const UNDO_REASON = '完了の取り消し（押し間違い）';

const expired = () =>
  new UserError(
    'undo_expired',
    `取り消せるのは完了から${UNDO_MINUTES}分以内の、ご自身の操作だけです。記録の削除は「履歴」から行ってください。`,
    'undo window passed or not the actor',
  );

/** The value of a 取り消す button: the reminder and the record its 完了 wrote. */
export function undoValue(reminderId: string, consultationId?: string): string {
  return consultationId ? `${reminderId}:${consultationId}` : reminderId;
}

export async function undoCompletion(db: Db, actor: Actor, value: string, now: Date): Promise<{ reminderId: string }> {
  const [reminderId = '', consultationId] = value.split(':');
  const row = await reminderForActor(db, actor, reminderId);
  const [stored] = await db.select({ doneAt: reminders.doneAt, doneBy: reminders.doneBy }).from(reminders).where(eq(reminders.id, row.id));
  const windowMs = UNDO_MINUTES * 60_000;
  if (row.status !== 'done' || !stored?.doneAt || stored.doneBy !== actor.staffId || now.getTime() - stored.doneAt.getTime() > windowMs)
    throw expired();
  await db.transaction(async (tx) => {
    if (consultationId) {
      const [c] = await tx
        .select()
        .from(consultations)
        .where(
          and(
            eq(consultations.id, consultationId),
            eq(consultations.tenantId, actor.tenantId),
            eq(consultations.staffId, actor.staffId),
            isNull(consultations.deletedAt),
          ),
        )
        .for('update');
      if (!c || now.getTime() - c.createdAt.getTime() > windowMs) throw expired();
      await tx.insert(recordVersions).values({
        tenantId: actor.tenantId,
        resourceType: 'consultation',
        resourceId: c.id,
        version: c.version,
        data: c,
        changedBy: actor.staffId,
        reason: UNDO_REASON,
        changedAt: now,
      });
      await tx
        .update(consultations)
        .set({ deletedAt: now, deletedReason: UNDO_REASON, version: c.version + 1, updatedAt: now })
        .where(eq(consultations.id, c.id));
      await writeAudit(tx, {
        tenantId: actor.tenantId,
        actorStaffId: actor.staffId,
        platform: actor.platform,
        action: 'delete',
        resourceType: 'consultation',
        resourceId: c.id,
        detail: { version: c.version + 1, via: 'reminder_undo' },
      });
    }
    await tx
      .update(reminders)
      .set({ status: 'open', doneAt: null, doneBy: null })
      .where(and(eq(reminders.id, row.id), eq(reminders.status, 'done')));
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'reminder_undo',
      resourceType: 'reminder',
      resourceId: row.id,
      detail: { kind: row.kind, consultation: consultationId ? 1 : 0 },
    });
  });
  return { reminderId: row.id };
}
