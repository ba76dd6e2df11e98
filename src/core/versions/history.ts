import { and, asc, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { consultations, persons, recordVersions, staff } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { decide, personFacts } from '../access';
import { actorFor } from '../admin/grants';
import { auditRefusedView, refusalOf } from '../audit/refusals';
import { writeAudit } from '../audit/write';
import { UserError } from '../errors';

interface VersionEntry {
  version: number;
  /** When this version was replaced, by whom, why (null for the current one). */
  replacedAt: Date | null;
  replacedBy: string | null;
  reason: string | null;
  /** Fields that differ from the next version. */
  changed: string[];
  data: Record<string, unknown>;
}

export interface ConsultationHistory {
  id: string;
  personId: string | null;
  deleted: { at: Date; reason: string | null } | null;
  /** Oldest first, the current version last. */
  versions: VersionEntry[];
  /** May the asker edit / delete it (the author, the office manager)? Buttons are offered only then. */
  canEdit: boolean;
  canDelete: boolean;
}

const SHOWN = ['occurredOn', 'method', 'kind', 'summary', 'minutes', 'nextAction', 'nextActionDue', 'abuseSuspected'];
const NOT_FOUND = '指定された相談記録が見つかりません。';

function diff(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return SHOWN.filter((k) => JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null));
}

/** Every version of one consultation, with who replaced it, when and why. Audited as a view. */
export async function consultationHistory(db: DbOrTx, actor: Actor, id: string, now: Date): Promise<ConsultationHistory> {
  const [row] = await db
    .select()
    .from(consultations)
    .where(and(eq(consultations.id, id), eq(consultations.tenantId, actor.tenantId)));
  if (!row) throw new UserError('unknown_consultation', NOT_FOUND, 'consultation not found');
  let allowed = false;
  if (row.personId) {
    const [p] = await db.select().from(persons).where(eq(persons.id, row.personId));
    const a = p ? await actorFor(db, actor, p.id, now) : actor;
    allowed = !!p && decide(a, 'consultation', 'view', { ...personFacts(a, p), authorId: row.staffId }) !== null;
  } else {
    allowed = decide(actor, 'consultation', 'view', { tenantId: row.tenantId, officeId: row.officeId, authorId: row.staffId }) !== null;
  }
  if (!allowed) throw new UserError('unknown_consultation', NOT_FOUND, 'consultation not visible');
  const old = await db
    .select({
      version: recordVersions.version,
      data: recordVersions.data,
      changedAt: recordVersions.changedAt,
      reason: recordVersions.reason,
      by: staff.name,
    })
    .from(recordVersions)
    .leftJoin(staff, eq(staff.id, recordVersions.changedBy))
    .where(
      and(eq(recordVersions.tenantId, actor.tenantId), eq(recordVersions.resourceType, 'consultation'), eq(recordVersions.resourceId, id)),
    )
    .orderBy(asc(recordVersions.version));
  // The JSON copy carries dates as strings; the current row as Dates: compare on the same footing.
  const current = JSON.parse(JSON.stringify(row)) as Record<string, unknown>;
  const all = [...old.map((o) => o.data as Record<string, unknown>), current];
  const versions: VersionEntry[] = old.map((o, i) => ({
    version: o.version,
    replacedAt: o.changedAt,
    replacedBy: o.by,
    reason: o.reason,
    changed: diff(all[i] ?? {}, all[i + 1] ?? {}),
    data: all[i] ?? {},
  }));
  versions.push({ version: row.version, replacedAt: null, replacedBy: null, reason: null, changed: [], data: current });
  await writeAudit(db, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'view',
    resourceType: 'consultation_history',
    resourceId: id,
    detail: { versions: versions.length },
  });
  const own = { tenantId: row.tenantId, officeId: row.officeId, authorId: row.staffId };
  return {
    id,
    personId: row.personId,
    deleted: row.deletedAt ? { at: row.deletedAt, reason: row.deletedReason } : null,
    versions,
    canEdit: decide(actor, 'consultation', 'update', own) !== null,
    canDelete: decide(actor, 'consultation', 'delete', own) !== null,
  };
}

export interface ChangedRecord {
  id: string;
  occurredOn: string;
  kind: string;
  version: number;
  deleted: boolean;
}

/**
 * A person's latest consultations, deleted ones included and marked, newest first: what
 * `履歴 C-0001` lists (each with its history and edit buttons). The person must be visible. Audited.
 */
export async function recordsOf(db: DbOrTx, actor: Actor, personId: string, now: Date): Promise<ChangedRecord[]> {
  const [p] = await db
    .select()
    .from(persons)
    .where(and(eq(persons.id, personId), eq(persons.tenantId, actor.tenantId)));
  const a = p ? await actorFor(db, actor, p.id, now) : actor;
  if (!p || !decide(a, 'person', 'view', personFacts(a, p))) {
    await auditRefusedView(db, actor, personId, refusalOf(a, p), 'history');
    throw new UserError('unknown_person', '該当するケースが見つかりません。', 'person not visible');
  }
  const rows = await db
    .select({
      id: consultations.id,
      occurredOn: consultations.occurredOn,
      kind: consultations.kind,
      version: consultations.version,
      deletedAt: consultations.deletedAt,
    })
    .from(consultations)
    .where(and(eq(consultations.tenantId, actor.tenantId), eq(consultations.personId, personId)))
    .orderBy(desc(consultations.occurredOn), desc(consultations.createdAt))
    .limit(10);
  await writeAudit(db, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'view',
    resourceType: 'person_history',
    resourceId: personId,
    detail: { results: rows.map((r) => r.id) },
  });
  return rows.map((r) => ({ id: r.id, occurredOn: r.occurredOn, kind: r.kind, version: r.version, deleted: r.deletedAt !== null }));
}
