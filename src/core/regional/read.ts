/**
 * What people ask of regional issues: one issue with its history, and the lists (by status,
 * by 部会, most endorsed, waiting for the 運営会議). Issues carry no personal data (their texts
 * were de-identified on the way in), so every staff member of the tenant may read them.
 */
import { and, asc, desc, eq, ne, notInArray } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { councilBodies, offices, regionalEndorsements, regionalEvents, regionalIssues, staff } from '../../../db/schema/index';
import type { Actor } from '../actor';
import type { RegionalRow } from './file';
import { availableSteps, canEndorse, REGIONAL_STATUSES, type RegionalStep } from './policy';
import { evidenceOf, findIssue, type Evidence } from './store';

export interface IssueView {
  issue: RegionalRow;
  evidence: Evidence;
  filerOffice: string;
  bodyName: string | null;
  mergedIntoNumber: number | null;
  mergedNumbers: number[];
  endorsements: { office: string; count: number }[];
  events: { kind: string; toStatus: string | null; note: string | null; staff: string; at: Date }[];
  steps: RegionalStep[];
  canEndorse: boolean;
}

export async function loadIssueView(db: DbOrTx, actor: Actor, ref: string): Promise<IssueView> {
  const issue = await findIssue(db, actor.tenantId, ref);
  const evidence = (await evidenceOf(db, actor.tenantId, [issue.id])).get(issue.id) ?? { offices: 0, cases: 0 };
  const [office] = await db.select({ name: offices.name }).from(offices).where(eq(offices.id, issue.filedByOffice));
  const [body] = issue.councilBodyId
    ? await db.select({ name: councilBodies.name }).from(councilBodies).where(eq(councilBodies.id, issue.councilBodyId))
    : [];
  const [target] = issue.mergedInto
    ? await db.select({ number: regionalIssues.number }).from(regionalIssues).where(eq(regionalIssues.id, issue.mergedInto))
    : [];
  const merged = await db
    .select({ number: regionalIssues.number })
    .from(regionalIssues)
    .where(eq(regionalIssues.mergedInto, issue.id))
    .orderBy(asc(regionalIssues.number));
  const endorsements = await db
    .select({ office: offices.name, count: regionalEndorsements.count })
    .from(regionalEndorsements)
    .innerJoin(offices, eq(offices.id, regionalEndorsements.officeId))
    .where(eq(regionalEndorsements.issueId, issue.id))
    .orderBy(asc(regionalEndorsements.createdAt));
  const events = await db
    .select({
      kind: regionalEvents.kind,
      toStatus: regionalEvents.toStatus,
      note: regionalEvents.note,
      staff: staff.name,
      at: regionalEvents.createdAt,
    })
    .from(regionalEvents)
    .innerJoin(staff, eq(staff.id, regionalEvents.staffId))
    .where(eq(regionalEvents.issueId, issue.id))
    .orderBy(desc(regionalEvents.createdAt))
    .limit(8);
  return {
    issue,
    evidence,
    filerOffice: office?.name ?? '',
    bodyName: body?.name ?? null,
    mergedIntoNumber: target?.number ?? null,
    mergedNumbers: merged.map((m) => m.number),
    endorsements,
    events: events.reverse(),
    steps: availableSteps(actor, issue),
    canEndorse: canEndorse(actor, issue).ok,
  };
}

export type ListMode = 'status' | 'bukai' | 'endorsed' | 'waiting';

export interface IssueListItem {
  id: string;
  number: number;
  title: string;
  status: string;
  priority: string | null;
  bodyName: string | null;
  evidence: Evidence;
  createdAt: Date;
}

const STATUS_ORDER = new Map<string, number>(REGIONAL_STATUSES.map((s, i) => [s, i]));

/** Issues of the tenant for one list; merged duplicates are shown through their target. */
export async function listIssues(db: DbOrTx, actor: Actor, mode: ListMode, limit = 30): Promise<IssueListItem[]> {
  const base = and(eq(regionalIssues.tenantId, actor.tenantId), ne(regionalIssues.status, 'merged'));
  const where =
    mode === 'waiting'
      ? and(base, eq(regionalIssues.status, 'submitted'))
      : mode === 'bukai'
        ? and(base, eq(regionalIssues.routing, 'bukai'), notInArray(regionalIssues.status, ['returned']))
        : mode === 'endorsed'
          ? and(base, notInArray(regionalIssues.status, ['returned', 'resolved']))
          : base;
  const rows = await db
    .select({
      id: regionalIssues.id,
      number: regionalIssues.number,
      title: regionalIssues.title,
      status: regionalIssues.status,
      priority: regionalIssues.priority,
      bodyName: councilBodies.name,
      createdAt: regionalIssues.createdAt,
    })
    .from(regionalIssues)
    .leftJoin(councilBodies, eq(councilBodies.id, regionalIssues.councilBodyId))
    .where(where)
    .orderBy(desc(regionalIssues.createdAt))
    .limit(500);
  const ev = await evidenceOf(
    db,
    actor.tenantId,
    rows.map((r) => r.id),
  );
  const items = rows.map((r) => ({ ...r, evidence: ev.get(r.id) ?? { offices: 0, cases: 0 } }));
  const byEvidence = (a: IssueListItem, b: IssueListItem) =>
    b.evidence.offices - a.evidence.offices || b.evidence.cases - a.evidence.cases || a.number - b.number;
  if (mode === 'endorsed') items.sort(byEvidence);
  else if (mode === 'waiting') items.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  else if (mode === 'bukai') items.sort((a, b) => (a.bodyName ?? '').localeCompare(b.bodyName ?? '', 'ja') || a.number - b.number);
  else items.sort((a, b) => (STATUS_ORDER.get(a.status) ?? 99) - (STATUS_ORDER.get(b.status) ?? 99) || a.number - b.number);
  return items.slice(0, limit);
}

/** The tenant's 専門部会 (council_bodies of kind 'bukai'), for the triage form. */
export async function bukaiOf(db: DbOrTx, tenantId: string): Promise<{ id: string; name: string }[]> {
  return db
    .select({ id: councilBodies.id, name: councilBodies.name })
    .from(councilBodies)
    .where(and(eq(councilBodies.tenantId, tenantId), eq(councilBodies.kind, 'bukai')))
    .orderBy(asc(councilBodies.name));
}
