import { createHash, randomInt } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client';
import { chatAccounts, linkCodes, platformWorkspaces } from '../../../db/schema/index';
import type { Platform } from '../actor';
import { countLinkAttempt } from '../admin/link-attempts';
import { writeAudit } from '../audit/write';
import { UserError } from '../errors';

const CODE_TTL_MS = 30 * 60 * 1000;
const MAX_ATTEMPTS = 5;

function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
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
 * 「連携 12345678」 to the bot from their chat account. Only the hash is stored.
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
 * code's tenant. Codes are single-use; every try counts against the account's and the
 * workspace's hourly limit (countLinkAttempt), so guessing is bounded across instances.
 * The attempt is counted in its own statement, committed before the code is checked (a wrong
 * code must not roll its count back); using the code, linking and auditing are one transaction.
 */
export async function redeemLinkCode(
  db: Db,
  platform: Platform,
  workspaceId: string,
  userId: string,
  code: string,
  now: Date,
): Promise<{ staffId: string; tenantId: string }> {
  const ws = await workspaceTenant(db, platform, workspaceId);
  const bad = new UserError('bad_link_code', '連携コードが正しくないか、有効期限（30分）が切れています。管理者に新しいコードを発行してもらってください。', 'link code rejected');
  if (!ws) throw bad;
  await countLinkAttempt(db, platform, workspaceId, userId, now);
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
      .onConflictDoUpdate({ target: [chatAccounts.platform, chatAccounts.workspaceId, chatAccounts.userId], set: { staffId: row.staffId, tenantId: row.tenantId, linkedAt: now } });
    await writeAudit(tx, { tenantId: row.tenantId, actorStaffId: row.staffId, platform, action: 'link_account', resourceType: 'staff', resourceId: row.staffId });
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
