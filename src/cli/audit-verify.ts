import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { pathToFileURL } from 'node:url';
import type { DbOrTx } from '../../db/client';
import { tenants } from '../../db/schema/index';
import { verifyAuditChain, type Anchor } from '../core/audit/verify';
import { consoleOutput, withDatabase, type Output } from './with-db';

export const AUDIT_VERIFY_HELP = `npm run audit:verify [-- options]

Recomputes the hash chain of every tenant's audit log and reports any changed, deleted or
reordered row (tenant and seq). Exit code 0 when intact, 1 when not.

  --tenant <code>          only this tenant
  --anchors <file>         compare with heads recorded earlier (detects a cut-off chain end)
  --write-anchors <file>   record the current heads (keep the file outside the database)
  --json                   machine-readable output`;

/** The command itself, on an open database: testable without a process. */
export async function auditVerifyCommand(db: DbOrTx, argv: string[], io: Output): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      tenant: { type: 'string' },
      anchors: { type: 'string' },
      'write-anchors': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(AUDIT_VERIFY_HELP);
    return 0;
  }
  let tenantId: string | undefined;
  if (values.tenant) {
    const [t] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.code, values.tenant));
    if (!t) {
      io.err(`unknown tenant code: ${values.tenant}`);
      return 2;
    }
    tenantId = t.id;
  }
  const anchors = values.anchors ? (JSON.parse(fs.readFileSync(values.anchors, 'utf8')) as Anchor[]) : undefined;
  const result = await verifyAuditChain(db, { tenantId, anchors });
  if (values['write-anchors']) {
    const heads: Anchor[] = result.heads.filter((h) => h.seq > 0).map((h) => ({ tenantId: h.tenantId, seq: h.seq, hash: h.hash }));
    fs.writeFileSync(values['write-anchors'], `${JSON.stringify(heads, null, 2)}\n`);
  }
  if (values.json) {
    io.out(JSON.stringify(result, null, 2));
    return result.ok ? 0 : 1;
  }
  for (const p of result.problems) io.err(`FAIL tenant ${p.tenantCode} (${p.tenantId}) seq ${p.seq}: ${p.kind}: ${p.message}`);
  for (const h of result.heads) io.out(`${h.tenantCode}: ${h.rows} rows, head seq ${h.seq} ${h.hash.slice(0, 16)}…`);
  io.out(result.ok ? 'audit log intact' : `audit log NOT intact: ${result.problems.length} problem(s)`);
  return result.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const code = await withDatabase(({ db }) => auditVerifyCommand(db, process.argv.slice(2), consoleOutput));
  process.exit(code);
}
