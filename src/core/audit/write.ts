import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { pgArray } from '../../../db/array';
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
  await tx.execute(sql`select ${auditAppendSql(entry)}`);
}

/**
 * The `audit_append(…)` call of one row, as an SQL expression: for a statement that appends the
 * row and reads in the same round trip (the case card). Same row, same chain as writeAudit.
 */
export function auditAppendSql(entry: AuditEntry): SQL {
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
  return sql`audit_append(${row.tenantId}::uuid, ${at.toISOString()}::timestamptz, ${row.actorStaffId}::uuid,
    ${row.platform}, ${row.action}, ${row.resourceType}, ${row.resourceId}, ${JSON.stringify(row.detail)}::jsonb, ${head}, ${tail})`;
}

/**
 * Appends many audit rows of one tenant, in this order, in the caller's transaction: the same
 * chain as that many writeAudit calls, in one round trip per 5,000 rows (a town's morning
 * digests and escalations: thousands of rows). The database function `audit_append_batch`
 * (migration 0011, SECURITY DEFINER: the bot's role may not insert into audit_log itself) takes
 * the per-tenant lock, held until commit, reads the head after it and hashes each row's
 * canonical JSON, sent in two parts around its seq as for `audit_append`.
 */
export async function writeAuditBatch(tx: DbOrTx, tenantId: string, entries: readonly Omit<AuditEntry, 'tenantId'>[]): Promise<void> {
  if (entries.length === 0) return;
  // Outside a transaction the lock would end with each statement: chunks of one batch could interleave with other writers.
  if (!(tx instanceof PgTransaction)) return tx.transaction((t) => writeAuditBatch(t, tenantId, entries));
  // Millisecond precision: what JavaScript's Date keeps, so verification recomputes the same hash.
  const at = new Date();
  const rows = entries.map((e) => {
    const fields = {
      tenantId,
      at,
      actorStaffId: e.actorStaffId,
      platform: e.platform,
      action: e.action,
      resourceType: e.resourceType,
      resourceId: e.resourceId ?? null,
      detail: e.detail ?? {},
    };
    return { fields, ...chainJsonParts(fields) };
  });
  // 5,000 rows a statement: a few MB of parameters at most.
  for (let i = 0; i < rows.length; i += 5000) {
    const chunk = rows.slice(i, i + 5000);
    const col = (f: (r: (typeof rows)[number]) => string | null) => pgArray(chunk.map(f));
    await tx.execute(sql`select audit_append_batch(${tenantId}::uuid, ${at.toISOString()}::timestamptz,
      ${col((r) => r.fields.actorStaffId)}::uuid[], ${col((r) => r.fields.platform)}::text[], ${col((r) => r.fields.action)}::text[],
      ${col((r) => r.fields.resourceType)}::text[], ${col((r) => r.fields.resourceId)}::text[],
      ${col((r) => JSON.stringify(r.fields.detail))}::jsonb[], ${col((r) => r.head)}::text[], ${col((r) => r.tail)}::text[])`);
  }
}
