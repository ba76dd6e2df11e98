import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { chatAccounts, offices, platformWorkspaces, staff } from '../../../db/schema/index';
import { ROLES, type Actor, type Platform, type Role } from '../actor';

const columns = {
  staffId: staff.id,
  tenantId: staff.tenantId,
  officeId: staff.officeId,
  name: staff.name,
  roles: staff.roles,
  officeKind: offices.kind,
};

function toActor(
  row: { staffId: string; tenantId: string; officeId: string; name: string; roles: string[]; officeKind: string },
  platform: Platform,
  userId: string,
): Actor {
  return {
    tenantId: row.tenantId,
    staffId: row.staffId,
    officeId: row.officeId,
    officeKind: row.officeKind,
    name: row.name,
    roles: row.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r)),
    platform,
    platformUserId: userId,
  };
}

/** The actor for an active staff member (the local chat picks staff directly). */
export async function actorForStaff(db: DbOrTx, staffId: string, platform: Platform = 'local'): Promise<Actor | null> {
  const [row] = await db
    .select(columns)
    .from(staff)
    .innerJoin(offices, eq(offices.id, staff.officeId))
    .where(and(eq(staff.id, staffId), eq(staff.active, true)));
  return row ? toActor(row, platform, staffId) : null;
}

/**
 * The actor behind a linked platform account, or null when the account is not linked. The one
 * tenant check of every platform's identity gate: the account, its staff member and the workspace
 * it writes from (Slack team, LINE WORKS domain, LINE channel) must belong to one tenant, so an
 * account of another municipality is refused exactly like an unknown one.
 */
export async function actorForChatAccount(db: DbOrTx, platform: Platform, workspaceId: string, userId: string): Promise<Actor | null> {
  const [row] = await db
    .select(columns)
    .from(chatAccounts)
    .innerJoin(staff, eq(staff.id, chatAccounts.staffId))
    .innerJoin(offices, eq(offices.id, staff.officeId))
    .innerJoin(
      platformWorkspaces,
      and(eq(platformWorkspaces.platform, chatAccounts.platform), eq(platformWorkspaces.workspaceId, chatAccounts.workspaceId)),
    )
    .where(
      and(
        eq(chatAccounts.tenantId, staff.tenantId),
        eq(platformWorkspaces.tenantId, staff.tenantId),
        eq(chatAccounts.platform, platform),
        eq(chatAccounts.workspaceId, workspaceId),
        eq(chatAccounts.userId, userId),
        eq(staff.active, true),
      ),
    );
  return row ? toActor(row, platform, userId) : null;
}
