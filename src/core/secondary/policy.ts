/**
 * Who may do what with a 二次相談, as small pure functions of the actor and the request. Kept
 * apart from src/core/access.ts so that the central policy can fold them in later unchanged.
 *
 *  - request: staff who work on cases (相談支援専門員, 主任, 事業所管理者, 基幹).
 *  - take (受付): 基幹 staff or a 主任, never the requester themself, only while 依頼.
 *  - start (対応中): the taker, from 受付.
 *  - post to the thread: the taker or the requester, while 受付 or 対応中.
 *  - close (終結): the taker, from 受付 or 対応中.
 *  - view: the requester, the taker, and anyone who could take it (the 基幹's queue).
 *  - see the person's identity: personGrant (own office; the 基幹 only with consent).
 */
import type { Actor, Role } from '../actor';
import { isKikan } from '../access';

export type SecondaryStatus = 'requested' | 'accepted' | 'in_progress' | 'closed';
export const SECONDARY_STATUS_LABELS: Record<SecondaryStatus, string> = {
  requested: '依頼',
  accepted: '受付',
  in_progress: '対応中',
  closed: '終結',
};

/** The facts of a request the rules look at. */
export interface RequestScope {
  tenantId: string;
  requesterId: string;
  requesterOfficeId: string;
  status: string;
  takenBy: string | null;
}

const REQUEST_ROLES: readonly Role[] = ['counselor', 'chief', 'office_manager', 'kikan'];

const hasAny = (actor: Actor, roles: readonly Role[]) => actor.roles.some((r) => roles.includes(r));

export function canRequestSecondary(actor: Actor): boolean {
  return hasAny(actor, REQUEST_ROLES);
}

/** 基幹 staff, or a 主任相談支援専門員 of any office of the tenant. */
export function isSecondaryResponder(actor: Actor): boolean {
  return isKikan(actor) || actor.roles.includes('chief');
}

export type Refusal = { ok: true } | { ok: false; reason: 'tenant' | 'role' | 'state' | 'own_request' };

const ok: Refusal = { ok: true };
const no = (reason: Exclude<Refusal, { ok: true }>['reason']): Refusal => ({ ok: false, reason });

export function canTake(actor: Actor, r: RequestScope): Refusal {
  if (actor.tenantId !== r.tenantId) return no('tenant');
  if (!isSecondaryResponder(actor)) return no('role');
  if (actor.staffId === r.requesterId) return no('own_request');
  if (r.status !== 'requested') return no('state');
  return ok;
}

export function canStart(actor: Actor, r: RequestScope): Refusal {
  if (actor.tenantId !== r.tenantId) return no('tenant');
  if (r.takenBy !== actor.staffId) return no('role');
  if (r.status !== 'accepted') return no('state');
  return ok;
}

export function canPost(actor: Actor, r: RequestScope): Refusal {
  if (actor.tenantId !== r.tenantId) return no('tenant');
  if (r.takenBy !== actor.staffId && r.requesterId !== actor.staffId) return no('role');
  if (r.status !== 'accepted' && r.status !== 'in_progress') return no('state');
  return ok;
}

export function canClose(actor: Actor, r: RequestScope): Refusal {
  if (actor.tenantId !== r.tenantId) return no('tenant');
  if (r.takenBy !== actor.staffId) return no('role');
  if (r.status !== 'accepted' && r.status !== 'in_progress') return no('state');
  return ok;
}

export function canViewSecondary(actor: Actor, r: RequestScope): boolean {
  if (actor.tenantId !== r.tenantId) return false;
  return actor.staffId === r.requesterId || actor.staffId === r.takenBy || isSecondaryResponder(actor);
}

/** Post kinds a side may write: the taker advises and visits, the requester asks and answers. */
export const POST_KINDS = {
  advice: '助言',
  visit: '同行訪問の記録',
  question: '追加の質問',
  answer: '回答・経過報告',
  attachment: '添付資料の説明',
} as const;
export type PostKind = keyof typeof POST_KINDS;

export function postKindsFor(actor: Actor, r: RequestScope): PostKind[] {
  if (r.takenBy === actor.staffId) return ['advice', 'visit', 'question', 'attachment'];
  if (r.requesterId === actor.staffId) return ['answer', 'question', 'attachment'];
  return [];
}

/** Japanese refusal messages, one per reason and step. */
export function refusalMessage(
  step: 'take' | 'start' | 'post' | 'close',
  reason: Exclude<Refusal, { ok: true }>['reason'],
  status: string,
): string {
  if (reason === 'tenant') return '該当する二次相談が見つかりません。';
  if (reason === 'own_request') return '自分が出した二次相談は受付できません。';
  if (reason === 'state') {
    const label = SECONDARY_STATUS_LABELS[status as SecondaryStatus] ?? status;
    if (step === 'take' && status !== 'closed') return 'この二次相談はすでに受付済みです。';
    return `この二次相談は現在「${label}」のため、この操作はできません。`;
  }
  switch (step) {
    case 'take':
      return '二次相談を受付できるのは基幹相談支援センターの職員か主任相談支援専門員です。';
    case 'start':
      return '対応を開始できるのは受付した担当者だけです。';
    case 'post':
      return 'やりとりに書き込めるのは依頼者と受付した担当者だけです。';
    case 'close':
      return '終結できるのは受付した担当者だけです。';
  }
}
