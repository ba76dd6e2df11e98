import { and, eq, gt, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { abuseAlerts, accessGrants, persons, staff } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { authorize, effectiveRoles, hasScope } from '../access';
import { writeAudit } from '../audit/write';
import { loadCaseView, type CaseView } from '../cases/view';
import { UserError } from '../errors';

type Elevation = NonNullable<Actor['elevation']>;

const MAX_GRANT_DAYS = 90;

/**
 * An admin lets one staff member (typically 行政) read one person's record for a limited time.
 * The reason is required; the grant and its reason are audited.
 */
async function grantAccess(
  db: DbOrTx,
  admin: Actor,
  input: { staffId: string; personId: string; days: number; reason: string },
  now: Date,
): Promise<string> {
  authorize(admin, 'tenant', 'administer', { tenantId: admin.tenantId }, '閲覧権限の付与');
  const reason = input.reason.trim();
  if (reason.length < 4) throw new UserError('reason_required', '付与の理由を入力してください。', 'grant without reason');
  if (!Number.isInteger(input.days) || input.days < 1 || input.days > MAX_GRANT_DAYS) {
    throw new UserError('bad_days', `期間は1〜${MAX_GRANT_DAYS}日で指定してください。`, 'grant days out of range');
  }
  const [p] = await db
    .select({ id: persons.id })
    .from(persons)
    .where(and(eq(persons.id, input.personId), eq(persons.tenantId, admin.tenantId)));
  const [s] = await db
    .select({ id: staff.id })
    .from(staff)
    .where(and(eq(staff.id, input.staffId), eq(staff.tenantId, admin.tenantId)));
  if (!p || !s) throw new UserError('unknown_target', 'ケースまたは職員が見つかりません。', 'grant target not in tenant');
  const [row] = await db
    .insert(accessGrants)
    .values({
      tenantId: admin.tenantId,
      staffId: s.id,
      personId: p.id,
      kind: 'granted',
      reason,
      grantedBy: admin.staffId,
      expiresAt: new Date(now.getTime() + input.days * 86_400_000),
      createdAt: now,
    })
    .returning({ id: accessGrants.id });
  if (!row) throw new Error('insert returned no row');
  await writeAudit(db, {
    tenantId: admin.tenantId,
    actorStaffId: admin.staffId,
    platform: admin.platform,
    action: 'grant',
    resourceType: 'person',
    resourceId: p.id,
    detail: { grantId: row.id, staffId: s.id, days: input.days },
  });
  return row.id;
}

/**
 * grantAccess for a person named by case code (管理 閲覧許可 氏名 C-0012 日数 理由): the code is
 * looked up in the admin's tenant only, so a code of another municipality is unknown.
 */
export async function grantAccessByCode(
  db: DbOrTx,
  admin: Actor,
  input: { staffId: string; code: string; days: number; reason: string },
  now: Date,
): Promise<string> {
  authorize(admin, 'tenant', 'administer', { tenantId: admin.tenantId }, '閲覧権限の付与');
  const [p] = await db
    .select({ id: persons.id })
    .from(persons)
    .where(and(eq(persons.tenantId, admin.tenantId), eq(persons.code, input.code.normalize('NFKC').toUpperCase())));
  if (!p) throw new UserError('unknown_person', 'そのケース番号は見つかりません。', 'grant: unknown code');
  return grantAccess(db, admin, { staffId: input.staffId, personId: p.id, days: input.days, reason: input.reason }, now);
}

/**
 * The elevation in force for this actor and person, if any: an admin's grant or a break-glass
 * opening still within its time, or (for a 虐待防止センター contact) an abuse alert about the person.
 */
async function elevationFor(db: DbOrTx, actor: Actor, personId: string, now: Date): Promise<Elevation | undefined> {
  const [g] = await db
    .select({ kind: accessGrants.kind })
    .from(accessGrants)
    .where(
      and(
        eq(accessGrants.tenantId, actor.tenantId),
        eq(accessGrants.staffId, actor.staffId),
        eq(accessGrants.personId, personId),
        isNull(accessGrants.revokedAt),
        gt(accessGrants.expiresAt, now),
      ),
    )
    .limit(1);
  if (g) return { personId, scope: g.kind === 'break_glass' ? 'break_glass' : 'granted' };
  if (effectiveRoles(actor).includes('abuse_contact')) {
    const [a] = await db
      .select({ id: abuseAlerts.id })
      .from(abuseAlerts)
      .where(and(eq(abuseAlerts.tenantId, actor.tenantId), eq(abuseAlerts.personId, personId)))
      .limit(1);
    if (a) return { personId, scope: 'abuse_alert' };
  }
  return undefined;
}

/**
 * May free text (a bare 「山田」) be taken as a case lookup for this actor? For roles that search
 * cases by standing rules (the own office, the 基幹), and for a grantee while a grant is in force;
 * anyone else gets the unknown-command answer, and no search is run or audited.
 */
export async function mayLookUpCases(db: DbOrTx, actor: Actor, now: Date): Promise<boolean> {
  if (hasScope(actor, 'person', 'search', 'own_office') || hasScope(actor, 'person', 'search', 'kikan_consent')) return true;
  if (!hasScope(actor, 'person', 'search', 'granted')) return false;
  const [g] = await db
    .select({ id: accessGrants.id })
    .from(accessGrants)
    .where(
      and(
        eq(accessGrants.tenantId, actor.tenantId),
        eq(accessGrants.staffId, actor.staffId),
        eq(accessGrants.kind, 'granted'),
        isNull(accessGrants.revokedAt),
        gt(accessGrants.expiresAt, now),
      ),
    )
    .limit(1);
  return g !== undefined;
}

/** The actor as the policy should see them for this person (standing rules plus any elevation). */
export async function actorFor(db: DbOrTx, actor: Actor, personId: string, now: Date): Promise<Actor> {
  const elevation = await elevationFor(db, actor, personId, now);
  return elevation ? { ...actor, elevation } : actor;
}

/** The case card for a person, honouring grants, break-glass and abuse alerts. Audited by loadCaseView. */
export async function openPerson(db: DbOrTx, actor: Actor, personId: string, now: Date): Promise<CaseView> {
  return loadCaseView(db, actor, personId, now, { elevate: (a) => actorFor(db, a, personId, now) });
}
