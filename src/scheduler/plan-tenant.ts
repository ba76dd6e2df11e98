/**
 * Planning one tenant at "now": reminder rows from plans, monitorings, certificates and waiting
 * 二次相談 (core/reminders/plan-due), then today's deliveries: digests, last calls and
 * escalations. Every write has a natural key, so N instances planning at once write each thing
 * once. An advisory lock per tenant and its tenant_planning row (when it was last planned and
 * synced, by any instance) make N instances split a pass's tenants instead of each planning all.
 * Round trips per tenant do not grow with its size: reads in one pipelined batch, each kind of
 * write in one statement (docs/reminders.md has the figures).
 */
import { createHash } from 'node:crypto';
import { and, eq, gte, inArray, isNull, sql } from 'drizzle-orm';
import type { Reply } from '../chat/types';
import type { Db, DbOrTx } from '../../db/client';
import { deliveries, reminders, staff, tenantPlanning, tenants } from '../../db/schema/index';
import { writeAuditBatch } from '../core/audit/write';
import { isBusinessDay } from '../core/calendar/business-days';
import { jstToday, monthOf } from '../core/calendar/jst';
import { groupDigest, digestCount, type DigestItem } from '../core/reminders/digest';
import { renderDigest, renderEscalations, renderLastCall, type EscalationEntry } from '../../handlers/notices/digest';
import { labelReminders, openReminders } from '../core/reminders/items';
import { needsEscalation } from '../core/reminders/plan-due';
import { digestInstant, isDigestDay, isLastCallDay } from '../core/reminders/schedule';
import { reminderSettingsOf, staffPrefsOf, type ReminderSettings } from '../core/reminders/settings';
import { pgArray } from '../../db/array';
import { recomputeMonitoringOnce } from './monitoring-recompute';
import { syncReminders } from '../core/reminders/sync';

export { syncReminders };

/** Planned this long before the digest hour, so that it leaves on the minute. */
const DIGEST_LOOKAHEAD_MS = 2 * 60_000;
/** An instance that was down at the digest hour still sends it this long after; later, that day's digest is skipped. */
const DIGEST_CATCH_UP_MS = 3 * 60 * 60_000;

export interface PlanStats {
  /** Reminder rows planned (each compared with what is stored). */
  reminders: number;
  /** Of those, rows inserted or moved (the rest were unchanged and not written). */
  remindersWritten: number;
  digests: number;
  lastCalls: number;
  escalations: number;
}

/** A delivery to enqueue with its audit row. */
interface Outgoing {
  key: string;
  kind: string;
  recipientId: string;
  reply: Reply;
  runAt: Date;
  items: number;
}

/**
 * Enqueues a tenant's deliveries in one statement and audits the new ones in one batch, in
 * their order (the chain is the one enqueueing them one by one would write). Returns the keys
 * that were new: a delivery planned before (another instance, an earlier pass) is neither
 * enqueued nor audited again.
 */
async function enqueueAudited(db: DbOrTx, tenantId: string, out: readonly Outgoing[], now: Date): Promise<Set<string>> {
  const fresh = new Set<string>();
  for (let i = 0; i < out.length; i += 5000) {
    const chunk = out.slice(i, i + 5000);
    const col = (f: (o: Outgoing) => string) => pgArray(chunk.map(f));
    const rows = await db.execute<{
      k: string;
    }>(sql`insert into deliveries (tenant_id, idempotency_key, recipient_id, kind, payload, run_at, created_at)
      select ${tenantId}::uuid, u.k, u.r, u.kind, u.p::jsonb, u.at, ${now.toISOString()}::timestamptz
      from unnest(${col((o) => o.key)}::text[], ${col((o) => o.recipientId)}::uuid[], ${col((o) => o.kind)}::text[],
        ${col((o) => JSON.stringify(o.reply))}::text[], ${col((o) => o.runAt.toISOString())}::timestamptz[]) as u(k, r, kind, p, at)
      on conflict (idempotency_key) do nothing
      returning idempotency_key as k`);
    for (const r of rows) fresh.add(r.k);
  }
  // Sending names of persons to a staff member is a disclosure: audited, with counts only.
  await writeAuditBatch(
    db,
    tenantId,
    out
      .filter((o) => fresh.has(o.key))
      .map((o) => ({
        actorStaffId: null,
        platform: null,
        action: 'notify',
        resourceType: 'delivery',
        resourceId: o.key,
        detail: { kind: o.kind, items: o.items },
      })),
  );
  return fresh;
}

/** Today's digests, last calls and escalations that are due by now (plus the lookahead). */
async function planDeliveries(
  db: DbOrTx,
  tenantId: string,
  settings: ReminderSettings,
  now: Date,
): Promise<Omit<PlanStats, 'reminders' | 'remindersWritten'>> {
  const stats = { digests: 0, lastCalls: 0, escalations: 0 };
  const today = jstToday(now);
  if (!isBusinessDay(today, settings.calendar)) return stats;
  const members = await db
    .select({ id: staff.id, name: staff.name, officeId: staff.officeId, roles: staff.roles, preferences: staff.preferences })
    .from(staff)
    .where(and(eq(staff.tenantId, tenantId), eq(staff.active, true)));
  const inWindow = (at: Date) => now.getTime() >= at.getTime() - DIGEST_LOOKAHEAD_MS && now.getTime() <= at.getTime() + DIGEST_CATCH_UP_MS;
  const due = members
    .map((m) => ({ ...m, prefs: staffPrefsOf(m.preferences) }))
    .map((m) => ({ ...m, at: digestInstant(today, m.prefs, settings) }))
    .filter((m) => isDigestDay(today, m.prefs, settings.calendar) && inWindow(m.at));
  const keys = due.map((m) => `digest:${m.id}:${today}`);
  const planned = new Set(
    keys.length === 0
      ? []
      : (await db.select({ k: deliveries.idempotencyKey }).from(deliveries).where(inArray(deliveries.idempotencyKey, keys))).map(
          (r) => r.k,
        ),
  );
  const todo = due.filter((m) => !planned.has(`digest:${m.id}:${today}`));
  const rows = await openReminders(
    db,
    tenantId,
    todo.map((m) => m.id),
  );
  const items = await labelReminders(db, tenantId, rows);
  const byStaff = new Map<string, DigestItem[]>();
  for (const i of items) byStaff.set(i.recipientId, [...(byStaff.get(i.recipientId) ?? []), i]);
  const lastCallDay = isLastCallDay(today, settings.lastCallDays, settings.calendar);
  const out: Outgoing[] = [];
  for (const m of todo) {
    const sections = groupDigest(byStaff.get(m.id) ?? [], today);
    const runAt = new Date(Math.max(m.at.getTime(), now.getTime()));
    if (digestCount(sections) > 0)
      out.push({
        key: `digest:${m.id}:${today}`,
        kind: 'digest',
        recipientId: m.id,
        reply: renderDigest(sections, today, { visibility: 'dm', toStaffId: m.id }),
        runAt,
        items: digestCount(sections),
      });
    const unrecorded = sections.now.filter((i) => i.kind === 'monitoring' && monthOf(i.dueOn) === monthOf(today));
    if (lastCallDay && unrecorded.length > 0)
      out.push({
        key: `lastcall:${m.id}:${today}`,
        kind: 'last_call',
        recipientId: m.id,
        reply: renderLastCall(unrecorded, today, m.id),
        runAt,
        items: unrecorded.length,
      });
  }
  const escalations = await planEscalations(db, tenantId, settings, now, members);
  out.push(...escalations.out);
  // Every delivery of the tenant's pass in one statement, audited in one batch (digests first).
  const fresh = await enqueueAudited(db, tenantId, out, now);
  for (const o of out) {
    if (!fresh.has(o.key)) continue;
    if (o.kind === 'digest') stats.digests++;
    else if (o.kind === 'last_call') stats.lastCalls++;
    else stats.escalations++;
  }
  await escalations.settle();
  return stats;
}

/**
 * Overdue monitoring and certificate reminders go once to the managers of the recipient's
 * office: the escalations to enqueue, and `settle` to mark their reminders escalated once they are.
 */
async function planEscalations(
  db: DbOrTx,
  tenantId: string,
  settings: ReminderSettings,
  now: Date,
  members: { id: string; name: string; officeId: string; roles: string[]; preferences: Record<string, unknown> }[],
): Promise<{ out: Outgoing[]; settle: () => Promise<void> }> {
  const today = jstToday(now);
  const open = await db
    .select({
      id: reminders.id,
      kind: reminders.kind,
      key: reminders.key,
      dueOn: reminders.dueOn,
      escalatedAt: reminders.escalatedAt,
      recipientId: reminders.recipientId,
      subjectType: reminders.subjectType,
      subjectId: reminders.subjectId,
      status: reminders.status,
      snoozedUntil: reminders.snoozedUntil,
    })
    .from(reminders)
    .where(
      and(
        eq(reminders.tenantId, tenantId),
        inArray(reminders.status, ['open', 'snoozed']),
        inArray(reminders.kind, ['monitoring', 'certificate']),
        isNull(reminders.escalatedAt),
        gteDue(today),
      ),
    );
  const toEscalate = open.filter((r) => needsEscalation(r, today, settings.renewalLeadDays, settings.calendar));
  if (toEscalate.length === 0) return { out: [], settle: async () => {} };
  const byId = new Map(members.map((m) => [m.id, m]));
  const managersOf = new Map<string, typeof members>();
  for (const m of members) if (m.roles.includes('office_manager')) managersOf.set(m.officeId, [...(managersOf.get(m.officeId) ?? []), m]);
  const managersFor = (r: (typeof toEscalate)[number]) => {
    const counselor = byId.get(r.recipientId);
    return counselor ? (managersOf.get(counselor.officeId) ?? []).filter((m) => m.id !== counselor.id) : [];
  };
  // With no manager to tell (an office without one, or the counselor is the manager), the
  // escalation is settled at once: the digest already shows the item as overdue.
  const settled = toEscalate.filter((r) => managersFor(r).length === 0).map((r) => r.id);
  const withManagers = toEscalate.filter((r) => managersFor(r).length > 0);
  const items = new Map((await labelReminders(db, tenantId, withManagers)).map((i) => [i.reminderId, i]));
  // One message per manager and pass, listing every item that became overdue: the key holds the
  // items' ids, so planning the same items again (a retry, another instance) sends nothing new.
  const byManager = new Map<string, { manager: (typeof members)[number]; entries: EscalationEntry[]; ids: string[] }>();
  for (const r of withManagers) {
    const counselor = byId.get(r.recipientId);
    const item = items.get(r.id);
    const managers = managersFor(r);
    if (!counselor || !item) continue;
    // Each manager at their own digest hour; the reminder counts as escalated once all are planned.
    if (managers.some((m) => now.getTime() < digestInstant(today, staffPrefsOf(m.preferences), settings).getTime() - DIGEST_LOOKAHEAD_MS))
      continue;
    for (const m of managers) {
      const g = byManager.get(m.id) ?? { manager: m, entries: [], ids: [] };
      g.entries.push({ item, counselorName: counselor.name });
      g.ids.push(r.id);
      byManager.set(m.id, g);
    }
    settled.push(r.id);
  }
  const out: Outgoing[] = [...byManager.values()].map((g) => ({
    key: `escalation:${g.manager.id}:${today}:${createHash('sha256')
      .update([...g.ids].sort().join(','))
      .digest('hex')
      .slice(0, 16)}`,
    kind: 'escalation',
    recipientId: g.manager.id,
    reply: renderEscalations(g.entries, g.manager.id),
    runAt: now,
    items: g.entries.length,
  }));
  const settle = async () => {
    if (settled.length === 0) return;
    await db
      .update(reminders)
      .set({ escalatedAt: now })
      .where(and(sql`${reminders.id} = any(${pgArray(settled)}::uuid[])`, isNull(reminders.escalatedAt)));
  };
  return { out, settle };
}

/** Escalation looks back a year at most: older unfinished work is for the case review, not a DM. */
function gteDue(today: string) {
  return gte(reminders.dueOn, `${Number(today.slice(0, 4)) - 1}${today.slice(4)}`);
}

/**
 * How a scheduler pass shares tenants with the other instances (planOnce): a tenant planned by
 * any instance less than `replanAfterMs` ago (by the scheduler's clock) is skipped, and its
 * reminder rows are recomputed when none was in `syncIntervalMs` or today (JST).
 */
export interface PlanClaim {
  replanAfterMs: number;
  syncIntervalMs: number;
  /** Recompute the reminder rows whenever the tenant is planned (the simulated clock of tests). */
  forceSync: boolean;
  instanceId: string;
}

/**
 * Plans one tenant if no other instance is planning it right now. Returns null when skipped.
 * Without a claim, `syncReminders` says whether to recompute the reminder rows; with one, the
 * tenant's tenant_planning row decides (read and written under the tenant's lock, in the same
 * transaction as the planning, so a failed planning is retried by the next pass).
 */
export async function planTenant(
  db: Db,
  tenantId: string,
  now: Date,
  opts: { syncReminders: boolean; claim?: PlanClaim },
): Promise<PlanStats | null> {
  return db.transaction(async (tx) => {
    const [lock] = await tx.execute<{ ok: boolean }>(
      sql`select pg_try_advisory_xact_lock(hashtextextended(${`plan:${tenantId}`}, 0)) as ok`,
    );
    if (!lock?.ok) return null;
    const [[tenant], [last]] = await Promise.all([
      tx.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId)),
      opts.claim ? tx.select().from(tenantPlanning).where(eq(tenantPlanning.tenantId, tenantId)) : Promise.resolve([]),
    ]);
    if (!tenant) return null;
    const day = jstToday(now);
    let sync = opts.syncReminders;
    const claim = opts.claim;
    if (claim) {
      const age = last ? now.getTime() - last.plannedAt.getTime() : Number.POSITIVE_INFINITY;
      if (age >= 0 && age < claim.replanAfterMs) return null;
      const syncAge = last?.syncedAt ? now.getTime() - last.syncedAt.getTime() : Number.POSITIVE_INFINITY;
      sync = claim.forceSync || last?.syncedDay !== day || syncAge < 0 || syncAge >= claim.syncIntervalMs;
    }
    const settings = reminderSettingsOf(tenant.settings);
    // Once per tenant of the time of the rule change (planning_jobs): its monitoring months under
    // the MHLW rule, with the reminder rows recomputed in between (monitoring-recompute.ts).
    const recomputed = await recomputeMonitoringOnce(tx, tenantId, now, {
      by: claim?.instanceId ?? 'planTenant',
      tenantCountFrom: settings.monitoringCountFrom,
      sync: () => syncReminders(tx, tenantId, settings, now),
    });
    if (recomputed) sync = true;
    const synced = recomputed ? recomputed.synced : sync ? await syncReminders(tx, tenantId, settings, now) : { planned: 0, written: 0 };
    const stats = { reminders: synced.planned, remindersWritten: synced.written, ...(await planDeliveries(tx, tenantId, settings, now)) };
    if (claim) {
      const planned = { plannedAt: now, plannedBy: claim.instanceId, ...(sync ? { syncedAt: now, syncedDay: day } : {}) };
      await tx
        .insert(tenantPlanning)
        .values({ tenantId, ...planned })
        .onConflictDoUpdate({ target: tenantPlanning.tenantId, set: planned });
    }
    return stats;
  });
}

/**
 * One pass over tenants, in this order (every instance the same: two instances meeting a
 * tenant being planned leapfrog each other, and each then finds the next one planned or free).
 * A tenant that fails is reported and left to the next pass.
 */
export async function planTenants(
  db: Db,
  tenantIds: readonly string[],
  now: Date,
  claim: PlanClaim,
  hooks: {
    stopped?: () => boolean;
    onTenant?: (tenantId: string, stats: PlanStats | null, ms: number) => void;
    onError?: (tenantId: string, e: unknown) => void;
  } = {},
): Promise<void> {
  for (const id of tenantIds) {
    if (hooks.stopped?.()) return;
    const t0 = performance.now();
    try {
      const stats = await planTenant(db, id, now, { syncReminders: false, claim });
      hooks.onTenant?.(id, stats, performance.now() - t0);
    } catch (e) {
      hooks.onError?.(id, e);
    }
  }
}
