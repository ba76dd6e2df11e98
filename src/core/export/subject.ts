import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { persons } from '../../../db/schema/index';
import { authorize, decide, personFacts } from '../access';
import type { Actor } from '../actor';
import { actorFor } from '../admin/grants';
import { auditRefusedView, refusalOf } from '../audit/refusals';
import { resolvePerson } from '../cases/resolve';
import { UserError } from '../errors';

/**
 * The person whose record the actor asks to export (出力 C-0012 / 出力 山田), found by the search
 * rule and then checked against the policy with any grant in force (the download checks again).
 * Only the actor's tenant is looked in; a person the actor may not see is refused like an unknown
 * one, and the refusal is audited.
 */
export async function personToExport(db: DbOrTx, actor: Actor, typed: string, now: Date): Promise<{ id: string; code: string }> {
  const hit = await resolvePerson(db, actor, typed, now);
  const [p] = await db
    .select()
    .from(persons)
    .where(and(eq(persons.id, hit.id), eq(persons.tenantId, actor.tenantId)));
  // An admin's grant in force counts like the standing rules.
  const asker = p ? await actorFor(db, actor, p.id, now) : actor;
  if (!p || !decide(asker, 'person', 'view', personFacts(asker, p))) {
    await auditRefusedView(db, actor, hit.id, refusalOf(asker, p), 'export');
    throw new UserError('unknown_person', '該当するケースが見つかりません。', 'export: not visible');
  }
  authorize(asker, 'person', 'export', personFacts(asker, p), 'ケース記録の出力');
  return { id: p.id, code: p.code };
}
