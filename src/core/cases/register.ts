/**
 * A counselor registers a person of their own office from chat, and turns an anonymous 一般相談
 * (a label such as 匿名-20261122-1) into that case: the earlier records of the label are attached
 * to the person, each keeping its earlier version. Refusals and changes are audited.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Db, Tx } from '../../../db/client';
import { consultations, offices, recordVersions } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { canLogConsultations } from '../access';
import { writeAudit } from '../audit/write';
import { UserError } from '../errors';
import { createPerson } from './create';
import { personForDecision } from '../decisions/decision';

export interface PersonRegistration {
  familyName: string;
  givenName: string;
  familyKana: string;
  givenKana: string;
  officeId: string;
  birthDate?: string | null;
  /** An anonymous 一般相談 label of the actor's office whose records become this person's. */
  anonymousLabel?: string | null;
}

/** The office a person registered by the actor belongs to: the actor's own (the form offers only it). */
export async function registrationOffice(db: Db, actor: Actor): Promise<{ id: string; name: string }> {
  const [o] = await db
    .select({ id: offices.id, name: offices.name })
    .from(offices)
    .where(and(eq(offices.id, actor.officeId), eq(offices.tenantId, actor.tenantId)));
  return { id: actor.officeId, name: o?.name ?? '所属事業所' };
}

const NOT_OWN_OFFICE = '登録できるのはご自身の事業所の利用者だけです。';

/** Registers a person of the actor's own office (the actor as counselor); attaches a label's records. */
export async function registerPerson(
  db: Db,
  actor: Actor,
  r: PersonRegistration,
  now: Date,
): Promise<{ id: string; code: string; attached: number }> {
  if (!canLogConsultations(actor) || r.officeId !== actor.officeId) {
    await writeAudit(db, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'create_refused',
      resourceType: 'person',
      detail: { reason: r.officeId !== actor.officeId ? 'other_office' : 'not_permitted' },
    });
    throw new UserError('forbidden', NOT_OWN_OFFICE, 'register person: not own office', { officeId: NOT_OWN_OFFICE });
  }
  return db.transaction(async (tx) => {
    const person = await createPerson(
      tx,
      {
        tenantId: actor.tenantId,
        officeId: actor.officeId,
        counselorId: actor.staffId,
        familyName: r.familyName,
        givenName: r.givenName,
        familyKana: r.familyKana,
        givenKana: r.givenKana,
        birthDate: r.birthDate ?? null,
      },
      now,
    );
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'create',
      resourceType: 'person',
      resourceId: person.id,
      detail: { via: 'chat' },
    });
    const attached = r.anonymousLabel ? await attachIn(tx, actor, r.anonymousLabel, person.id, now) : 0;
    return { ...person, attached };
  });
}

/** Attaches the records of an anonymous label to an existing person of the actor's office. */
export async function attachAnonymous(db: Db, actor: Actor, label: string, personId: string, now: Date): Promise<number> {
  await personForDecision(db, actor, personId);
  return db.transaction((tx) => attachIn(tx, actor, label, personId, now));
}

async function attachIn(tx: Tx, actor: Actor, label: string, personId: string, now: Date): Promise<number> {
  const wanted = label.normalize('NFKC').trim();
  // Only the actor's office's own anonymous records: a label is per office and day.
  const rows = await tx
    .select()
    .from(consultations)
    .where(
      and(
        eq(consultations.tenantId, actor.tenantId),
        eq(consultations.officeId, actor.officeId),
        eq(consultations.anonymousLabel, wanted),
        isNull(consultations.personId),
        isNull(consultations.deletedAt),
      ),
    )
    .for('update');
  if (rows.length === 0) {
    const msg = `一般相談「${wanted}」の記録が見つかりません（ご自身の事業所の匿名ラベルを入力してください。例: 匿名-20261122-1）。`;
    throw new UserError('unknown_consultation', msg, 'anonymous label not found', { anonymousLabel: msg });
  }
  for (const row of rows) {
    await tx.insert(recordVersions).values({
      tenantId: actor.tenantId,
      resourceType: 'consultation',
      resourceId: row.id,
      version: row.version,
      data: row,
      changedBy: actor.staffId,
      reason: '一般相談をケースに登録',
      changedAt: now,
    });
    await tx
      .update(consultations)
      .set({ personId, version: row.version + 1, updatedAt: now })
      .where(eq(consultations.id, row.id));
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'update',
      resourceType: 'consultation',
      resourceId: row.id,
      detail: { fields: ['personId'], personId, version: row.version + 1 },
    });
  }
  return rows.length;
}
