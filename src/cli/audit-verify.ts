import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { pathToFileURL } from 'node:url';
import type { DbOrTx } from '../../db/client';
import { tenants } from '../../db/schema/index';
import { anchorSettingsOf, readAnchors, writeAnchors, type AnchorSettings } from '../core/audit/anchors';
import { verifyAuditChain, type Anchor } from '../core/audit/verify';
import { loadConfig } from '../config';
import { log } from '../log';
import { consoleOutput, withDatabase, type Output } from './with-db';

export const AUDIT_VERIFY_HELP = `npm run audit:verify [-- options]

Recomputes the hash chain of every tenant's audit log and checks it against the signed anchors
kept outside the database (AUDIT_ANCHOR_FILE, default DATA_DIR/audit-anchors.jsonl, signed
with AUDIT_ANCHOR_KEY): reports any changed, deleted or reordered row (tenant and seq), a chain
rewritten and re-hashed by someone with the owner's rights, and a cut-off chain end. Exit code 0
when intact, 1 when not, 2 when it cannot check.

  --tenant <code>          only this tenant
  --anchors <file>         anchors from this file instead (the auditor's copy, or a log extract)
  --no-anchors             the chain alone (says plainly that a re-hashed chain would pass)
  --write-anchors          append signed anchors of the current heads first (as the scheduler does)
  --json                   machine-readable output`;

/** \`npm run admin -- audit:anchor\`: signed anchors of every chain head now, to the file and the log. */
export async function auditAnchorCommand(
  db: DbOrTx,
  io: Output,
  now: Date,
  settings: AnchorSettings = anchorSettingsOf(loadConfig()),
): Promise<number> {
  if (!settings.key) {
    io.err(
      'AUDIT_ANCHOR_KEY is not set: anchors are signed with it (32+ characters, kept out of the database; e.g. openssl rand -base64 32)',
    );
    return 2;
  }
  const anchors = await writeAnchors(db, { ...settings, key: settings.key }, now);
  for (const a of anchors) log.info({ anchor: a }, 'audit anchor');
  io.out(`${anchors.length} anchor(s) appended to ${settings.file}`);
  return 0;
}

/** The command itself, on an open database: testable without a process. */
export async function auditVerifyCommand(
  db: DbOrTx,
  argv: string[],
  io: Output,
  settings: AnchorSettings = anchorSettingsOf(loadConfig()),
  now: () => Date = () => new Date(),
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      tenant: { type: 'string' },
      anchors: { type: 'string' },
      'no-anchors': { type: 'boolean' },
      'write-anchors': { type: 'boolean' },
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
  if (values['write-anchors']) {
    const code = await auditAnchorCommand(db, { out: () => {}, err: io.err }, now(), settings);
    if (code !== 0) return code;
  }
  let anchors: Anchor[] | undefined;
  const notes: string[] = [];
  if (values['no-anchors']) {
    notes.push('anchors not checked (--no-anchors): a chain rewritten and re-hashed by the database owner would pass');
  } else {
    const file = values.anchors ?? settings.file;
    if (!fs.existsSync(file)) {
      io.err(
        `no anchor file at ${file}: set AUDIT_ANCHOR_FILE (or --anchors <file>) to where the anchors are collected, ` +
          'write some with npm run admin -- audit:anchor, or check the chain alone with --no-anchors',
      );
      return 2;
    }
    const read = readAnchors(fs.readFileSync(file, 'utf8'), settings.key);
    if (read.bad.length > 0) {
      for (const b of read.bad) io.err(`FAIL anchor file ${file} line ${b.line}: ${b.reason}`);
      io.out(`audit log NOT verified: ${read.bad.length} anchor line(s) cannot be trusted`);
      return 1;
    }
    anchors = read.anchors;
    notes.push(`checked against ${anchors.length} anchor(s) from ${file}`);
  }
  const result = await verifyAuditChain(db, { tenantId, anchors });
  if (values.json) {
    io.out(JSON.stringify({ ...result, notes }, null, 2));
    return result.ok ? 0 : 1;
  }
  for (const p of result.problems) io.err(`FAIL tenant ${p.tenantCode} (${p.tenantId}) seq ${p.seq}: ${p.kind}: ${p.message}`);
  for (const h of result.heads) io.out(`${h.tenantCode}: ${h.rows} rows, head seq ${h.seq} ${h.hash.slice(0, 16)}…`);
  for (const n of notes) io.out(n);
  io.out(result.ok ? 'audit log intact' : `audit log NOT intact: ${result.problems.length} problem(s)`);
  return result.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const code = await withDatabase(({ db }) => auditVerifyCommand(db, process.argv.slice(2), consoleOutput));
  process.exit(code);
}
