/** 依頼: a counselor asks the 基幹 for back-up support; the request lands in the 基幹's queue. */
import { and, eq, isNull } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client';
import { persons, secondaryConsultations, secondaryPosts } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { canWritePerson } from '../access';
import { postQueueState } from './queue-post';
import { writeAudit } from '../audit/write';
import { jstToday } from '../calendar/jst';
import { ageBand, deidentify } from '../deidentify';
import { UserError } from '../errors';
import { nextNumber } from '../tenancy/counters';
import type { URGENCY } from '../vocabulary';
import { loadKnownPersons } from './channel-post';
import { canRequestSecondary } from './policy';
import type { SecondaryRow } from './store';

export interface NewSecondary {
  /** A registered person of the requester's office, or null for a de-identified description. */
  personId: string | null;
  /** Without a person: age band, disability category and situation as the requester describes them. */
  profile: { ageBand?: string; category?: string; situation?: string };
  difficulties: string[];
  tried: string;
  question: string;
  urgency: keyof typeof URGENCY;
  helpWanted: string[];
}

async function personForRequest(db: DbOrTx, actor: Actor, personId: string) {
  const [p] = await db
    .select({
      id: persons.id,
      tenantId: persons.tenantId,
      officeId: persons.officeId,
      consentKikan: persons.consentKikan,
      birthDate: persons.birthDate,
      disabilityCategories: persons.disabilityCategories,
    })
    .from(persons)
    .where(and(eq(persons.id, personId), eq(persons.tenantId, actor.tenantId), isNull(persons.deletedAt)));
  // Only the person's own office asks about them; anyone else gets "not found" (reveals nothing).
  if (!p || !canWritePerson(actor, p)) {
    const msg = 'ケースが見つかりません。ケース番号（例: C-0012）か氏名を確認してください。';
    throw new UserError('unknown_person', msg, 'person not found or not own office', { person: msg });
  }
  return p;
}

/** Stores the request, its first thread entry, the audit row and the queue post in one transaction. */
export async function requestSecondary(db: Db, actor: Actor, input: NewSecondary, now: Date): Promise<SecondaryRow> {
  if (!canRequestSecondary(actor)) {
    throw new UserError('forbidden', '二次相談を依頼する権限がありません。', 'role cannot request secondary');
  }
  const today = jstToday(now);
  return db.transaction(async (tx) => {
    let profile: NewSecondary['profile'];
    let consentAtRequest: boolean | null = null;
    if (input.personId) {
      const p = await personForRequest(tx, actor, input.personId);
      profile = {
        ageBand: p.birthDate ? ageBand(p.birthDate, today) : input.profile.ageBand,
        category: p.disabilityCategories.length > 0 ? p.disabilityCategories.join('・') : input.profile.category,
        situation: input.profile.situation,
      };
      consentAtRequest = p.consentKikan;
    } else {
      // The description is meant to be anonymous: strip any name that slipped in (every registered
      // person of the tenant, and names nobody registered).
      const known = await loadKnownPersons(tx, actor.tenantId, { officeIds: [actor.officeId], personIds: [] });
      const situation = input.profile.situation ? deidentify(input.profile.situation, known, { today }).text : undefined;
      profile = { ageBand: input.profile.ageBand, category: input.profile.category, situation };
    }
    const number = await nextNumber(tx, actor.tenantId, 'secondary');
    const [row] = await tx
      .insert(secondaryConsultations)
      .values({
        tenantId: actor.tenantId,
        number,
        requesterId: actor.staffId,
        requesterOfficeId: actor.officeId,
        personId: input.personId,
        consentAtRequest,
        profile,
        difficulties: input.difficulties,
        tried: input.tried,
        question: input.question,
        urgency: input.urgency,
        helpWanted: input.helpWanted,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!row) throw new Error('insert returned no row');
    await tx
      .insert(secondaryPosts)
      .values({ tenantId: actor.tenantId, secondaryId: row.id, authorId: actor.staffId, kind: 'transition', body: '依頼', createdAt: now });
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'create',
      resourceType: 'secondary_consultation',
      resourceId: row.id,
      detail: { number, personId: input.personId, urgency: input.urgency, difficulties: input.difficulties.length },
    });
    await postQueueState(tx, row, now);
    return row;
  });
}
