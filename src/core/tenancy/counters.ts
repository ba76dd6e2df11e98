import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';

/**
 * The next number of a per-tenant sequence (`person`, `secondary`, `regional`). One atomic
 * upsert: two instances asking at once get different numbers.
 */
export async function nextNumber(db: DbOrTx, tenantId: string, name: string): Promise<number> {
  const rows = await db.execute<{ value: number }>(sql`
    insert into tenant_counters (tenant_id, name, value) values (${tenantId}, ${name}, 1)
    on conflict (tenant_id, name) do update set value = tenant_counters.value + 1
    returning value`);
  const row = rows[0];
  if (!row) throw new Error('counter upsert returned no row');
  return Number(row.value);
}
