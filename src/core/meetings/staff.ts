import { and, asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { offices, staff } from '../../../db/schema/index';

export interface StaffOption {
  id: string;
  name: string;
  kana: string | null;
  officeName: string;
}

/** The tenant's active staff, by office then kana: attendee pickers and name lookups use it. */
export async function tenantStaff(db: DbOrTx, tenantId: string): Promise<StaffOption[]> {
  return db
    .select({ id: staff.id, name: staff.name, kana: staff.kana, officeName: offices.name })
    .from(staff)
    .innerJoin(offices, eq(offices.id, staff.officeId))
    .where(and(eq(staff.tenantId, tenantId), eq(staff.active, true)))
    .orderBy(asc(offices.name), asc(staff.kana), asc(staff.name));
}

function key(s: string): string {
  return s.normalize('NFKC').replace(/[\s　・]/g, '');
}

/** Staff whose name or kana is exactly the typed name (spaces and width ignored). */
function staffByName(all: readonly StaffOption[], typed: string): StaffOption[] {
  const k = key(typed);
  if (k === '') return [];
  return all.filter((s) => key(s.name) === k || (s.kana !== null && key(s.kana) === k));
}

/**
 * Reads one typed staff name into an id, or a Japanese reason (`内容` is the column the name
 * came from, so the message says where to look).
 */
export function resolveStaffName(all: readonly StaffOption[], typed: string, what: string): { id: string } | { error: string } {
  const found = staffByName(all, typed);
  const only = found[0];
  if (found.length === 1 && only) return { id: only.id };
  if (found.length === 0) return { error: `${what}「${typed}」が職員として登録されていません。` };
  return { error: `${what}「${typed}」に該当する職員が${found.length}人います（${found.map((f) => f.officeName).join('、')}）。` };
}
