import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Db } from '../../db/client';
import type { Platform } from '../chat/types';
import { escalateAbuseAlerts } from '../core/abuse/alerts';
import {
  addOffice,
  addStaff,
  addTenant,
  listStaff,
  officeByName,
  parseRoles,
  setActive,
  setRoles,
  setTenantSetting,
  staffByNameOrId,
  tenantByCode,
  type AdminContext,
} from '../core/admin/directory';
import { importPersons, importPlans, type ImportResult } from '../core/admin/import';
import { isUserError } from '../core/errors';
import { decodeCsv } from '../core/export/encoding';
import { createLinkCode, LINK_SECRET_NEEDED, registerWorkspace } from '../core/staff/link';
import { loadConfig } from '../config';
import { listDeadDeliveries, retryDelivery } from '../scheduler/outbox';
import { writeAccessTable } from './access-table';
import { auditAnchorCommand, auditVerifyCommand } from './audit-verify';
import { monitoringRecomputeCommand } from './monitoring-recompute';
import { retentionCommand, tenantExportCommand } from './records';
import { consoleOutput, withDatabase, type Output } from './with-db';
import { safeErrorText } from '../log';

export const ADMIN_HELP = `npm run admin -- <command> [options]

Tenants, offices, staff
  tenant:add        --code <slug> --name <名称> [--retention-years N]
  tenant:set        --tenant <code> [--retention-years N] [--count-from same_month|next_month]
                    --count-from: a decision taking effect mid-month counts monitoring months from
                    that month or the next (a decision's own setting wins)
  office:add        --tenant <code> --name <事業所名> --kind kikan|tokutei|jido|itaku|gyosei|jimukyoku
  staff:add         --tenant <code> --office <事業所名> --name <氏名> [--kana <かな>] --roles counselor,chief,…
  staff:roles       --tenant <code> --staff <氏名|id> --roles counselor,office_manager,…
  staff:deactivate  --tenant <code> --staff <氏名|id>
  staff:list        --tenant <code>
Chat accounts
  workspace:add     --tenant <code> --platform slack|lineworks|line --workspace <id> [--channel purpose=channelId …]
  link-code         --tenant <code> --staff <氏名|id>     prints a one-time code (30 min) for 「連携 12345678」
                    needs LINK_SECRET, the same as the bot's (codes are stored under an HMAC with it)
Data
  import:persons    --tenant <code> --file <persons.csv> [--dry-run]
  import:plans      --tenant <code> --file <plans.csv> [--dry-run]
                    every bad row is reported by line; nothing is imported unless the file is clean
                    the file may be UTF-8 (with or without BOM) or Shift_JIS (CP932), as Excel saves CSV
  export:tenant     --tenant <code> --format csv|csv-sjis|html|pdf --out <file>
  retention:purge   [--tenant <code>] [--dry-run]
  monitoring:recompute [--tenant <code>] [--dry-run]
                    once per tenant: monitoring months under the MHLW rule (last month of the
                    period, counted back), reminders moved, one message per counselor
                    (the scheduler does it by itself on its next pass; counts only are printed)
Operations
  deliveries:dead   --tenant <code>
  deliveries:retry  --tenant <code> --id <delivery id>
  abuse:escalate    re-send unacknowledged abuse alerts that are due
  audit:verify      [--tenant <code>] [--anchors f] [--no-anchors] [--write-anchors]   (same as npm run audit:verify)
  audit:anchor      append a signed anchor of every tenant's chain head to AUDIT_ANCHOR_FILE (and the log)
  access:table      [--write]   print the access table (or write it into docs/security.md)

Roles: counselor chief kikan secretariat gyosei office_manager abuse_contact admin`;

const OPERATOR: AdminContext = { by: null, platform: 'cli' };

function need(values: Record<string, unknown>, ...names: string[]): void {
  const missing = names.filter((n) => values[n] === undefined || values[n] === '');
  if (missing.length > 0) throw new Error(`missing option(s): ${missing.map((m) => `--${m}`).join(' ')}`);
}

function printImport(io: Output, r: ImportResult): number {
  for (const e of r.errors) io.err(`${e.line}行目: ${e.messages.join(' ')}`);
  if (!r.ok) {
    io.err(`${r.errors.length}行に誤りがあります。何も取り込んでいません。直してからもう一度実行してください。`);
    return 1;
  }
  io.out(r.dryRun ? `確認のみ: ${r.rows}行すべて取り込めます（--dry-run を外すと取り込みます）。` : `${r.imported}件を取り込みました。`);
  return 0;
}

/** The command on an open database: testable without a process. Returns the exit code. */
export async function adminCommand(db: Db, argv: string[], io: Output, now = new Date()): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(ADMIN_HELP);
    return command ? 0 : 2;
  }
  if (command === 'audit:verify') return auditVerifyCommand(db, rest, io);
  if (command === 'audit:anchor') return auditAnchorCommand(db, io, now);
  const { values: v } = parseArgs({
    args: rest,
    options: {
      tenant: { type: 'string' },
      code: { type: 'string' },
      name: { type: 'string' },
      kana: { type: 'string' },
      kind: { type: 'string' },
      office: { type: 'string' },
      staff: { type: 'string' },
      roles: { type: 'string' },
      platform: { type: 'string' },
      workspace: { type: 'string' },
      channel: { type: 'string', multiple: true },
      file: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      id: { type: 'string' },
      'retention-years': { type: 'string' },
      'count-from': { type: 'string' },
      'dry-run': { type: 'boolean' },
      write: { type: 'boolean' },
    },
  });
  try {
    const tenant = async () => {
      need(v, 'tenant');
      return tenantByCode(db, v.tenant as string);
    };
    const years = () => {
      const n = Number(v['retention-years']);
      if (!Number.isInteger(n) || n < 1 || n > 100) throw new Error('--retention-years must be a whole number of years (1–100)');
      return n;
    };
    switch (command) {
      case 'tenant:add': {
        need(v, 'code', 'name');
        const id = await addTenant(db, OPERATOR, {
          code: v.code as string,
          name: v.name as string,
          retentionYears: v['retention-years'] ? years() : undefined,
        });
        io.out(`tenant ${v.code} added: ${id}`);
        return 0;
      }
      case 'tenant:set': {
        const t = await tenant();
        const countFrom = v['count-from'];
        if (countFrom !== undefined && countFrom !== 'same_month' && countFrom !== 'next_month')
          throw new Error('--count-from must be same_month or next_month');
        if (countFrom === undefined || v['retention-years'] !== undefined) {
          await setTenantSetting(db, OPERATOR, t.id, 'retentionYears', years());
          io.out(`tenant ${t.code}: retentionYears = ${years()}`);
        }
        if (countFrom !== undefined) {
          await setTenantSetting(db, OPERATOR, t.id, 'monitoringCountFrom', countFrom);
          io.out(`tenant ${t.code}: monitoringCountFrom = ${countFrom} (monitoring months move on the next planning pass)`);
        }
        return 0;
      }
      case 'office:add': {
        need(v, 'name', 'kind');
        const t = await tenant();
        io.out(`office added: ${await addOffice(db, OPERATOR, t.id, { name: v.name as string, kind: v.kind as string })}`);
        return 0;
      }
      case 'staff:add': {
        need(v, 'office', 'name', 'roles');
        const t = await tenant();
        const office = await officeByName(db, t.id, v.office as string);
        const id = await addStaff(db, OPERATOR, t.id, {
          officeId: office.id,
          name: v.name as string,
          kana: v.kana,
          roles: parseRoles(v.roles as string),
        });
        io.out(`staff added: ${id}`);
        return 0;
      }
      case 'staff:roles': {
        need(v, 'staff', 'roles');
        const t = await tenant();
        const s = await staffByNameOrId(db, t.id, v.staff as string);
        await setRoles(db, OPERATOR, t.id, s.id, parseRoles(v.roles as string));
        io.out(`roles of ${s.id}: ${parseRoles(v.roles as string).join(',')}`);
        return 0;
      }
      case 'staff:deactivate': {
        need(v, 'staff');
        const t = await tenant();
        const s = await staffByNameOrId(db, t.id, v.staff as string);
        await setActive(db, OPERATOR, t.id, s.id, false);
        io.out(`staff ${s.id} deactivated`);
        return 0;
      }
      case 'staff:list': {
        const t = await tenant();
        for (const s of await listStaff(db, t.id))
          io.out(`${s.id}\t${s.office}\t${s.name}\t${s.roles.join(',')}\t${s.active ? 'active' : 'inactive'}\tlinked:${s.linked}`);
        return 0;
      }
      case 'workspace:add': {
        need(v, 'platform', 'workspace');
        const t = await tenant();
        if (!['slack', 'lineworks', 'line'].includes(v.platform as string)) throw new Error('--platform must be slack, lineworks or line');
        const channels = Object.fromEntries((v.channel ?? []).map((c) => c.split('=', 2) as [string, string]));
        await registerWorkspace(db, t.id, v.platform as Platform, v.workspace as string, channels);
        io.out(`workspace ${v.platform}:${v.workspace} → tenant ${t.code}`);
        return 0;
      }
      case 'link-code': {
        need(v, 'staff');
        const t = await tenant();
        const s = await staffByNameOrId(db, t.id, v.staff as string);
        const code = await createLinkCode(db, t.id, s.id, now);
        io.out(`one-time code for ${s.id} (valid 30 minutes): ${code}`);
        io.out(`the staff member sends 「連携 ${code}」 to the bot from their chat account`);
        return 0;
      }
      case 'import:persons':
      case 'import:plans': {
        need(v, 'file');
        const t = await tenant();
        // Excel's CSV is Shift_JIS or UTF-8 with a BOM: the encoding is read from the bytes.
        const csv = decodeCsv(fs.readFileSync(v.file as string)).text;
        const run = command === 'import:persons' ? importPersons : importPlans;
        return printImport(io, await run(db, OPERATOR, t.id, csv, { dryRun: v['dry-run'] === true, now }));
      }
      case 'export:tenant':
        return tenantExportCommand(db, await tenant(), v, io, now);
      case 'retention:purge':
        return retentionCommand(db, v.tenant ? await tenant() : null, v['dry-run'] === true, io, now);
      case 'monitoring:recompute':
        return monitoringRecomputeCommand(db, v.tenant ? await tenant() : null, v['dry-run'] === true, io, now);
      case 'deliveries:dead': {
        const t = await tenant();
        for (const d of await listDeadDeliveries(db, t.id)) io.out(`${d.id}\t${d.kind}\tattempts:${d.attempts}\t${d.lastError ?? ''}`);
        return 0;
      }
      case 'deliveries:retry': {
        need(v, 'id');
        const t = await tenant();
        const ok = await retryDelivery(db, t.id, v.id as string, now);
        io.out(ok ? 'queued again' : 'not a dead delivery of this tenant');
        return ok ? 0 : 1;
      }
      case 'abuse:escalate':
        io.out(`escalated: ${await escalateAbuseAlerts(db, now)}`);
        return 0;
      case 'access:table':
        return writeAccessTable(v.write === true, io);
      default:
        io.err(`unknown command: ${command}\n\n${ADMIN_HELP}`);
        return 2;
    }
  } catch (e) {
    if (isUserError(e)) {
      io.err(e.userMessage);
      return 2;
    }
    if (e instanceof Error && /^missing option|^--/.test(e.message)) {
      io.err(e.message);
      return 2;
    }
    throw e;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'access:table') {
    // No database needed to print help or the access table.
    if (argv[0] === 'access:table') process.exit(writeAccessTable(argv.includes('--write'), consoleOutput));
    console.log(ADMIN_HELP);
    process.exit(argv.length === 0 ? 2 : 0);
  }
  if (argv[0] === 'link-code' && !loadConfig().LINK_SECRET) {
    console.error(LINK_SECRET_NEEDED);
    process.exit(2);
  }
  try {
    process.exit(await withDatabase(({ db }) => adminCommand(db, argv, consoleOutput)));
  } catch (e) {
    // A message, never a stack: the database could not be reached or the command failed.
    console.error(`admin: failed: ${safeErrorText(e)}`);
    console.error("Check DATABASE_URL, or DATA_DIR for the embedded server (a running bot's server is found and used).");
    process.exit(1);
  }
}
