import { createHash } from 'node:crypto';
import { desc, eq, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../../db/client';
import { auditLog } from '../../../db/schema/index';

export interface AuditEntry {
  tenantId: string;
  actorStaffId: string | null;
  platform: string | null;
  action: string;
  resourceType: string;
  resourceId?: string | null;
  /** Ids, counts and field names only: never personal data. */
  detail?: Record<string, unknown>;
}

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with sorted keys, so that the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface ChainedFields {
  tenantId: string;
  seq: number;
  at: Date;
  actorStaffId: string | null;
  platform: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  detail: Record<string, unknown>;
}

export function chainHash(prevHash: string, row: ChainedFields): string {
  const body = canonicalJson({ ...row, at: row.at.toISOString() });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/**
 * Appends one audit row in the caller's transaction. A per-tenant advisory lock serialises
 * appends until commit, so concurrent writers cannot fork the chain.
 */
export async function writeAudit(tx: DbOrTx, entry: AuditEntry): Promise<void> {
  // Outside a transaction the xact lock would end with its own statement, and two concurrent
  // writers of one tenant would read the same last seq (measured: bench/case-lookup.ts).
  if (!(tx instanceof PgTransaction)) return tx.transaction((t) => writeAudit(t, entry));
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`audit:${entry.tenantId}`}, 0))`);
  const [last] = await tx
    .select({ seq: auditLog.seq, hash: auditLog.hash })
    .from(auditLog)
    .where(eq(auditLog.tenantId, entry.tenantId))
    .orderBy(desc(auditLog.seq))
    .limit(1);
  // Millisecond precision: what JavaScript's Date keeps, so verification recomputes the same hash.
  const at = new Date();
  const fields: ChainedFields = {
    tenantId: entry.tenantId,
    seq: (last?.seq ?? 0) + 1,
    at,
    actorStaffId: entry.actorStaffId,
    platform: entry.platform,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId ?? null,
    detail: entry.detail ?? {},
  };
  const prevHash = last?.hash ?? GENESIS_HASH;
  await tx.insert(auditLog).values({ ...fields, prevHash, hash: chainHash(prevHash, fields) });
}
