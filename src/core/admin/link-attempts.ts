import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client';
import { UserError } from '../errors';

/**
 * Link-code tries, counted in PostgreSQL so that every instance sees the same count, per account
 * (platform, workspace, user) and per source (the group, room or channel the code was typed in,
 * when it is not the account's own chat). Each key gets a few free tries, then a delay that
 * doubles with every further try in the last 24 hours, up to an hour. Nothing is counted for a
 * whole workspace: one guesser (or a LINE official account anyone can befriend) must not lock
 * every colleague out of linking.
 *
 * Why these numbers: a code is 8 digits (10^8) and lives 30 minutes, HMAC-stored; an account gets
 * 3 tries at once, then waits 30 s, 1, 2, 4 … 60 minutes: about 30 guesses a day, against a few
 * live codes, is hopeless, while a typo costs half a minute.
 */
export const FREE_TRIES = 3;
export const FIRST_DELAY_MS = 30_000;
export const MAX_DELAY_MS = 60 * 60_000;
/** Tries older than this no longer count (and the retention job removes them). */
const LOOKBACK_MS = 24 * 60 * 60_000;

/** The wait required after `tries` counted tries (0 while free). */
export function delayAfter(tries: number): number {
  if (tries < FREE_TRIES) return 0;
  return Math.min(FIRST_DELAY_MS * 2 ** (tries - FREE_TRIES), MAX_DELAY_MS);
}

export interface LinkAttemptFrom {
  platform: string;
  workspaceId: string;
  userId: string;
  /** The group, room or channel the code came from, when it is not the account's own 1:1 chat. */
  source?: string | null;
}

const accountKey = (a: LinkAttemptFrom) => `acct:${a.platform}:${a.workspaceId}:${a.userId}`;

function keysOf(a: LinkAttemptFrom): string[] {
  const keys = [accountKey(a)];
  if (a.source && a.source !== a.userId) keys.push(`src:${a.platform}:${a.workspaceId}:${a.source}`);
  return keys.sort();
}

function waitText(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  return `約${minutes}分`;
}

/**
 * Counts one try for the account (and its source), or refuses it when a key is still inside its
 * delay; a refused try is not counted, so waiting always ends. Runs in a short transaction of its
 * own that commits before the code is checked (a wrong code must not roll its count back); the
 * per-key advisory locks make concurrent tries of one key count one after the other.
 */
export async function countLinkAttempt(db: Db, from: LinkAttemptFrom, now: Date): Promise<void> {
  const since = new Date(now.getTime() - LOOKBACK_MS).toISOString();
  const wait = await db.transaction(async (tx) => {
    let longest = 0;
    for (const key of keysOf(from)) {
      await tx.execute(sql`select pg_advisory_xact_lock(${0x4c4b}::int, hashtext(${key}))`);
      const [row] = await tx.execute<{ tries: number; last: string | null }>(sql`
        select coalesce(sum(count), 0)::int as tries, max(window_start) as last
        from link_attempts where key = ${key} and window_start > ${since}::timestamptz`);
      const tries = Number(row?.tries ?? 0);
      const last = row?.last ? new Date(row.last).getTime() : null;
      if (last !== null) longest = Math.max(longest, last + delayAfter(tries) - now.getTime());
    }
    if (longest > 0) return longest;
    for (const key of keysOf(from)) {
      await tx.execute(sql`
        insert into link_attempts (key, window_start, count) values (${key}, ${now.toISOString()}::timestamptz, 1)
        on conflict (key, window_start) do update set count = link_attempts.count + 1`);
    }
    return 0;
  });
  if (wait > 0) {
    throw new UserError(
      'too_many_link_attempts',
      `連携コードが続けて正しくなかったため、受け付けを一時的に止めています。${waitText(wait)}後にもう一度お試しください。コードが分からない場合は、管理者に新しいコードを発行してもらってください。`,
      'link attempts: inside the delay',
    );
  }
}

/** A linked account starts afresh (its source keeps its count: others may still be guessing there). */
export async function clearLinkAttempts(db: DbOrTx, from: LinkAttemptFrom): Promise<void> {
  await db.execute(sql`delete from link_attempts where key = ${accountKey(from)}`);
}

/** Old tries are of no use: the retention job (run for all tenants) clears them. */
export async function pruneLinkAttempts(db: DbOrTx, now: Date): Promise<void> {
  await db.execute(sql`delete from link_attempts where window_start < ${new Date(now.getTime() - LOOKBACK_MS).toISOString()}::timestamptz`);
}
