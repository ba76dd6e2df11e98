import { and, eq, isNull } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client';
import { calendarFeeds, staff } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { writeAudit } from '../audit/write';
import { meetingsIcs, staffMeetings } from './ics';

/**
 * A staff member's calendar subscription: one active feed at a time, named by a signed URL that
 * a phone's calendar follows. Renewing revokes the old URL (a lost phone, a URL sent by
 * mistake); stopping revokes it with no new one. Every issue and revocation is audited.
 */
export interface Feed {
  id: string;
  createdAt: Date;
  lastFetchedAt: Date | null;
}

const columns = { id: calendarFeeds.id, createdAt: calendarFeeds.createdAt, lastFetchedAt: calendarFeeds.lastFetchedAt };

async function lockStaff(tx: DbOrTx, actor: Actor): Promise<void> {
  // Two instances issuing at once would otherwise each add a feed: the staff row serialises them.
  await tx.select({ id: staff.id }).from(staff).where(eq(staff.id, actor.staffId)).for('update');
}

async function active(tx: DbOrTx, actor: Actor): Promise<Feed | null> {
  const [row] = await tx
    .select(columns)
    .from(calendarFeeds)
    .where(and(eq(calendarFeeds.tenantId, actor.tenantId), eq(calendarFeeds.staffId, actor.staffId), isNull(calendarFeeds.revokedAt)))
    .limit(1);
  return row ?? null;
}

async function issue(tx: DbOrTx, actor: Actor, now: Date): Promise<Feed> {
  const [row] = await tx
    .insert(calendarFeeds)
    .values({ tenantId: actor.tenantId, staffId: actor.staffId, createdAt: now })
    .returning(columns);
  if (!row) throw new Error('insert returned no row');
  await writeAudit(tx, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'issue',
    resourceType: 'calendar_feed',
    resourceId: row.id,
  });
  return row;
}

async function revokeActive(tx: DbOrTx, actor: Actor, now: Date): Promise<number> {
  const revoked = await tx
    .update(calendarFeeds)
    .set({ revokedAt: now })
    .where(and(eq(calendarFeeds.tenantId, actor.tenantId), eq(calendarFeeds.staffId, actor.staffId), isNull(calendarFeeds.revokedAt)))
    .returning({ id: calendarFeeds.id });
  for (const r of revoked) {
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'revoke',
      resourceType: 'calendar_feed',
      resourceId: r.id,
    });
  }
  return revoked.length;
}

/** The staff member's active feed, issued now if there is none. */
export async function ensureFeed(db: Db, actor: Actor, now: Date): Promise<{ feed: Feed; created: boolean }> {
  return db.transaction(async (tx) => {
    await lockStaff(tx, actor);
    const found = await active(tx, actor);
    return found ? { feed: found, created: false } : { feed: await issue(tx, actor, now), created: true };
  });
}

/** A new URL; the old one stops working. */
export async function renewFeed(db: Db, actor: Actor, now: Date): Promise<Feed> {
  return db.transaction(async (tx) => {
    await lockStaff(tx, actor);
    await revokeActive(tx, actor, now);
    return issue(tx, actor, now);
  });
}

/** No URL works any more; returns whether there was one. */
export async function stopFeed(db: Db, actor: Actor, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lockStaff(tx, actor);
    return (await revokeActive(tx, actor, now)) > 0;
  });
}

/**
 * The calendar a feed URL names, or null when it was revoked or its staff member is no longer
 * active. Meeting titles carry no person (a サービス担当者会議 shows only its kind), so a fetch
 * is not audited per poll; the fetch time is kept on the feed.
 */
export async function feedCalendar(
  db: DbOrTx,
  feedId: string,
  now: Date,
  opts: { touch: boolean },
): Promise<{ ics: string; meetings: number } | null> {
  const [row] = await db
    .select({ id: calendarFeeds.id, tenantId: calendarFeeds.tenantId, staffId: calendarFeeds.staffId, name: staff.name })
    .from(calendarFeeds)
    .innerJoin(staff, and(eq(staff.id, calendarFeeds.staffId), eq(staff.tenantId, calendarFeeds.tenantId)))
    .where(and(eq(calendarFeeds.id, feedId), isNull(calendarFeeds.revokedAt), eq(staff.active, true)));
  if (!row) return null;
  const list = await staffMeetings(db, row.tenantId, row.staffId, now);
  if (opts.touch) await db.update(calendarFeeds).set({ lastFetchedAt: now }).where(eq(calendarFeeds.id, row.id));
  return { ics: meetingsIcs(list, { name: `会議（${row.name}）`, now, publish: true }), meetings: list.length };
}
