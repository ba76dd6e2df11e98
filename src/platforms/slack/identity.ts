import type { Db } from '../../../db/client';
import { identify, type Identity } from '../../chat/identify';

export const UNKNOWN_TEAM_MESSAGE =
  'このSlackワークスペースは soudan-bot に登録されていません。管理者にワークスペースの登録を依頼してください。';

/**
 * A Slack team maps to a tenant; a Slack user to a staff member linked by a one-time code. The
 * decision is the one gate of every platform (src/chat/identify.ts); `text` and `linkWanted`
 * let 「連携 12345678」 link (a DM, `/soudan-link`, or any command of an unlinked user).
 */
export function whoIs(db: Db, teamId: string, userId: string, now: Date, text?: string, linkWanted = false): Promise<Identity> {
  return identify(db, { platform: 'slack', workspaceId: teamId, userId, text: text ?? null, explicitLink: linkWanted, now });
}
