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
import { collectRecords, rowsOf, tenantName, tenantPersonIds, type PersonRecord } from './collect';
import { toCsv } from './csv';
import type { DocMeta } from './document';
import { toHtml } from './html';
import { toPdf } from './pdf';

/** csv: UTF-8 with BOM; csv-sjis: Shift_JIS (CP932); html: the phone-readable record; pdf: the A4 record. */
export const EXPORT_FORMATS = ['csv', 'csv-sjis', 'html', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(v: unknown): v is ExportFormat {
  return typeof v === 'string' && (EXPORT_FORMATS as readonly string[]).includes(v);
}

export interface ExportFile {
  filename: string;
  contentType: string;
  body: Buffer;
  rows: number;
  /** Shift_JIS only: characters CP932 lacks, written as 〓. */
  replaced?: number;
  /** Shown in the browser (inline) rather than saved (attachment). */
  inline: boolean;
}

async function file(meta: DocMeta, records: PersonRecord[], base: string, format: ExportFormat): Promise<ExportFile> {
  const rows = rowsOf(records);
  switch (format) {
    case 'csv':
      return { filename: `${base}.csv`, contentType: 'text/csv; charset=utf-8', body: toCsv(rows).body, rows: rows.length, inline: false };
    case 'csv-sjis': {
      const { body, replaced } = toCsv(rows, 'cp932');
      return { filename: `${base}_sjis.csv`, contentType: 'text/csv; charset=Shift_JIS', body, rows: rows.length, replaced, inline: false };
    }
    case 'html':
      return {
        filename: `${base}.html`,
        contentType: 'text/html; charset=utf-8',
        body: toHtml(meta, records),
        rows: rows.length,
        inline: true,
      };
    case 'pdf':
      return { filename: `${base}.pdf`, contentType: 'application/pdf', body: await toPdf(meta, records), rows: rows.length, inline: true };
  }
}

/**
 * A person's full record, if the actor may export it (own office, or an admin's grant in force
 * at `now`). Audited with the row count and the scope that allowed it.
 */
export async function exportPerson(db: DbOrTx, actor: Actor, personId: string, format: ExportFormat, now: Date): Promise<ExportFile> {
  const [p] = await db
    .select()
    .from(persons)
    .where(and(eq(persons.id, personId), eq(persons.tenantId, actor.tenantId)));
  const asker = p ? await actorFor(db, actor, p.id, now) : actor;
  if (!p || !decide(asker, 'person', 'view', personFacts(asker, p))) {
    await auditRefusedView(db, actor, personId, refusalOf(asker, p), 'export');
    throw new UserError('unknown_person', '該当するケースが見つかりません。', 'export: person not visible');
  }
  const grant = authorize(asker, 'person', 'export', personFacts(asker, p), 'ケース記録の出力');
  const records = await collectRecords(db, actor.tenantId, [p.id]);
  const meta: DocMeta = {
    title: '支援経過記録',
    tenantName: await tenantName(db, actor.tenantId),
    subject: `ケース番号 ${p.code}`,
    generatedAt: now,
    producedBy: actor.name,
  };
  const f = await file(meta, records, `${p.code}_${jstDateOf(now)}`, format);
  await writeAudit(db, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'export',
    resourceType: 'person',
    resourceId: p.id,
    detail: { format, rows: f.rows, grant },
  });
  return f;
}

/**
 * Everything of a tenant: for its admin in chat (actor) or an operator at the console (null).
 * Audited with the row count.
 */
export async function exportTenant(
  db: DbOrTx,
  actor: Actor | null,
  tenantId: string,
  format: ExportFormat,
  now: Date,
  platform = 'cli',
): Promise<ExportFile> {
  if (actor) authorize(actor, 'tenant', 'export', { tenantId }, '自治体データの出力');
  const records = await collectRecords(db, tenantId, await tenantPersonIds(db, tenantId));
  const name = await tenantName(db, tenantId);
  const meta: DocMeta = {
    title: `${name} 支援経過記録（全件）`,
    tenantName: name,
    subject: '全件',
    generatedAt: now,
    producedBy: actor?.name ?? 'システム運用者（コンソール）',
  };
  const f = await file(meta, records, `tenant_${jstDateOf(now)}`, format);
  await writeAudit(db, {
    tenantId,
    actorStaffId: actor?.staffId ?? null,
    platform: actor?.platform ?? platform,
    action: 'export',
    resourceType: 'tenant',
    resourceId: tenantId,
    detail: { format, rows: f.rows },
  });
  return f;
}
