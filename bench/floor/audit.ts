import type postgres from 'postgres';
import { chainJsonParts } from '../../src/core/audit/write';

/**
 * The same audit append as the product (`audit_append`, migration 0011: per-tenant lock, chain
 * head, hash), as one prepared statement on bare postgres.js. The canonical JSON around `seq`
 * is the product's own function: it is the format of the chain, not overhead.
 */
export function auditAppend(sql: postgres.Sql, row: Parameters<typeof auditAppendCall>[1]) {
  return sql`select ${auditAppendCall(sql, row)}`;
}

/** The `audit_append(…)` call alone, to put in a statement that also reads. */
export function auditAppendCall(
  sql: postgres.Sql,
  row: {
    tenantId: string;
    actorStaffId: string | null;
    platform: string | null;
    action: string;
    resourceType: string;
    resourceId: string | null;
    detail: Record<string, unknown>;
  },
) {
  const at = new Date();
  const { head, tail } = chainJsonParts({ ...row, at });
  return sql`audit_append(${row.tenantId}::uuid, ${at.toISOString()}::timestamptz, ${row.actorStaffId}::uuid,
    ${row.platform}, ${row.action}, ${row.resourceType}, ${row.resourceId}, ${JSON.stringify(row.detail)}::jsonb, ${head}, ${tail})`;
}
