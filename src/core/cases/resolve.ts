import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { persons } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { canWritePerson } from '../access';
import { UserError } from '../errors';
import { searchPersons, visiblePersons, type PersonHit } from './search';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isPersonId = (value: string): boolean => UUID.test(value.trim());

/**
 * What a person field shows for a person picked by id (a case card's 「記録する」): the case code,
 * which the person reads and which resolvePerson turns back into the same person on submit.
 * Only a person the actor may see (the search rule, `visiblePersons`) has one; anyone else is
 * null, exactly like an unknown id. The code is an identifier, not a view of the record.
 * `writable` says whether the actor may record about them (canWritePerson), so that a form that
 * would be refused on submit is not offered.
 */
export async function visibleCaseCode(db: DbOrTx, actor: Actor, personId: string): Promise<{ code: string; writable: boolean } | null> {
  const id = personId.trim();
  if (!UUID.test(id)) return null;
  const [row] = await db
    .select({
      id: persons.id,
      code: persons.code,
      tenantId: persons.tenantId,
      officeId: persons.officeId,
      consentKikan: persons.consentKikan,
    })
    .from(persons)
    .where(and(visiblePersons(actor), eq(persons.id, id)));
  return row ? { code: row.code, writable: canWritePerson(actor, row) } : null;
}

/**
 * A person typed into a form's person field: an id (from a picker), a case code or a name.
 * Exactly one visible person must match (grants in force at `now` included); otherwise the field
 * gets a Japanese message.
 */
export async function resolvePerson(
  db: DbOrTx,
  actor: Actor,
  value: string,
  now: Date,
  field = 'person',
): Promise<PersonHit | { id: string }> {
  const v = value.trim();
  if (UUID.test(v)) return { id: v };
  const { hits, fuzzy } = await searchPersons(db, actor, v, now, 3);
  const first = hits[0];
  if (!first || fuzzy) {
    const msg = 'ケースが見つかりません。ケース番号（例: C-0012）か氏名を確認してください。';
    throw new UserError('unknown_person', msg, 'person not resolved', { [field]: msg });
  }
  if (hits.length > 1) {
    const msg = `${hits.length}件以上該当します。ケース番号（例: ${first.code}）で指定してください。`;
    throw new UserError('ambiguous_person', msg, 'person ambiguous', { [field]: msg });
  }
  return first;
}
