import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { persons } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { authorize, decide, personFacts } from '../access';
import { actorFor } from '../admin/grants';
import { auditRefusedView, refusalOf } from '../audit/refusals';
import { writeAudit } from '../audit/write';
import { jstDateOf } from '../calendar/jst';
import { UserError } from '../errors';
import { collectPersons, tenantName, tenantPersonIds, type ExportData } from './collect';
import { toCsv } from './csv';
import { toHtml } from './html';

export type ExportFormat = 'csv' | 'html';

export interface ExportFile {
  filename: string;
  contentType: string;
  body: Buffer;
  rows: number;
}

function file(data: ExportData, base: string, format: ExportFormat): ExportFile {
  return format === 'csv'
    ? { filename: `${base}.csv`, contentType: 'text/csv; charset=utf-8', body: toCsv(data.rows), rows: data.rows.length }
    : { filename: `${base}.html`, contentType: 'text/html; charset=utf-8', body: toHtml(data), rows: data.rows.length };
}

/**
 * A person's full record, if the actor may export it (own office, or an admin's grant in force
 * at `now`). Audited with the row count and the scope that allowed it.
 */
export async function exportPerson(db: DbOrTx, actor: Actor, personId: string, format: ExportFormat, now: Date): Promise<ExportFile> {
  const [p] = await db.select().from(persons).where(and(eq(persons.id, personId), eq(persons.tenantId, actor.tenantId)));
  const asker = p ? await actorFor(db, actor, p.id, now) : actor;
  if (!p || !decide(asker, 'person', 'view', personFacts(asker, p))) {
    await auditRefusedView(db, actor, personId, refusalOf(asker, p), 'export');
    throw new UserError('unknown_person', '該当するケースが見つかりません。', 'export: person not visible');
  }
  const grant = authorize(asker, 'person', 'export', personFacts(asker, p), 'ケース記録の出力');
  const rows = await collectPersons(db, actor.tenantId, [p.id]);
  await writeAudit(db, { tenantId: actor.tenantId, actorStaffId: actor.staffId, platform: actor.platform, action: 'export', resourceType: 'person', resourceId: p.id, detail: { format, rows: rows.length, grant } });
  return file({ title: `ケース記録 ${p.code}`, tenantName: await tenantName(db, actor.tenantId), generatedAt: now, rows }, `${p.code}_${jstDateOf(now)}`, format);
}

/**
 * Everything of a tenant: for its admin in chat (actor) or an operator at the console (null).
 * Audited with the row count.
 */
export async function exportTenant(db: DbOrTx, actor: Actor | null, tenantId: string, format: ExportFormat, now: Date, platform = 'cli'): Promise<ExportFile> {
  if (actor) authorize(actor, 'tenant', 'export', { tenantId }, '自治体データの出力');
  const rows = await collectPersons(db, tenantId, await tenantPersonIds(db, tenantId));
  await writeAudit(db, { tenantId, actorStaffId: actor?.staffId ?? null, platform: actor?.platform ?? platform, action: 'export', resourceType: 'tenant', resourceId: tenantId, detail: { format, rows: rows.length } });
  const name = await tenantName(db, tenantId);
  return file({ title: `${name} 相談支援記録（全件）`, tenantName: name, generatedAt: now, rows }, `tenant_${jstDateOf(now)}`, format);
}
