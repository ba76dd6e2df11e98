import type { Db } from '../../../db/client';
import type { Actor } from '../../chat/types';
import { isUserError } from '../../core/errors';
import { actorForChatAccount } from '../../core/staff/actor';
import { redeemLinkCode, workspaceTenant } from '../../core/staff/link';

export type Who = { kind: 'unknown_team' } | { kind: 'unlinked'; tenantId: string } | { kind: 'staff'; actor: Actor };

export const UNKNOWN_TEAM_MESSAGE =
  'このSlackワークスペースは soudan-bot に登録されていません。管理者にワークスペースの登録を依頼してください。';

/** A Slack team maps to a tenant; a Slack user to a staff member linked by a one-time code. */
export async function whoIs(db: Db, teamId: string, userId: string): Promise<Who> {
  if (!teamId || !userId) return { kind: 'unknown_team' };
  const ws = await workspaceTenant(db, 'slack', teamId);
  if (!ws) return { kind: 'unknown_team' };
  const actor = await actorForChatAccount(db, 'slack', teamId, userId);
  return actor ? { kind: 'staff', actor } : { kind: 'unlinked', tenantId: ws.tenantId };
}

/** Redeems 「連携 12345678」; returns the Japanese answer for the user either way. */
export async function linkAccount(db: Db, teamId: string, userId: string, code: string, now: Date): Promise<string> {
  try {
    await redeemLinkCode(db, 'slack', teamId, userId, code, now);
  } catch (e) {
    if (isUserError(e)) return e.userMessage;
    throw e;
  }
  const actor = await actorForChatAccount(db, 'slack', teamId, userId);
  return `連携しました。${actor?.name ?? ''}さんとして使えます。\`/help\` で使えるコマンドを表示します。`;
}
