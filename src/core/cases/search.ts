import { and, desc, eq, gt, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { accessGrants, persons } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { hasScope, isKikan } from '../access';
import { writeAudit } from '../audit/write';
import { UserError } from '../errors';
import { normalizeForSearch, romajiToHiragana, scriptRuns } from '../kana';

export interface PersonHit {
  id: string;
  code: string;
  familyName: string;
  givenName: string;
  familyKana: string;
  givenKana: string;
  officeId: string;
  consentKikan: boolean;
}

export interface SearchResult {
  hits: PersonHit[];
  /** True when nothing matched exactly and the hits are "もしかして" suggestions. */
  fuzzy: boolean;
}

const MAX_QUERY = 50;
/** Case codes look like `C-0012`; `c12`, `0012` and `12` find it too. */
const CODE_PATTERN = /^(?:c-?)?(\d{1,8})$/i;

export function caseCode(n: number): string {
  return `C-${String(n).padStart(4, '0')}`;
}

/**
 * The persons the actor may see, as SQL: their own office's, for the 基幹 the persons who
 * consented, and, given `now`, the persons an admin's grant (管理 閲覧許可) opens to the actor at
 * that instant, for roles the policy lets search under a grant. The filter is in the query, so an
 * invisible person is never even counted.
 */
export function visiblePersons(actor: Actor, now?: Date): SQL {
  const own = eq(persons.officeId, actor.officeId);
  const standing = isKikan(actor) ? or(own, eq(persons.consentKikan, true)) : own;
  const scope = now && hasScope(actor, 'person', 'search', 'granted') ? or(standing, grantedTo(actor, now)) : standing;
  return and(eq(persons.tenantId, actor.tenantId), isNull(persons.deletedAt), scope) as SQL;
}

/** An admin's grant of this person to the actor, in force at `now` (not revoked, not expired). */
function grantedTo(actor: Actor, now: Date): SQL {
  return sql`exists (select 1 from ${accessGrants} where ${and(
    eq(accessGrants.tenantId, actor.tenantId),
    eq(accessGrants.staffId, actor.staffId),
    eq(accessGrants.personId, persons.id),
    eq(accessGrants.kind, 'granted'),
    isNull(accessGrants.revokedAt),
    gt(accessGrants.expiresAt, now),
  )})`;
}

/** `%text%` for LIKE, with LIKE's own characters escaped. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const hitColumns = {
  id: persons.id,
  code: persons.code,
  familyName: persons.familyName,
  givenName: persons.givenName,
  familyKana: persons.familyKana,
  givenKana: persons.givenKana,
  officeId: persons.officeId,
  consentKikan: persons.consentKikan,
};

/**
 * Finds visible persons by case code, name or kana (partial), then fuzzily. `now` decides which
 * admin grants are in force (visiblePersons). Audited.
 */
export async function searchPersons(db: DbOrTx, actor: Actor, query: string, now: Date, limit = 8): Promise<SearchResult> {
  const q = normalizeForSearch(query);
  if (q === '') {
    throw new UserError('empty_query', '探したい方の氏名（漢字・かな）かケース番号を入力してください。例: ケース 山田');
  }
  if (q.length > MAX_QUERY) {
    throw new UserError('query_too_long', `検索語が長すぎます（${MAX_QUERY}文字まで）。氏名の一部かケース番号で検索してください。`);
  }
  const scope = visiblePersons(actor, now);
  let hits: PersonHit[] = [];
  let fuzzy = false;
  const codeMatch = CODE_PATTERN.exec(q);
  if (codeMatch) {
    hits = await db
      .select(hitColumns)
      .from(persons)
      .where(and(scope, eq(persons.code, caseCode(Number(codeMatch[1])))))
      .limit(limit);
  }
  // A name typed in romaji is looked for as the kana it reads as (「yamada」 → やまだ).
  const text = codeMatch ? q : (romajiToHiragana(query) ?? q);
  if (hits.length === 0) {
    hits = await db
      .select(hitColumns)
      .from(persons)
      .where(and(scope, sql`${persons.searchText} like ${likePattern(text)}`))
      .orderBy(desc(sql`similarity(${persons.searchText}, ${text})`), persons.familyKana)
      .limit(limit);
  }
  if (hits.length === 0 && text.length >= 2) {
    // 「もしかして」: close by trigrams (「山田太朗」), or a name typed half in kanji, half in kana
    // (「山だ」, 「やま田」), whose every script run is in the name or its reading.
    fuzzy = true;
    const runs = scriptRuns(text);
    const close = sql`similarity(${persons.searchText}, ${text}) > 0.2`;
    const mixed = runs.length >= 2 ? and(...runs.map((r) => sql`${persons.searchText} like ${likePattern(r)}`)) : undefined;
    hits = await db
      .select(hitColumns)
      .from(persons)
      .where(and(scope, mixed ? or(close, mixed) : close))
      .orderBy(desc(sql`similarity(${persons.searchText}, ${text})`), persons.familyKana)
      .limit(5);
  }
  await writeAudit(db, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'search',
    resourceType: 'person',
    // The query itself is a name: only its length and the ids found are kept.
    detail: { queryLength: q.length, results: hits.map((h) => h.id), fuzzy },
  });
  return { hits, fuzzy };
}
