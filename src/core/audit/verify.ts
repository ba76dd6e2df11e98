import { and, asc, eq, gt } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { auditLog, tenants } from '../../../db/schema/index';
import { chainHash, GENESIS_HASH } from './write';

type ChainProblemKind = 'gap' | 'broken_link' | 'altered' | 'anchor_missing';

interface ChainProblem {
  tenantId: string;
  tenantCode: string;
  seq: number;
  kind: ChainProblemKind;
  message: string;
}

interface TenantHead {
  tenantId: string;
  tenantCode: string;
  rows: number;
  seq: number;
  hash: string;
}

export interface VerifyResult {
  ok: boolean;
  heads: TenantHead[];
  problems: ChainProblem[];
}

/** A head recorded earlier (kept outside the database): the chain must still contain it. */
export interface Anchor {
  tenantId: string;
  seq: number;
  hash: string;
}

const PAGE = 5000;

/**
 * Walks every tenant's chain from seq 1 and recomputes each hash. A changed row breaks its own
 * hash; a deleted row leaves a gap and breaks the next link; swapped rows break both. Truncating
 * the newest rows is only visible against an anchor (a head recorded earlier elsewhere).
 */
export async function verifyAuditChain(db: DbOrTx, opts: { tenantId?: string; anchors?: Anchor[] } = {}): Promise<VerifyResult> {
  const ts = await db
    .select({ id: tenants.id, code: tenants.code })
    .from(tenants)
    .where(opts.tenantId ? eq(tenants.id, opts.tenantId) : undefined)
    .orderBy(asc(tenants.code));
  const problems: ChainProblem[] = [];
  const heads: TenantHead[] = [];
  for (const t of ts) {
    // Several anchors may name one seq (written at different moments, or by several instances): each must match.
    const anchors = new Map<number, Set<string>>();
    for (const a of opts.anchors ?? []) if (a.tenantId === t.id) anchors.set(a.seq, (anchors.get(a.seq) ?? new Set()).add(a.hash));
    const problem = (seq: number, kind: ChainProblemKind, message: string) =>
      problems.push({ tenantId: t.id, tenantCode: t.code, seq, kind, message });
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    let rows = 0;
    let lastSeq = 0;
    for (;;) {
      const page = await db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.tenantId, t.id), gt(auditLog.seq, lastSeq)))
        .orderBy(asc(auditLog.seq))
        .limit(PAGE);
      for (const row of page) {
        rows++;
        if (row.seq !== expectedSeq) problem(row.seq, 'gap', `rows ${expectedSeq}..${row.seq - 1} are missing`);
        if (row.prevHash !== prevHash) problem(row.seq, 'broken_link', 'prev_hash does not match the previous row');
        const recomputed = chainHash(row.prevHash, {
          tenantId: row.tenantId,
          seq: row.seq,
          at: row.at,
          actorStaffId: row.actorStaffId,
          platform: row.platform,
          action: row.action,
          resourceType: row.resourceType,
          resourceId: row.resourceId,
          detail: row.detail,
        });
        if (recomputed !== row.hash) problem(row.seq, 'altered', 'content does not match its hash');
        const anchored = anchors.get(row.seq);
        if (anchored !== undefined && [...anchored].some((h) => h !== row.hash))
          problem(row.seq, 'altered', 'hash differs from the recorded anchor (the chain was rewritten and re-hashed)');
        anchors.delete(row.seq);
        expectedSeq = row.seq + 1;
        prevHash = row.hash;
        lastSeq = row.seq;
      }
      if (page.length < PAGE) break;
    }
    for (const seq of anchors.keys()) problem(seq, 'anchor_missing', 'an anchored row is gone (the chain was cut)');
    heads.push({ tenantId: t.id, tenantCode: t.code, rows, seq: lastSeq, hash: prevHash });
  }
  return { ok: problems.length === 0, heads, problems };
}
