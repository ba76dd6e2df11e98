/**
 * Direct messages about a 二次相談 (and a 地域課題), put in the outbox in the caller's transaction
 * with a natural key, so a retried step never notifies twice. The text shown to a reader who
 * may not see the person has already been de-identified by the caller.
 */
import type { DbOrTx } from '../../../db/client';
import { sendNotice, type NoticeAction, type NoticeFact } from '../notices';

export interface DirectNotice {
  tenantId: string;
  toStaffId: string;
  idempotencyKey: string;
  kind: string;
  title: string;
  fields: NoticeFact[];
  actions?: NoticeAction[];
}

export async function notify(tx: DbOrTx, n: DirectNotice, now: Date): Promise<boolean> {
  return sendNotice(
    tx,
    {
      tenantId: n.tenantId,
      kind: n.kind,
      idempotencyKey: n.idempotencyKey,
      to: { staffId: n.toStaffId },
      notice: { summary: n.title, items: [{ title: n.title, facts: n.fields, actions: n.actions }] },
    },
    now,
  );
}

export const openSecondary = (id: string): NoticeAction => ({ intent: 'secondary.open', ref: id });
