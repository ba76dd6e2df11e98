/** Reading regional issues: one by number or id, and the evidence that a need is regional. */
import { and, eq, inArray, or, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { regionalEndorsements, regionalIssues } from '../../../db/schema/index';
import { UserError } from '../errors';
import type { RegionalRow } from './file';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISSUE_NOT_FOUND = '該当する地域課題が見つかりません。番号を確認してください。';

/** An issue of the tenant by id or number (`3`, `#3`); locked FOR UPDATE when asked. */
export async function findIssue(
  db: DbOrTx,
  tenantId: string,
  ref: string,
  opts: { lock?: boolean; field?: string } = {},
): Promise<RegionalRow> {
  const v = ref.normalize('NFKC').trim().replace(/^#/, '');
  const notFound = () =>
    new UserError('unknown_issue', ISSUE_NOT_FOUND, 'regional issue not found', opts.field ? { [opts.field]: ISSUE_NOT_FOUND } : undefined);
  let where: SQL | undefined;
  if (UUID.test(v)) where = and(eq(regionalIssues.tenantId, tenantId), eq(regionalIssues.id, v));
  else if (/^\d{1,9}$/.test(v)) where = and(eq(regionalIssues.tenantId, tenantId), eq(regionalIssues.number, Number(v)));
  else throw notFound();
  const q = db.select().from(regionalIssues).where(where);
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw notFound();
  return row;
}

export interface Evidence {
  /** Offices that have the need (the filer's and every 「うちでも同じ」). */
  offices: number;
  /** Cases counted by those offices (per office the largest count given). */
  cases: number;
}

/**
 * Evidence per issue, counting the issues merged into it: merged duplicates keep their
 * endorsements, and an office counted twice in one group counts once, with its largest number.
 */
export async function evidenceOf(db: DbOrTx, tenantId: string, issueIds: string[]): Promise<Map<string, Evidence>> {
  const out = new Map<string, Evidence>();
  if (issueIds.length === 0) return out;
  const wanted = new Set(issueIds);
  const members = await db
    .select({
      id: regionalIssues.id,
      mergedInto: regionalIssues.mergedInto,
      office: regionalIssues.filedByOffice,
      count: regionalIssues.affectedCount,
    })
    .from(regionalIssues)
    .where(
      and(eq(regionalIssues.tenantId, tenantId), or(inArray(regionalIssues.id, issueIds), inArray(regionalIssues.mergedInto, issueIds))),
    );
  const rootOf = new Map(members.map((m) => [m.id, wanted.has(m.id) ? m.id : (m.mergedInto ?? m.id)]));
  const endorsements = await db
    .select({ issueId: regionalEndorsements.issueId, office: regionalEndorsements.officeId, count: regionalEndorsements.count })
    .from(regionalEndorsements)
    .where(inArray(regionalEndorsements.issueId, [...rootOf.keys()]));
  const perOffice = new Map<string, Map<string, number>>();
  const add = (root: string | undefined, office: string, count: number) => {
    if (!root) return;
    const m = perOffice.get(root) ?? new Map<string, number>();
    m.set(office, Math.max(m.get(office) ?? 0, count));
    perOffice.set(root, m);
  };
  for (const m of members) add(rootOf.get(m.id), m.office, m.count);
  for (const e of endorsements) add(rootOf.get(e.issueId), e.office, e.count);
  for (const id of issueIds) {
    const m = perOffice.get(id) ?? new Map<string, number>();
    out.set(id, { offices: m.size, cases: [...m.values()].reduce((a, b) => a + b, 0) });
  }
  return out;
}
