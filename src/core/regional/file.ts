/**
 * 提出: a regional issue is about the region, never a person. Every text is de-identified before
 * it is stored, against every registered person of the tenant (the filer's office and the
 * request it came from with the strictest rules) and for names nobody registered, so nothing
 * downstream (lists, the 運営会議 agenda, channel posts) can leak a name.
 */
import type { Db, Tx } from '../../../db/client';
import { regionalEvents, regionalIssues } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { writeAudit } from '../audit/write';
import { jstToday } from '../calendar/jst';
import { deidentify } from '../deidentify';
import { UserError } from '../errors';
import { loadKnownPersons } from '../secondary/channel-post';
import { nextNumber } from '../tenancy/counters';
import { postIssueState } from './council-post';
import { canFileRegional } from './policy';

export type RegionalRow = typeof regionalIssues.$inferSelect;

export interface NewRegionalIssue {
  title: string;
  finding: string;
  /** Cases affected in the filer's office (a count, never names). */
  affectedCount: number;
  resourceGap?: string | null;
  suggestedDirection?: string | null;
  sourceSecondaryId?: string | null;
}

export interface KnownScope {
  officeIds: string[];
  personIds: string[];
}

/** Files an issue inside the caller's transaction (also used when a 二次相談 is closed). */
export async function fileRegionalIssueTx(
  tx: Tx,
  actor: Actor,
  input: NewRegionalIssue,
  now: Date,
  scope: KnownScope,
): Promise<RegionalRow> {
  if (!canFileRegional(actor)) {
    throw new UserError('forbidden', '地域課題を提出する権限がありません。', 'role cannot file regional issue');
  }
  const today = jstToday(now);
  const known = await loadKnownPersons(tx, actor.tenantId, {
    officeIds: [...new Set([actor.officeId, ...scope.officeIds])],
    personIds: scope.personIds,
  });
  const clean = (s: string | null | undefined) => (s ? deidentify(s, known, { today }).text : null);
  const number = await nextNumber(tx, actor.tenantId, 'regional');
  const [row] = await tx
    .insert(regionalIssues)
    .values({
      tenantId: actor.tenantId,
      number,
      title: clean(input.title) ?? '',
      finding: clean(input.finding) ?? '',
      affectedCount: input.affectedCount,
      resourceGap: clean(input.resourceGap),
      suggestedDirection: clean(input.suggestedDirection),
      filedBy: actor.staffId,
      filedByOffice: actor.officeId,
      sourceSecondaryId: input.sourceSecondaryId ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  if (!row) throw new Error('insert returned no row');
  await tx
    .insert(regionalEvents)
    .values({ tenantId: actor.tenantId, issueId: row.id, staffId: actor.staffId, kind: 'filed', toStatus: 'submitted', createdAt: now });
  await writeAudit(tx, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'create',
    resourceType: 'regional_issue',
    resourceId: row.id,
    detail: { number, affectedCount: input.affectedCount, fromSecondary: input.sourceSecondaryId ?? null },
  });
  await postIssueState(tx, actor.tenantId, row.id, now);
  return row;
}

export async function fileRegionalIssue(db: Db, actor: Actor, input: NewRegionalIssue, now: Date): Promise<RegionalRow> {
  return db.transaction((tx) => fileRegionalIssueTx(tx, actor, input, now, { officeIds: [actor.officeId], personIds: [] }));
}
