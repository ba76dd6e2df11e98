import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { UserError } from '../errors';

/**
 * Limits on link-code tries, counted in PostgreSQL so that every instance sees the same count.
 * Why these numbers: a code is 8 digits (10^8); 5 tries an hour per account and 50 per workspace
 * make guessing one of the few live codes hopeless, while a typo still leaves room to retry.
 */
export const ACCOUNT_ATTEMPTS_PER_HOUR = 5;
export const WORKSPACE_ATTEMPTS_PER_HOUR = 50;

async function bump(db: DbOrTx, key: string, window: Date): Promise<number> {
  const rows = await db.execute<{ count: number }>(sql`
    insert into link_attempts (key, window_start, count) values (${key}, ${window.toISOString()}::timestamptz, 1)
    on conflict (key, window_start) do update set count = link_attempts.count + 1
    returning count`);
  return Number(rows[0]?.count ?? 0);
}

/**
 * Counts one try for the account and its workspace in the current hour, and refuses when either
 * is over its limit. Must run where its write commits even if the code then proves wrong (not
 * inside a transaction that the wrong code rolls back).
 */
export async function countLinkAttempt(db: DbOrTx, platform: string, workspaceId: string, userId: string, now: Date): Promise<void> {
  const window = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
  const account = await bump(db, `acct:${platform}:${workspaceId}:${userId}`, window);
  const workspace = await bump(db, `ws:${platform}:${workspaceId}`, window);
  if (account > ACCOUNT_ATTEMPTS_PER_HOUR || workspace > WORKSPACE_ATTEMPTS_PER_HOUR) {
    throw new UserError('too_many_link_attempts', '連携コードの入力回数が上限に達しました。1時間ほどしてから、管理者に新しいコードを発行してもらって入力してください。', 'link attempts over limit');
  }
}

/** Old windows are of no use: the retention job (run for all tenants) clears them. */
export async function pruneLinkAttempts(db: DbOrTx, now: Date): Promise<void> {
  await db.execute(sql`delete from link_attempts where window_start < ${new Date(now.getTime() - 2 * 3_600_000).toISOString()}::timestamptz`);
}
