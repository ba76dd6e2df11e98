import type { DbOrTx } from '../../../db/client';
import { persons, servicePlans } from '../../../db/schema/index';
import { personSearchText } from '../kana';
import { nextNumber } from '../tenancy/counters';
import { caseCode } from './search';

export interface NewPerson {
  tenantId: string;
  officeId: string;
  counselorId?: string | null;
  familyName: string;
  givenName: string;
  familyKana: string;
  givenKana: string;
  birthDate?: string | null;
  disabilityCategories?: string[];
  recipientNumber?: string | null;
  consentKikan?: boolean;
}

/** Registers a person with the next case code of the tenant. Returns id and code. */
export async function createPerson(db: DbOrTx, p: NewPerson, now: Date): Promise<{ id: string; code: string }> {
  const code = caseCode(await nextNumber(db, p.tenantId, 'person'));
  const [row] = await db
    .insert(persons)
    .values({
      ...p,
      code,
      searchText: personSearchText(p),
      consentKikan: p.consentKikan ?? false,
      consentRecordedAt: p.consentKikan ? now : null,
      createdAt: now,
      updatedAt: now,
    })
    .returning({ id: persons.id });
  if (!row) throw new Error('insert returned no row');
  return { id: row.id, code };
}

export interface NewPlan {
  tenantId: string;
  personId: string;
  periodStart: string;
  periodEnd: string;
  frequencyMonths?: number | null;
  standardMonths?: number[] | null;
  certificateEnd?: string | null;
  /** Absent or null: the tenant's start convention for a decision taking effect mid-month. */
  countFrom?: 'same_month' | 'next_month' | null;
}

export async function createPlan(db: DbOrTx, p: NewPlan, now: Date): Promise<string> {
  const [row] = await db
    .insert(servicePlans)
    .values({ ...p, createdAt: now, updatedAt: now })
    .returning({ id: servicePlans.id });
  if (!row) throw new Error('insert returned no row');
  return row.id;
}
