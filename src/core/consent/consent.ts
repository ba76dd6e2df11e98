/**
 * 情報共有の同意, recorded and withdrawn by the person's own office. The rows keep the history
 * (date, scope, how obtained, who recorded, withdrawal); `persons.consent_kikan`, which every view
 * reads (access policy, search, 二次相談, meetings, exports), is set in the same transaction, so a
 * withdrawal takes effect for every view at once. Requests the 基幹 got de-identified stay so
 * (secondary_consultations.consent_at_request).
 */
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db, Tx } from '../../../db/client';
import { personConsents, persons, staff } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { writeAudit } from '../audit/write';
import { jstToday, type IsoDate } from '../calendar/jst';
import { personForDecision } from '../decisions/decision';
import { UserError } from '../errors';

export const KIKAN_SCOPE = 'kikan';
export const CONSENT_METHODS = ['書面', '口頭', 'その他'] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];

export interface ConsentInput {
  personId: string;
  givenOn: IsoDate;
  /** The 基幹 (`kikan`) and/or named bodies. */
  scope: string[];
  method: ConsentMethod;
}

export interface ConsentRow {
  id: string;
  givenOn: string;
  scope: string[];
  method: string;
  recordedBy: string;
  /** The staff member who recorded it, by name (shown to the person's own office). */
  recordedByName: string;
  withdrawnOn: string | null;
}

/** The person's consents, newest first (own office only; the view is audited). */
export async function consentsOf(db: Db, actor: Actor, personId: string): Promise<ConsentRow[]> {
  await personForDecision(db, actor, personId);
  const rows = await db
    .select({
      id: personConsents.id,
      givenOn: personConsents.givenOn,
      scope: personConsents.scope,
      method: personConsents.method,
      recordedBy: personConsents.recordedBy,
      recordedByName: staff.name,
      withdrawnOn: personConsents.withdrawnOn,
    })
    .from(personConsents)
    .innerJoin(staff, eq(staff.id, personConsents.recordedBy))
    .where(and(eq(personConsents.tenantId, actor.tenantId), eq(personConsents.personId, personId)))
    .orderBy(desc(personConsents.recordedAt));
  await writeAudit(db, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'view',
    resourceType: 'consent',
    resourceId: personId,
    detail: { rows: rows.length },
  });
  return rows;
}

/** Keeps persons.consent_kikan equal to "an active consent covers the 基幹". */
async function syncFlag(tx: Tx, actor: Actor, personId: string, now: Date): Promise<boolean> {
  const active = await tx
    .select({ scope: personConsents.scope })
    .from(personConsents)
    .where(and(eq(personConsents.tenantId, actor.tenantId), eq(personConsents.personId, personId), isNull(personConsents.withdrawnOn)));
  const kikan = active.some((r) => r.scope.includes(KIKAN_SCOPE));
  await tx
    .update(persons)
    .set({ consentKikan: kikan, consentRecordedAt: kikan ? now : null, updatedAt: now })
    .where(eq(persons.id, personId));
  return kikan;
}

export async function recordConsent(db: Db, actor: Actor, input: ConsentInput, now: Date): Promise<{ id: string; kikan: boolean }> {
  await personForDecision(db, actor, input.personId);
  if (input.givenOn > jstToday(now)) {
    const msg = '同意日に未来の日付は指定できません。';
    throw new UserError('future_date', msg, 'consent in the future', { givenOn: msg });
  }
  return db.transaction(async (tx) => {
    await tx.select({ id: persons.id }).from(persons).where(eq(persons.id, input.personId)).for('update');
    const [row] = await tx
      .insert(personConsents)
      .values({
        tenantId: actor.tenantId,
        personId: input.personId,
        givenOn: input.givenOn,
        scope: input.scope,
        method: input.method,
        recordedBy: actor.staffId,
        recordedAt: now,
      })
      .returning({ id: personConsents.id });
    if (!row) throw new Error('insert returned no row');
    const kikan = await syncFlag(tx, actor, input.personId, now);
    // Counts only: the named bodies are free text.
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'consent_record',
      resourceType: 'person',
      resourceId: input.personId,
      detail: {
        consentId: row.id,
        kikan: input.scope.includes(KIKAN_SCOPE),
        bodies: input.scope.filter((s) => s !== KIKAN_SCOPE).length,
        method: input.method,
      },
    });
    return { id: row.id, kikan };
  });
}

/** Withdraws every active consent of the person (withdrawal is the person's, whole): at once for every view. */
export async function withdrawConsent(
  db: Db,
  actor: Actor,
  personId: string,
  withdrawnOn: IsoDate,
  now: Date,
): Promise<{ withdrawn: number }> {
  await personForDecision(db, actor, personId);
  return db.transaction(async (tx) => {
    await tx.select({ id: persons.id }).from(persons).where(eq(persons.id, personId)).for('update');
    const rows = await tx
      .update(personConsents)
      .set({ withdrawnOn, withdrawnBy: actor.staffId, withdrawnAt: now })
      .where(and(eq(personConsents.tenantId, actor.tenantId), eq(personConsents.personId, personId), isNull(personConsents.withdrawnOn)))
      .returning({ id: personConsents.id });
    // A consent recorded before this table (only the flag was kept) is withdrawn too.
    await syncFlag(tx, actor, personId, now);
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'consent_withdraw',
      resourceType: 'person',
      resourceId: personId,
      detail: { withdrawn: rows.length },
    });
    return { withdrawn: rows.length };
  });
}
