import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { persons } from '../../../db/schema/index';
import { isKikan } from '../access';
import type { Actor } from '../actor';
import { writeAudit } from './write';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Why a view of a person was refused, for the audit log only: the asker always gets the same
 * 「見つかりません」 as for an unknown case.
 * - `not_found`: no such person in the actor's tenant (another tenant's id, a deleted person, a
 *   made-up id); the log does not tell another tenant's person from none.
 * - `no_consent`: the 基幹 asked for a person who has not consented to sharing with it.
 * - `other_office`: a person of another office, with no grant, alert or break-glass in force.
 * - `not_permitted`: anything else the policy refuses (the role may not view persons, say).
 * - `malformed_id`: what was asked for is not an id at all (a forged button value).
 */
export type ViewRefusal = 'not_found' | 'no_consent' | 'other_office' | 'not_permitted' | 'malformed_id';

/** Where the view was asked for: the case card (also 虐待's 「記録を開く」), 緊急閲覧, 履歴, 出力, 記録's prefill. */
export type RefusedVia = 'case_card' | 'break_glass' | 'history' | 'export' | 'record_form';

/** The reason for a person the actor's tenant holds but the policy refused. */
export function refusalOf(actor: Actor, person: { officeId: string; consentKikan?: boolean | null } | null | undefined): ViewRefusal {
  if (!person) return 'not_found';
  if (person.officeId === actor.officeId) return 'not_permitted';
  if (isKikan(actor) && person.consentKikan !== true) return 'no_consent';
  return 'other_office';
}

/**
 * Records a refused view (action `view_refused`): who asked, for which id, through what, and why;
 * ids and a reason only. Call it where its write commits even though the caller then throws:
 * with the database itself or a transaction that is not rolled back by the refusal.
 */
export async function auditRefusedView(
  db: DbOrTx,
  actor: Actor,
  requested: string | null,
  reason: ViewRefusal,
  via: RefusedVia,
): Promise<void> {
  const id = requested?.trim() ?? '';
  const valid = UUID.test(id);
  const why = requested === null || valid ? reason : 'malformed_id';
  await writeAudit(db, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'view_refused',
    resourceType: 'person',
    resourceId: valid ? id : null,
    detail: { reason: why, via },
  });
}

/** As auditRefusedView, for a caller that only knows the id was refused: the reason is looked up. */
export async function auditRefusedPerson(db: DbOrTx, actor: Actor, personId: string, via: RefusedVia): Promise<void> {
  const id = personId.trim();
  const [p] = UUID.test(id)
    ? await db
        .select({ officeId: persons.officeId, consentKikan: persons.consentKikan })
        .from(persons)
        .where(and(eq(persons.id, id), eq(persons.tenantId, actor.tenantId)))
    : [];
  await auditRefusedView(db, actor, id, refusalOf(actor, p), via);
}
