/**
 * Where a delivery goes: the recipient's linked chat account on a platform this process can
 * send to, else the local chat when it runs here; a channel post goes to the tenant's
 * workspace channel of that purpose. Nothing found is a permanent failure with a clear reason.
 */
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { platformWorkspaces } from '../../db/schema/index';
import type { Destination, PlatformSender, SenderRegistry } from '../chat/adapter';
import type { Platform } from '../chat/types';
import { chatAccountsOf } from '../core/staff/link';

export type Resolved = { sender: PlatformSender; to: Destination } | { error: string };

/** The local chat reads the outbox itself: its destination is the staff member or the channel purpose. */
const LOCAL_WORKSPACE = 'local';

export async function resolveDestination(
  db: DbOrTx,
  senders: SenderRegistry,
  d: { tenantId: string; recipientId: string | null; channel: string | null },
): Promise<Resolved> {
  const local = senders.get('local');
  if (d.recipientId) {
    for (const account of await chatAccountsOf(db, d.recipientId)) {
      const sender = senders.get(account.platform as Platform);
      if (sender) return { sender, to: { kind: 'user', workspaceId: account.workspaceId, userId: account.userId } };
    }
    if (local) return { sender: local, to: { kind: 'user', workspaceId: LOCAL_WORKSPACE, userId: d.recipientId } };
    return { error: 'recipient has no linked chat account on a configured platform, and the local chat is off' };
  }
  if (d.channel) {
    const workspaces = await db
      .select({ platform: platformWorkspaces.platform, workspaceId: platformWorkspaces.workspaceId, channels: platformWorkspaces.channels })
      .from(platformWorkspaces)
      .where(and(eq(platformWorkspaces.tenantId, d.tenantId)));
    for (const ws of workspaces) {
      const channelId = ws.channels[d.channel];
      const sender = senders.get(ws.platform as Platform);
      if (channelId && sender) return { sender, to: { kind: 'channel', workspaceId: ws.workspaceId, channelId } };
    }
    if (local) return { sender: local, to: { kind: 'channel', workspaceId: LOCAL_WORKSPACE, channelId: d.channel } };
    return { error: `no workspace of the tenant has a channel for purpose "${d.channel}" on a configured platform` };
  }
  return { error: 'delivery has neither a recipient nor a channel' };
}
