import type { Actor, Role } from '../chat/types';
import { UserError } from './errors';

/** The facts about a person that decide who may see their record. */
export interface PersonScope {
  tenantId: string;
  officeId: string;
  consentKikan: boolean;
}

/** Why access was granted; written to the audit row. */
export type Grant = 'own_office' | 'kikan_consent';

const CASE_ROLES: readonly Role[] = ['counselor', 'chief', 'office_manager', 'kikan'];

function hasAny(actor: Actor, roles: readonly Role[]): boolean {
  return actor.roles.some((r) => roles.includes(r));
}

export function isKikan(actor: Actor): boolean {
  return actor.officeKind === 'kikan' || actor.roles.includes('kikan');
}

/**
 * Case data: the person's own office (staff who work on cases), and the 基幹 only where the
 * person consented to sharing with it. Other tenants never. 行政 / 事務局 see aggregates only.
 */
export function personGrant(actor: Actor, person: PersonScope): Grant | null {
  if (actor.tenantId !== person.tenantId) return null;
  if (!hasAny(actor, CASE_ROLES)) return null;
  if (actor.officeId === person.officeId) return 'own_office';
  if (isKikan(actor) && person.consentKikan) return 'kikan_consent';
  return null;
}

/** May the actor record a consultation about this person? Only their own office writes. */
export function canWritePerson(actor: Actor, person: PersonScope): boolean {
  return actor.tenantId === person.tenantId && actor.officeId === person.officeId && hasAny(actor, CASE_ROLES);
}

export function canLogConsultations(actor: Actor): boolean {
  return hasAny(actor, CASE_ROLES);
}

export function requireRole(actor: Actor, roles: readonly Role[], what: string): void {
  if (!hasAny(actor, roles)) {
    throw new UserError('forbidden', `この操作（${what}）を行う権限がありません。`, `role check failed for ${what}`);
  }
}
