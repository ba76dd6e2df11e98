import { and, eq, gt, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { exportLinks } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { writeAudit } from '../audit/write';
import type { ExportFormat } from './export';

/** Why 10 minutes: long enough to tap the link on a phone, short enough that a forwarded one is dead. */
const EXPORT_LINK_TTL_MS = 10 * 60 * 1000;

export interface ExportLinkRow {
  id: string;
  tenantId: string;
  staffId: string;
  scope: string;
  subjectId: string | null;
  format: string;
  platform: string | null;
}

/** Records a download the actor asked for; the signed URL around its id is made by the HTTP side. */
export async function createExportLink(
  db: DbOrTx,
  actor: Actor,
  scope: 'person' | 'tenant',
  subjectId: string,
  format: ExportFormat,
  now: Date,
): Promise<{ id: string; expiresAt: Date }> {
  const expiresAt = new Date(now.getTime() + EXPORT_LINK_TTL_MS);
  const [row] = await db
    .insert(exportLinks)
    .values({
      tenantId: actor.tenantId,
      staffId: actor.staffId,
      scope,
      subjectId,
      format,
      platform: actor.platform,
      expiresAt,
      createdAt: now,
    })
    .returning({ id: exportLinks.id });
  if (!row) throw new Error('insert returned no row');
  await writeAudit(db, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'export_link',
    resourceType: scope,
    resourceId: subjectId,
    detail: { linkId: row.id, format },
  });
  return { id: row.id, expiresAt };
}

/** Uses the link up: one UPDATE, so two clicks (or two instances) cannot both download. */
export async function claimExportLink(db: DbOrTx, id: string, now: Date): Promise<ExportLinkRow | null> {
  const [row] = await db
    .update(exportLinks)
    .set({ usedAt: now })
    .where(and(eq(exportLinks.id, id), isNull(exportLinks.usedAt), gt(exportLinks.expiresAt, now)))
    .returning({
      id: exportLinks.id,
      tenantId: exportLinks.tenantId,
      staffId: exportLinks.staffId,
      scope: exportLinks.scope,
      subjectId: exportLinks.subjectId,
      format: exportLinks.format,
      platform: exportLinks.platform,
    });
  return row ?? null;
}
