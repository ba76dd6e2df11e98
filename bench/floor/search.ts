/**
 * Floor of case search: bare postgres.js (prepared) running the statements of
 * src/core/cases/search.ts (the visible persons of the asker, by case code, else by partial
 * name or kana ordered by trigram similarity, else 「もしかして」) and the same audit append.
 * The query text is normalised with the product's own pure functions (what a search means, not
 * overhead); the role check is the same policy function.
 */
import type postgres from 'postgres';
import { hasScope, isKikan } from '../../src/core/access';
import { caseCode } from '../../src/core/cases/search';
import { normalizeForSearch, romajiToHiragana } from '../../src/core/kana';
import type { Actor } from '../../src/core/actor';
import { auditAppend } from './audit';

const CODE_PATTERN = /^(?:c-?)?(\d{1,8})$/i;
const like = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function floorSearch(sql: postgres.Sql, actor: Actor, query: string, now: Date): Promise<unknown[]> {
  const q = normalizeForSearch(query);
  const kikan = isKikan(actor);
  const granted = hasScope(actor, 'person', 'search', 'granted');
  const scope = sql`p.tenant_id = ${actor.tenantId} and p.deleted_at is null and (p.office_id = ${actor.officeId}
    ${kikan ? sql`or p.consent_kikan` : sql``}
    ${
      granted
        ? sql`or exists (select 1 from access_grants g where g.tenant_id = ${actor.tenantId} and g.staff_id = ${actor.staffId}
      and g.person_id = p.id and g.kind = 'granted' and g.revoked_at is null and g.expires_at > ${now})`
        : sql``
    })`;
  const cols = sql`p.id, p.code, p.family_name, p.given_name, p.family_kana, p.given_kana, p.office_id, p.consent_kikan`;
  let hits: { id: string }[] = [];
  let fuzzy = false;
  const code = CODE_PATTERN.exec(q);
  if (code)
    hits = await sql<{ id: string }[]>`select ${cols} from persons p where ${scope} and p.code = ${caseCode(Number(code[1]))} limit 8`;
  const text = code ? q : (romajiToHiragana(query) ?? q);
  if (hits.length === 0) {
    hits = await sql<{ id: string }[]>`select ${cols} from persons p where ${scope} and p.search_text like ${like(text)}
      order by similarity(p.search_text, ${text}) desc, p.family_kana limit 8`;
  }
  if (hits.length === 0 && text.length >= 2) {
    fuzzy = true;
    hits = await sql<{ id: string }[]>`select ${cols} from persons p where ${scope} and similarity(p.search_text, ${text}) > 0.2
      order by similarity(p.search_text, ${text}) desc, p.family_kana limit 5`;
  }
  await auditAppend(sql, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'search',
    resourceType: 'person',
    resourceId: null,
    detail: { queryLength: q.length, results: hits.map((h) => h.id), fuzzy },
  });
  return hits;
}
