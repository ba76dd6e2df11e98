/** Reading a 二次相談 and the people around it: shared by the steps, the view and the notices. */
import { and, eq, inArray, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { offices, persons, secondaryConsultations, staff } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { personGrant } from '../access';
import { UserError } from '../errors';
import { actorForStaff } from '../staff/actor';

export type SecondaryRow = typeof secondaryConsultations.$inferSelect;

export const NOT_FOUND = '該当する二次相談が見つかりません。番号を確認してください。';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A request of the actor's tenant by id or by its number (`12`, `#12`); locked when asked. */
export async function findSecondary(db: DbOrTx, tenantId: string, ref: string, opts: { lock?: boolean } = {}): Promise<SecondaryRow> {
  const v = ref.normalize('NFKC').trim().replace(/^#/, '');
  let where: SQL | undefined;
  if (UUID.test(v)) where = and(eq(secondaryConsultations.tenantId, tenantId), eq(secondaryConsultations.id, v));
  else if (/^\d{1,9}$/.test(v)) where = and(eq(secondaryConsultations.tenantId, tenantId), eq(secondaryConsultations.number, Number(v)));
  else throw new UserError('unknown_secondary', NOT_FOUND, 'malformed secondary ref');
  const q = db.select().from(secondaryConsultations).where(where);
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw new UserError('unknown_secondary', NOT_FOUND, 'secondary not found');
  return row;
}

export interface PersonFacts {
  id: string;
  tenantId: string;
  officeId: string;
  consentKikan: boolean;
  code: string;
  familyName: string;
  givenName: string;
  familyKana: string;
  givenKana: string;
  birthDate: string | null;
  disabilityCategories: string[];
}

/**
 * The person behind a request. A request sent without consent stays de-identified for the 基幹
 * (consent given later opens the person's case, not what was sent before): its facts read as
 * not consented.
 */
export async function personOf(
  db: DbOrTx,
  row: Pick<SecondaryRow, 'personId' | 'tenantId'> & { consentAtRequest?: boolean | null },
): Promise<PersonFacts | null> {
  if (!row.personId) return null;
  const [p] = await db
    .select({
      id: persons.id,
      tenantId: persons.tenantId,
      officeId: persons.officeId,
      consentKikan: persons.consentKikan,
      code: persons.code,
      familyName: persons.familyName,
      givenName: persons.givenName,
      familyKana: persons.familyKana,
      givenKana: persons.givenKana,
      birthDate: persons.birthDate,
      disabilityCategories: persons.disabilityCategories,
    })
    .from(persons)
    .where(and(eq(persons.id, row.personId), eq(persons.tenantId, row.tenantId)));
  if (!p) return null;
  return row.consentAtRequest === false ? { ...p, consentKikan: false } : p;
}

/** May this reader see who the person is? Own office always; the 基幹 only with consent. */
export function identityVisibleTo(actor: Actor, person: PersonFacts | null): boolean {
  return person !== null && personGrant(actor, person) !== null;
}

/** Names of staff and offices by id (for cards and notices). */
export async function namesOf(db: DbOrTx, staffIds: string[], officeIds: string[]) {
  const s = staffIds.length ? await db.select({ id: staff.id, name: staff.name }).from(staff).where(inArray(staff.id, staffIds)) : [];
  const o = officeIds.length
    ? await db.select({ id: offices.id, name: offices.name }).from(offices).where(inArray(offices.id, officeIds))
    : [];
  return {
    staff: new Map(s.map((r) => [r.id, r.name])),
    office: new Map(o.map((r) => [r.id, r.name])),
  };
}

/** The actor a notice is written for (to decide what it may show). */
export async function readerActor(db: DbOrTx, staffId: string): Promise<Actor | null> {
  return actorForStaff(db, staffId, 'local');
}

/** Whose names to strip from this request's texts: the requester's office and the person. */
export function knownScopeOf(row: Pick<SecondaryRow, 'requesterOfficeId' | 'personId'>) {
  return { officeIds: [row.requesterOfficeId], personIds: row.personId ? [row.personId] : [] };
}
