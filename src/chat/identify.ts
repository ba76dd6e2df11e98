/**
 * The one identity gate of every chat platform: from a verified event's (platform, workspace,
 * user) to an Actor, or to the one answer an unidentified user gets. Every platform calls this;
 * none decides on its own who someone is.
 *
 *  - The workspace (Slack team, LINE WORKS domain, LINE channel) must be registered to a tenant.
 *  - A link code (「連携 12345678」) is redeemed when the account is not linked yet, or when the
 *    user asked to link explicitly (a message that is only the link line, `/soudan-link`), so a
 *    linked user can move their account to the staff member a new code names. A search that
 *    happens to contain 連携 (Slack `/case 連携 …`) is not a link request.
 *  - The account's staff member must be active and of the workspace's tenant (actorForChatAccount):
 *    an account of another tenant or of deactivated staff is refused exactly like an unknown one.
 */
import type { Db } from '../../db/client';
import { isUserError } from '../core/errors';
import { actorForChatAccount } from '../core/staff/actor';
import { parseLinkRequest, redeemLinkCode, UNLINKED_MESSAGE, workspaceTenant } from '../core/staff/link';
import type { Actor, Platform } from './types';

export type Identity =
  /** The workspace is not registered: platforms answer with their own wording (or not at all). */
  | { kind: 'unknown_workspace' }
  /** A link code was redeemed or refused: `message` says which; nothing else runs. */
  | { kind: 'linked'; message: string }
  /** Not linked: `message` says how to link. */
  | { kind: 'unlinked'; tenantId: string; message: string }
  | { kind: 'staff'; actor: Actor };

export interface Inbound {
  platform: Platform;
  workspaceId: string;
  userId: string;
  /** The text the user sent, if any (a link code is looked for in it). */
  text?: string | null;
  /** The text is nothing but what the user typed to the bot as a whole message (a link request counts). */
  explicitLink?: boolean;
  /** Where a link attempt came from (a group or room), for the per-source attempt limit. */
  source?: string | null;
  now: Date;
}

/** How to ask for help on each platform (named in the answer to a successful link). */
const HELP_HINT: Record<Platform, string> = {
  slack: '`/help` で使えるコマンドを表示します。',
  lineworks: '「ヘルプ」と送ると使えるコマンドが表示されます。',
  line: '下のメニューか「ヘルプ」から操作を始められます。',
  local: '「ヘルプ」と送ると使えるコマンドが表示されます。',
};

export async function identify(db: Db, e: Inbound): Promise<Identity> {
  if (!e.workspaceId || !e.userId) return { kind: 'unknown_workspace' };
  const ws = await workspaceTenant(db, e.platform, e.workspaceId);
  if (!ws) return { kind: 'unknown_workspace' };
  const actor = await actorForChatAccount(db, e.platform, e.workspaceId, e.userId);
  const code = e.text ? parseLinkRequest(e.text) : null;
  if (code && (e.explicitLink || !actor)) {
    try {
      await redeemLinkCode(db, e.platform, e.workspaceId, e.userId, code, e.now, { source: e.source ?? null });
    } catch (err) {
      if (isUserError(err)) return { kind: 'linked', message: err.userMessage };
      throw err;
    }
    const linked = await actorForChatAccount(db, e.platform, e.workspaceId, e.userId);
    return { kind: 'linked', message: `連携しました。${linked?.name ?? ''}さんとして利用できます。${HELP_HINT[e.platform]}` };
  }
  if (!actor) return { kind: 'unlinked', tenantId: ws.tenantId, message: UNLINKED_MESSAGE };
  return { kind: 'staff', actor };
}
