import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { tenants } from '../../../db/schema/index';
import { log } from '../../log';
import { pruneLinkAttempts } from '../admin/link-attempts';
import { writeAudit } from '../audit/write';
import { jstToday } from '../calendar/jst';

/**
 * Retention (保存性 and its end): each tenant sets `settings.retentionYears` (for example 5: the
 * 指定基準 keep records five years after the service ends). A person whose last activity (latest
 * consultation, plan end, or deletion) is older than that is purged by anonymisation: names,
 * kana, birth date, recipient number and every free text are erased, earlier versions deleted;
 * the rows themselves stay so that counts (活動指標) and the audit trail keep their references.
 * A tenant without the setting is never purged.
 */
// Both markers are repeated in purge_record_versions() (migration 0011): change them with a migration.
const PURGED_REASON = '保存期間経過';
const ERASED = '（保存期間経過により消去）';

export interface PurgeCounts {
  tenantId: string;
  tenantCode: string;
  retentionYears: number;
  cutoff: string;
  persons: number;
  consultations: number;
  versions: number;
  secondary: number;
}

/** Persons past retention: last activity before the cutoff, not yet purged, no open abuse alert. */
function duePersons(tenantId: string, cutoff: string) {
  return sql`
    select p.id from persons p
    where p.tenant_id = ${tenantId}
      and coalesce(p.deleted_reason, '') <> ${PURGED_REASON}
      and greatest(
            p.created_at::date,
            coalesce(p.deleted_at::date, '-infinity'::date),
            coalesce((select max(c.occurred_on) from consultations c where c.person_id = p.id), '-infinity'::date),
            coalesce((select max(sp.period_end) from service_plans sp where sp.person_id = p.id), '-infinity'::date)
          ) < ${cutoff}::date
      and not exists (select 1 from abuse_alerts a where a.person_id = p.id and a.acknowledged_at is null)`;
}

function cutoffFor(today: string, years: number): string {
  const [y, rest] = [Number(today.slice(0, 4)), today.slice(4)];
  // 29 February minus whole years falls on 28 February.
  return rest === '-02-29' ? `${y - years}-02-28` : `${y - years}${rest}`;
}

async function purgeTenant(
  db: Db,
  t: { id: string; code: string; settings: Record<string, unknown> },
  dryRun: boolean,
  now: Date,
): Promise<PurgeCounts | null> {
  const years = t.settings.retentionYears;
  if (typeof years !== 'number' || !Number.isInteger(years) || years < 1) return null;
  const cutoff = cutoffFor(jstToday(now), years);
  return db.transaction(async (tx) => {
    const ids = (await tx.execute<{ id: string }>(duePersons(t.id, cutoff))).map((r) => r.id);
    const idList =
      ids.length > 0
        ? sql.join(
            ids.map((id) => sql`${id}::uuid`),
            sql`, `,
          )
        : sql`null::uuid`;
    const consultationWhere = sql`tenant_id = ${t.id} and (person_id in (${idList}) or (person_id is null and occurred_on < ${cutoff}::date)) and summary <> ${ERASED}`;
    const [c] = await tx.execute<{ n: number }>(sql`select count(*)::int as n from consultations where ${consultationWhere}`);
    const versionWhere = sql`tenant_id = ${t.id} and (resource_id in (${idList})
      or resource_id in (select id from consultations where ${consultationWhere})
      or resource_id in (select id from service_plans where person_id in (${idList})))`;
    const [v] = await tx.execute<{ n: number }>(sql`select count(*)::int as n from record_versions where ${versionWhere}`);
    const [s] = await tx.execute<{ n: number }>(
      sql`select count(*)::int as n from secondary_consultations where tenant_id = ${t.id} and person_id in (${idList})`,
    );
    const counts: PurgeCounts = {
      tenantId: t.id,
      tenantCode: t.code,
      retentionYears: years,
      cutoff,
      persons: ids.length,
      consultations: c?.n ?? 0,
      versions: v?.n ?? 0,
      secondary: s?.n ?? 0,
    };
    if (dryRun) return counts;
    await tx.execute(sql`update consultations set summary = ${ERASED}, next_action = null where ${consultationWhere}`);
    await tx.execute(
      sql`update secondary_posts set body = ${ERASED} where secondary_id in (select id from secondary_consultations where tenant_id = ${t.id} and person_id in (${idList}))`,
    );
    await tx.execute(
      sql`update secondary_consultations set tried = ${ERASED}, question = ${ERASED}, profile = null where tenant_id = ${t.id} and person_id in (${idList})`,
    );
    await tx.execute(sql`update persons set family_name = ${ERASED}, given_name = '', family_kana = '', given_kana = '', search_text = '',
      birth_date = null, recipient_number = null, deleted_at = coalesce(deleted_at, ${now.toISOString()}::timestamptz), deleted_reason = ${PURGED_REASON}
      where tenant_id = ${t.id} and id in (${idList})`);
    // Earlier versions last: purge_record_versions (migration 0011; the bot's role may not delete
    // versions itself) removes only those of what was just marked purged or erased.
    await tx.execute(sql`select purge_record_versions(${t.id}::uuid)`);
    await writeAudit(tx, {
      tenantId: t.id,
      actorStaffId: null,
      platform: 'job',
      action: 'retention_purge',
      resourceType: 'tenant',
      resourceId: t.id,
      detail: {
        retentionYears: years,
        cutoff,
        persons: counts.persons,
        consultations: counts.consultations,
        versions: counts.versions,
        secondary: counts.secondary,
        personIds: ids,
      },
    });
    log.info({ tenant: t.id, persons: counts.persons, consultations: counts.consultations }, 'retention purge');
    return counts;
  });
}

/**
 * The purge job: every tenant (or one) with a retention period. Each tenant is one transaction
 * with its audit row, so a purge is never silent and never half done. `dryRun` only counts.
 * Callable from the scheduler (daily) and from `npm run admin -- retention:purge`.
 */
export async function purgeExpired(db: Db, opts: { tenantId?: string; dryRun?: boolean; now: Date }): Promise<PurgeCounts[]> {
  const ts = await db
    .select({ id: tenants.id, code: tenants.code, settings: tenants.settings })
    .from(tenants)
    .where(opts.tenantId ? eq(tenants.id, opts.tenantId) : undefined)
    .orderBy(asc(tenants.code));
  const out: PurgeCounts[] = [];
  for (const t of ts) {
    const r = await purgeTenant(db, t, opts.dryRun ?? false, opts.now);
    if (r) out.push(r);
  }
  // Link-code try counters are only needed for their hour.
  if (!opts.dryRun && !opts.tenantId) await pruneLinkAttempts(db, opts.now);
  return out;
}
