import { createHmac, randomInt } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client';
import { chatAccounts, linkCodes, platformWorkspaces } from '../../../db/schema/index';
import type { Platform } from '../actor';
import { clearLinkAttempts, countLinkAttempt } from '../admin/link-attempts';
import { writeAudit } from '../audit/write';
import { UserError } from '../errors';
import { PROCESS_SECRET } from '../server-secret';

const CODE_TTL_MS = 30 * 60 * 1000;
const MAX_ATTEMPTS = 5;

let codeSecret: string | null = null;

/**
 * The server secret link codes are stored under: LINK_SECRET (startApp and the command-line
 * tools set it from the configuration). Unset, the process's own random secret is used, so a code
 * works only in the process that made it.
 */
export function useLinkCodeSecret(secret: string): void {
  codeSecret = secret;
}

/** What a command-line tool says when asked for a code without LINK_SECRET (the bot could never match it). */
export const LINK_SECRET_NEEDED =
  "link-code needs LINK_SECRET, the same as the bot's: codes are stored under an HMAC with it, so a code made with another secret is never accepted.";

/**
 * What is stored of a code: an HMAC under the server secret. An unsalted SHA-256 of 8 digits was
 * reversed by trying all 10^8 (seconds on a laptop) by anyone who read the table or a backup;
 * without the secret, the stored value says nothing of the code.
 */
function hashCode(code: string): string {
  return createHmac('sha256', codeSecret ?? PROCESS_SECRET)
    .update(`link-code:v1:${code}`)
    .digest('hex');
}

/** Registers a chat workspace (Slack team, LINE WORKS domain, LINE channel) for a tenant. */
export async function registerWorkspace(
  db: DbOrTx,
  tenantId: string,
  platform: Platform,
  workspaceId: string,
  channels: Record<string, string> = {},
): Promise<void> {
  await db
    .insert(platformWorkspaces)
    .values({ tenantId, platform, workspaceId, channels })
    .onConflictDoUpdate({ target: [platformWorkspaces.platform, platformWorkspaces.workspaceId], set: { tenantId, channels } });
}

/** The tenant of a workspace, or null when it is not registered (its requests are refused). */
export async function workspaceTenant(db: DbOrTx, platform: Platform, workspaceId: string) {
  const [row] = await db
    .select({ tenantId: platformWorkspaces.tenantId, channels: platformWorkspaces.channels })
    .from(platformWorkspaces)
    .where(and(eq(platformWorkspaces.platform, platform), eq(platformWorkspaces.workspaceId, workspaceId)));
  return row ?? null;
}

/**
 * A one-time code (8 digits, 30 minutes) that an admin gives a staff member, who sends
 * 「連携 12345678」 to the bot from their chat account. Only its HMAC is stored (hashCode).
 */
export async function createLinkCode(db: DbOrTx, tenantId: string, staffId: string, now: Date): Promise<string> {
  const code = String(randomInt(0, 100_000_000)).padStart(8, '0');
  await db.insert(linkCodes).values({ codeHash: hashCode(code), tenantId, staffId, expiresAt: new Date(now.getTime() + CODE_TTL_MS) });
  return code;
}

const LINK_LINE = /^(?:連携|れんけい|link)\s*(\d{8})$/i;

/** Is this message a link request? Returns the code. */
export function parseLinkRequest(text: string): string | null {
  return LINK_LINE.exec(text.normalize('NFKC').trim())?.[1] ?? null;
}

/**
 * Links the platform account to the code's staff member. The workspace must belong to the
 * code's tenant. Codes are single-use; every try counts for the account and for the source it
 * came from (a group or room), with a delay growing after a few (countLinkAttempt), so guessing
 * is bounded across instances without ever locking a whole workspace out. The try is counted in
 * its own transaction, committed before the code is checked (a wrong code must not roll its
 * count back); using the code, linking, clearing the account's count and auditing are one.
 */
export async function redeemLinkCode(
  db: Db,
  platform: Platform,
  workspaceId: string,
  userId: string,
  code: string,
  now: Date,
  opts: { source?: string | null } = {},
): Promise<{ staffId: string; tenantId: string }> {
  const ws = await workspaceTenant(db, platform, workspaceId);
  const bad = new UserError(
    'bad_link_code',
    '連携コードが正しくないか、有効期限（30分）が切れています。管理者に新しいコードを発行してもらってください。',
    'link code rejected',
  );
  if (!ws) throw bad;
  const from = { platform, workspaceId, userId, source: opts.source };
  await countLinkAttempt(db, from, now);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(linkCodes)
      .set({ usedAt: now, attempts: sql`${linkCodes.attempts} + 1` })
      .where(
        and(
          eq(linkCodes.codeHash, hashCode(code)),
          eq(linkCodes.tenantId, ws.tenantId),
          isNull(linkCodes.usedAt),
          gt(linkCodes.expiresAt, now),
          sql`${linkCodes.attempts} < ${MAX_ATTEMPTS}`,
        ),
      )
      .returning({ staffId: linkCodes.staffId, tenantId: linkCodes.tenantId });
    if (!row) throw bad;
    await tx
      .insert(chatAccounts)
      .values({ tenantId: row.tenantId, staffId: row.staffId, platform, workspaceId, userId })
      .onConflictDoUpdate({
        target: [chatAccounts.platform, chatAccounts.workspaceId, chatAccounts.userId],
        set: { staffId: row.staffId, tenantId: row.tenantId, linkedAt: now },
      });
    await clearLinkAttempts(tx, from);
    await writeAudit(tx, {
      tenantId: row.tenantId,
      actorStaffId: row.staffId,
      platform,
      action: 'link_account',
      resourceType: 'staff',
      resourceId: row.staffId,
    });
    return row;
  });
}

export const UNLINKED_MESSAGE =
  'このアカウントはまだ職員として登録されていません。管理者から受け取った連携コードを「連携 12345678」のように送ってください。';

/** The platform accounts of a staff member, for delivering direct messages. */
export async function chatAccountsOf(db: DbOrTx, staffId: string) {
  return db
    .select({ platform: chatAccounts.platform, workspaceId: chatAccounts.workspaceId, userId: chatAccounts.userId })
    .from(chatAccounts)
    .where(eq(chatAccounts.staffId, staffId));
}
