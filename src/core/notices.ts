/**
 * What the domain wants to tell someone, as data. A change that concerns another staff member
 * or a shared channel writes a notice into the durable outbox (`deliveries`) in the same
 * transaction as the change, under a natural idempotency key. The domain says what happened:
 * a title, facts (label and value, already de-identified where a reader may not see the
 * person), notes, and the next steps the reader may take as intents with the id they act on.
 * How that looks on a platform, and which action id a button carries, is the conversation
 * side's business (handlers/notices/): core never builds a chat message.
 */
import type { DbOrTx } from '../../db/client';
import { enqueueDelivery } from './outbox';

export interface NoticeFact {
  label: string;
  value: string;
}

/**
 * A next step offered with a notice. The conversation side turns each into a button of the
 * handler that performs it (e.g. `secondary.accept` → the 二次相談 handler's 受付).
 */
export type NoticeIntent =
  | 'case.open'
  | 'secondary.open'
  | 'secondary.accept'
  | 'regional.open'
  | 'regional.endorse'
  | 'abuse.open'
  | 'abuse.acknowledge';

export interface NoticeAction {
  intent: NoticeIntent;
  /** The id the step acts on (a request, an issue, an alert, a person). */
  ref: string;
}

/** One item of a notice: a titled group of facts, with the steps offered on it. */
export interface NoticeItem {
  title: string;
  subtitle?: string;
  facts: NoticeFact[];
  actions?: NoticeAction[];
}

/** A notice: an optional lead line, items, and closing lines, in that order. */
export interface Notice {
  /** One line for notification previews and platforms that need a fallback. */
  summary: string;
  lead?: string;
  items: NoticeItem[];
  notes?: string[];
}

/** The outbox payload of a notice (other payloads are messages the conversation side wrote). */
export interface NoticePayload {
  notice: Notice;
  /**
   * The idempotency key of an earlier message this one is the new state of (a channel post whose
   * request was accepted, whose count grew). The sender edits that message where the platform
   * can and the earlier one went out there; elsewhere it posts this one as a new message.
   */
  replaces?: string;
}

export function isNoticePayload(payload: unknown): payload is NoticePayload {
  return typeof payload === 'object' && payload !== null && 'notice' in payload && typeof (payload as NoticePayload).notice === 'object';
}

/** The key of the message a payload is the new state of, if any. */
export function replacedKeyOf(payload: unknown): string | null {
  return isNoticePayload(payload) && typeof payload.replaces === 'string' ? payload.replaces : null;
}

type NoticeRecipient = { staffId: string } | { channel: string };

export interface NewNotice {
  tenantId: string;
  /** Delivery kind, e.g. `niji_posted`, `abuse_alert` (metrics and the local chat's inbox). */
  kind: string;
  /** Natural key: the same notice planned twice (two instances, a retried step) is stored once. */
  idempotencyKey: string;
  to: NoticeRecipient;
  notice: Notice;
  /** See NoticePayload.replaces. */
  replaces?: string;
}

/** Writes a notice into the outbox in the caller's transaction. False if it was there already. */
export async function sendNotice(tx: DbOrTx, n: NewNotice, now: Date): Promise<boolean> {
  const payload: NoticePayload = n.replaces ? { notice: n.notice, replaces: n.replaces } : { notice: n.notice };
  return enqueueDelivery(
    tx,
    {
      tenantId: n.tenantId,
      idempotencyKey: n.idempotencyKey,
      recipientId: 'staffId' in n.to ? n.to.staffId : null,
      channel: 'channel' in n.to ? n.to.channel : null,
      kind: n.kind,
      payload,
    },
    now,
  );
}
