import fs from 'node:fs';
import type { Db } from '../../db/client';
import { EXPORT_FORMATS, exportTenant, isExportFormat } from '../core/export/export';
import { purgeExpired } from '../core/retention/purge';
import type { Output } from './with-db';

/** `export:tenant`: a tenant's whole record to a file, for the operator. Audited. */
export async function tenantExportCommand(
  db: Db,
  tenant: { id: string; code: string },
  v: Record<string, unknown>,
  io: Output,
  now: Date,
): Promise<number> {
  const format = v.format;
  if (!isExportFormat(format)) throw new Error(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
  if (typeof v.out !== 'string' || v.out === '') throw new Error('missing option(s): --out');
  const f = await exportTenant(db, null, tenant.id, format, now);
  fs.writeFileSync(v.out, f.body, { mode: 0o600 });
  io.out(`${f.rows} rows of ${tenant.code} written to ${v.out} (${format}, readable by you only)`);
  return 0;
}

/** `retention:purge`: one tenant or all; `--dry-run` counts only. */
export async function retentionCommand(db: Db, tenant: { id: string } | null, dryRun: boolean, io: Output, now: Date): Promise<number> {
  const results = await purgeExpired(db, { tenantId: tenant?.id, dryRun, now });
  if (results.length === 0) io.out('no tenant has settings.retentionYears: nothing to purge');
  for (const r of results) {
    io.out(
      `${dryRun ? '[dry run] ' : ''}${r.tenantCode}: retention ${r.retentionYears} years (before ${r.cutoff}): persons ${r.persons}, consultations ${r.consultations}, versions ${r.versions}, secondary ${r.secondary}`,
    );
  }
  return 0;
}
