import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';

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
 * The canonical JSON of a row in two parts, before and after the value of `seq`, which only the
 * database knows when it appends (the keys are sorted, so `seq` always sits between
 * `resourceType` and `tenantId`, after `detail`: the last match is the top-level one).
 */
export function chainJsonParts(row: Omit<ChainedFields, 'seq'>): { head: string; tail: string } {
  const full = canonicalJson({ ...row, seq: 0, at: row.at.toISOString() });
  const marker = ',"seq":0,"tenantId":';
  const i = full.lastIndexOf(marker);
  if (i < 0) throw new Error('audit row without seq/tenantId');
  return { head: `${full.slice(0, i)},"seq":`, tail: full.slice(i + ',"seq":0'.length) };
}

/**
 * Appends one audit row in the caller's transaction (or as its own statement), in one round
 * trip: the database function `audit_append` (migration 0005) takes a per-tenant advisory lock
 * held until commit, reads the chain's head after the lock is held, and inserts the row with
 * the hash `chainHash` would compute, so concurrent writers cannot fork the chain.
 */
export async function writeAudit(tx: DbOrTx, entry: AuditEntry): Promise<void> {
  // Millisecond precision: what JavaScript's Date keeps, so verification recomputes the same hash.
  const at = new Date();
  const row = {
    tenantId: entry.tenantId,
    at,
    actorStaffId: entry.actorStaffId,
    platform: entry.platform,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId ?? null,
    detail: entry.detail ?? {},
  };
  const { head, tail } = chainJsonParts(row);
  await tx.execute(sql`select audit_append(${row.tenantId}::uuid, ${at.toISOString()}::timestamptz, ${row.actorStaffId}::uuid,
    ${row.platform}, ${row.action}, ${row.resourceType}, ${row.resourceId}, ${JSON.stringify(row.detail)}::jsonb, ${head}, ${tail})`);
}
