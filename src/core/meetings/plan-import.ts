import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { meetings } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { writeAudit } from '../audit/write';
import { jstInstant, jstToday } from '../calendar/jst';
import { isUserError, UserError } from '../errors';
import { csvFromUpload } from '../export/encoding';
import { isCouncilStaff } from './kinds';
import { parsePlanCsv, type PlanRow } from './plan-csv';
import { createMeetingIn } from './schedule';
import { tenantStaff } from './staff';

export interface PlanImportResult {
  /** Japanese, one per bad line ("3行目: …"); when not empty nothing was imported. */
  errors: string[];
  rows: PlanRow[];
  dryRun: boolean;
  /** Meetings added, and rows already imported before (same kind, name and start). */
  created: number;
  skipped: number;
  /**
   * Rows not yet registered whose date is before today (Japan time). They are imported only
   * when asked for (`includePast`); otherwise nothing is written and the caller warns.
   */
  past: PlanRow[];
}

/** The natural key of a plan row: importing the same file twice adds nothing. */
function planSourceKey(r: PlanRow): string {
  return `plan:${r.kind}:${r.title}:${jstInstant(r.date, r.start.hour, r.start.minute).toISOString()}`;
}

/**
 * Imports a year plan (CSV text, or a chosen file's bytes as a `data:` URL; see docs/meetings.md). Always checks the whole file first; with
 * `dryRun`, or when any line is bad, nothing is written. A clean file is written in one
 * transaction, with reminders for every attendee, so a failure leaves no half-imported year.
 */
export async function importMeetingPlan(
  db: Db,
  actor: Actor,
  csv: string,
  opts: { fiscalYear: number; dryRun: boolean; includePast?: boolean },
  now: Date,
): Promise<PlanImportResult> {
  if (!isCouncilStaff(actor)) {
    throw new UserError(
      'forbidden',
      '年間計画を取り込めるのは協議会事務局・行政・基幹相談支援センターの職員です。',
      'plan import by non-council staff',
    );
  }
  const today = jstToday(now);
  // A chosen file arrives as its bytes (UTF-8 with or without BOM, or Excel's Shift_JIS).
  let text: string;
  try {
    text = csvFromUpload(csv).text;
  } catch (e) {
    if (!isUserError(e)) throw e;
    return { errors: [e.userMessage], rows: [], dryRun: opts.dryRun, created: 0, skipped: 0, past: [] };
  }
  const { rows, errors } = parsePlanCsv(text, opts.fiscalYear, await tenantStaff(db, actor.tenantId), today);
  if (errors.length > 0) return { errors, rows, dryRun: opts.dryRun, created: 0, skipped: 0, past: [] };
  const registered = await registeredKeys(db, actor.tenantId, rows.map(planSourceKey));
  const fresh = rows.filter((r) => !registered.has(planSourceKey(r)));
  const past = fresh.filter((r) => r.date < today);
  const skipped = rows.length - fresh.length;
  if (opts.dryRun || (past.length > 0 && !opts.includePast)) return { errors, rows, dryRun: opts.dryRun, created: 0, skipped, past };
  return db.transaction(async (tx) => {
    let created = 0;
    for (const r of rows) {
      const m = await createMeetingIn(tx, actor, { ...r, bodyName: r.bodyName, sourceKey: planSourceKey(r) }, now);
      if (m.created) created++;
    }
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'import',
      resourceType: 'meeting_plan',
      detail: { fiscalYear: opts.fiscalYear, rows: rows.length, created, past: past.length },
    });
    return { errors: [], rows, dryRun: false, created, skipped: rows.length - created, past };
  });
}

/** Which of these source keys the tenant's meetings already carry (the file imported before). */
async function registeredKeys(db: Db, tenantId: string, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const found = await db
    .select({ key: meetings.sourceKey })
    .from(meetings)
    .where(and(eq(meetings.tenantId, tenantId), inArray(meetings.sourceKey, keys)));
  return new Set(found.map((f) => f.key ?? ''));
}
