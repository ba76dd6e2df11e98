import { and, eq, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../../db/client';
import { accessGrants, persons, staff } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { sendNotice } from '../notices';
import { decide } from '../access';
import { auditRefusedView, type ViewRefusal } from '../audit/refusals';
import { writeAudit } from '../audit/write';
import { loadCaseView, NOT_FOUND_MESSAGE, type CaseView } from '../cases/view';
import { UserError } from '../errors';

/** How long a break-glass opening lasts (why 24 h: one emergency, one working day and night). */
const BREAK_GLASS_MS = 24 * 60 * 60 * 1000;
export const MIN_REASON = 10;

/**
 * breakGlassOpen for a person named by case code (緊急閲覧 C-0012): the code is looked up in the
 * actor's tenant only; an unknown code is refused and audited like a person not found.
 */
export async function breakGlassOpenByCode(db: Db, actor: Actor, code: string, reason: string, now: Date): Promise<CaseView> {
  const [p] = await db
    .select({ id: persons.id })
    .from(persons)
    .where(and(eq(persons.tenantId, actor.tenantId), eq(persons.code, code)));
  if (!p) {
    await auditRefusedView(db, actor, null, 'not_found', 'break_glass');
    throw new UserError('unknown_person', NOT_FOUND_MESSAGE, 'break-glass: unknown code');
  }
  return breakGlassOpen(db, actor, p.id, reason, now);
}

/**
 * Break-glass: a 基幹 member opens a person's record without consent, in an emergency (e.g.
 * suspected abuse). The stated reason is stored, audited, and sent at once to the person's
 * office managers. Everything happens in one transaction: no opening without its trace.
 */
export async function breakGlassOpen(db: Db, actor: Actor, personId: string, reason: string, now: Date): Promise<CaseView> {
  const why = reason.trim();
  if ([...why].length < MIN_REASON) {
    throw new UserError(
      'reason_required',
      `緊急閲覧の理由を${MIN_REASON}文字以上で入力してください（事業所の管理者に通知されます）。`,
      'break-glass without reason',
      { reason: '理由を入力してください。' },
    );
  }
  // A refusal rolls the transaction back: it is audited afterwards, on its own (who, which id, why).
  let refused: ViewRefusal | null = null;
  try {
    return await db.transaction(async (tx) => open(tx));
  } catch (e) {
    if (refused) await auditRefusedView(db, actor, personId, refused, 'break_glass');
    throw e;
  }

  async function open(tx: Tx): Promise<CaseView> {
    const [person] = await tx
      .select({ id: persons.id, code: persons.code, tenantId: persons.tenantId, officeId: persons.officeId })
      .from(persons)
      .where(and(eq(persons.id, personId), eq(persons.tenantId, actor.tenantId)));
    const elevated: Actor = { ...actor, elevation: { personId, scope: 'break_glass' } };
    if (!person || !decide(elevated, 'person', 'view', { tenantId: person.tenantId, officeId: person.officeId, breakGlass: true })) {
      refused = person ? 'not_permitted' : 'not_found';
      throw new UserError('unknown_person', NOT_FOUND_MESSAGE, 'break-glass refused');
    }
    const [grant] = await tx
      .insert(accessGrants)
      .values({
        tenantId: actor.tenantId,
        staffId: actor.staffId,
        personId,
        kind: 'break_glass',
        reason: why,
        grantedBy: actor.staffId,
        expiresAt: new Date(now.getTime() + BREAK_GLASS_MS),
        createdAt: now,
      })
      .returning({ id: accessGrants.id });
    const managers = await tx
      .select({ id: staff.id })
      .from(staff)
      .where(
        and(
          eq(staff.tenantId, actor.tenantId),
          eq(staff.officeId, person.officeId),
          eq(staff.active, true),
          sql`'office_manager' = any(${staff.roles})`,
        ),
      );
    for (const m of managers) {
      await sendNotice(
        tx,
        {
          tenantId: actor.tenantId,
          kind: 'break_glass',
          idempotencyKey: `break_glass:${grant?.id}:${m.id}`,
          to: { staffId: m.id },
          notice: {
            summary: `${person.code} が緊急閲覧されました`,
            items: [
              {
                title: '緊急閲覧（同意なし）の通知',
                facts: [
                  { label: 'ケース', value: person.code },
                  { label: '閲覧者', value: actor.name },
                  { label: '理由', value: why },
                ],
              },
            ],
            notes: ['基幹相談支援センターが緊急時の手続きで記録を開きました。この閲覧は監査ログに記録されています。'],
          },
        },
        now,
      );
    }
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'break_glass',
      resourceType: 'person',
      resourceId: personId,
      detail: { grantId: grant?.id, managersNotified: managers.length },
    });
    return loadCaseView(tx, elevated, personId, now, { via: 'break_glass' });
  }
}
