/**
 * A 二次相談 as one reader may see it. The requester's own office sees the person; the 基幹 sees
 * who the person is only where the person consented (情報共有の同意); otherwise the reader gets
 * the profile (age band, disability category, situation) and every free text de-identified.
 * Every view is audited.
 */
import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { secondaryPosts } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { writeAudit } from '../audit/write';
import { jstToday } from '../calendar/jst';
import { UserError } from '../errors';
import { deidentifyFor } from './channel-post';
import { canClose, canPost, canStart, canTake, canViewSecondary, postKindsFor, type PostKind } from './policy';
import { findSecondary, identityVisibleTo, knownScopeOf, namesOf, NOT_FOUND, personOf, type SecondaryRow } from './store';

export interface SecondaryView {
  row: SecondaryRow;
  /** Set only when the reader may see who the person is. */
  person: { id: string; code: string; name: string; kana: string } | null;
  /** True when a registered person is behind the request but hidden from this reader. */
  identityHidden: boolean;
  profile: { ageBand?: string; category?: string; situation?: string };
  tried: string;
  question: string;
  requesterName: string;
  requesterOffice: string;
  takerName: string | null;
  posts: { kind: string; author: string; body: string; at: Date }[];
  may: { take: boolean; start: boolean; post: PostKind[]; close: boolean };
}

export async function loadSecondaryView(db: DbOrTx, actor: Actor, ref: string, now: Date): Promise<SecondaryView> {
  const row = await findSecondary(db, actor.tenantId, ref);
  if (!canViewSecondary(actor, row)) throw new UserError('unknown_secondary', NOT_FOUND, 'secondary not visible');
  const person = await personOf(db, row);
  const visible = identityVisibleTo(actor, person);
  const posts = await db
    .select({ kind: secondaryPosts.kind, authorId: secondaryPosts.authorId, body: secondaryPosts.body, at: secondaryPosts.createdAt })
    .from(secondaryPosts)
    .where(eq(secondaryPosts.secondaryId, row.id))
    .orderBy(asc(secondaryPosts.createdAt));
  const profile = row.profile ?? {};
  let texts = [row.tried, row.question, profile.situation ?? '', ...posts.map((p) => p.body)];
  if (!visible) texts = await deidentifyFor(db, row.tenantId, knownScopeOf(row), texts, jstToday(now));
  const [tried = '', question = '', situation = '', ...bodies] = texts;
  const names = await namesOf(
    db,
    [row.requesterId, ...(row.takenBy ? [row.takenBy] : []), ...posts.map((p) => p.authorId)],
    [row.requesterOfficeId],
  );
  await writeAudit(db, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'view',
    resourceType: 'secondary_consultation',
    resourceId: row.id,
    detail: { number: row.number, personId: row.personId, identity: visible },
  });
  return {
    row,
    person:
      visible && person
        ? {
            id: person.id,
            code: person.code,
            name: `${person.familyName} ${person.givenName}`,
            kana: `${person.familyKana} ${person.givenKana}`,
          }
        : null,
    identityHidden: person !== null && !visible,
    profile: { ageBand: profile.ageBand, category: profile.category, situation: situation || undefined },
    tried,
    question,
    requesterName: names.staff.get(row.requesterId) ?? '',
    requesterOffice: names.office.get(row.requesterOfficeId) ?? '',
    takerName: row.takenBy ? (names.staff.get(row.takenBy) ?? null) : null,
    posts: posts.map((p, i) => ({ kind: p.kind, author: names.staff.get(p.authorId) ?? '', body: bodies[i] ?? '', at: p.at })),
    may: {
      take: canTake(actor, row).ok,
      start: canStart(actor, row).ok,
      post: canPost(actor, row).ok ? postKindsFor(actor, row) : [],
      close: canClose(actor, row).ok,
    },
  };
}
