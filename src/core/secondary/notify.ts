/**
 * Direct messages about a 二次相談 (and a 地域課題), put in the outbox in the caller's transaction
 * with a natural key, so a retried step never notifies twice. The text shown to a reader who
 * may not see the person has already been de-identified by the caller.
 */
import type { DbOrTx } from '../../../db/client';
import { button, truncate } from '../../chat/replies';
import type { Button, Field, Reply } from '../../chat/types';
import { enqueueDelivery } from '../outbox';

export interface Notice {
  tenantId: string;
  toStaffId: string;
  idempotencyKey: string;
  kind: string;
  title: string;
  fields: Field[];
  buttons?: Button[];
}

export function noticeReply(n: Notice): Reply {
  return {
    visibility: 'dm',
    toStaffId: n.toStaffId,
    blocks: [{ type: 'card', title: n.title, fields: n.fields, buttons: n.buttons }],
    summary: truncate(n.title, 100),
  };
}

export async function notify(tx: DbOrTx, n: Notice, now: Date): Promise<boolean> {
  return enqueueDelivery(tx, {
    tenantId: n.tenantId,
    idempotencyKey: n.idempotencyKey,
    recipientId: n.toStaffId,
    kind: n.kind,
    reply: noticeReply(n),
  }, now);
}

export const showSecondaryButton = (id: string) => button('詳細を見る', 'niji:show', id);
