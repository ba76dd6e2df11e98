import { describe, expect, it } from 'vitest';
import { ROLES, type Actor, type Role } from '../../src/chat/types';
import {
  ACTIONS,
  canLogConsultations,
  canWritePerson,
  decide,
  POLICY,
  personGrant,
  RESOURCES,
  type AccessFacts,
  type Scope,
} from '../../src/core/access';

const T = 'tenant-1';
const OFFICE = 'office-a';
const OTHER_OFFICE = 'office-b';

function actorWith(role: Role, over: Partial<Actor> = {}): Actor {
  return {
    tenantId: T,
    staffId: `staff-${role}`,
    officeId: OFFICE,
    officeKind: role === 'kikan' ? 'kikan' : role === 'gyosei' || role === 'secretariat' ? 'gyosei' : 'tokutei',
    name: role,
    roles: [role],
    platform: 'local',
    platformUserId: 'u',
    ...over,
  };
}

/** Facts under which exactly this scope (and the tenant-wide ones) hold. */
function factsFor(scope: Scope, actor: Actor): AccessFacts {
  const base: AccessFacts = { tenantId: T, officeId: OTHER_OFFICE, authorId: 'someone-else' };
  switch (scope) {
    case 'own':
      return { ...base, officeId: actor.officeId, authorId: actor.staffId };
    case 'own_office':
      return { ...base, officeId: actor.officeId };
    case 'kikan_consent':
      return { ...base, consentKikan: true };
    case 'granted':
      return { ...base, granted: true };
    case 'abuse_alert':
      return { ...base, abuseAlert: true };
    case 'break_glass':
      return { ...base, breakGlass: true };
    case 'tenant':
    case 'aggregate':
      return base;
  }
}

const everything = (actor: Actor): AccessFacts => ({
  tenantId: T,
  officeId: actor.officeId,
  authorId: actor.staffId,
  consentKikan: true,
  granted: true,
  abuseAlert: true,
  breakGlass: true,
});

const cases = POLICY.flatMap((rule) =>
  rule.actions.flatMap((action) =>
    rule.roles.flatMap((role) => rule.scopes.map((scope) => ({ resource: rule.resource, action, role, scope }))),
  ),
);

function hasWideRule(role: Role, resource: string, action: string): boolean {
  return POLICY.some(
    (r) =>
      r.resource === resource &&
      r.actions.includes(action as never) &&
      r.roles.includes(role) &&
      r.scopes.some((s) => s === 'tenant' || s === 'aggregate'),
  );
}

describe('the access table, rule by rule', () => {
  it.each(cases)('$role may $action $resource when $scope', ({ resource, action, role, scope }) => {
    const actor = actorWith(role);
    expect(decide(actor, resource, action, factsFor(scope, actor))).toBe(scope);
  });

  it.each(cases)('$role may not $action $resource of another tenant ($scope)', ({ resource, action, role, scope }) => {
    const actor = actorWith(role);
    expect(decide(actor, resource, action, { ...factsFor(scope, actor), tenantId: 'tenant-2' })).toBeNull();
  });

  it.each(cases.filter((c) => c.scope !== 'tenant' && c.scope !== 'aggregate' && !hasWideRule(c.role, c.resource, c.action)))(
    '$role may not $action $resource when the condition ($scope) does not hold',
    ({ resource, action, role }) => {
      const actor = actorWith(role);
      expect(decide(actor, resource, action, { tenantId: T, officeId: OTHER_OFFICE, authorId: 'someone-else' })).toBeNull();
    },
  );

  const uncovered = ROLES.flatMap((role) =>
    RESOURCES.flatMap((resource) =>
      ACTIONS.filter((action) => !POLICY.some((r) => r.resource === resource && r.actions.includes(action) && r.roles.includes(role))).map(
        (action) => ({ role, resource, action }),
      ),
    ),
  );
  it('every pair the table does not list is refused, even with every condition true', () => {
    expect(uncovered.length).toBeGreaterThan(100);
    for (const { role, resource, action } of uncovered) {
      const actor = actorWith(role, { officeKind: role === 'kikan' ? 'kikan' : 'tokutei' });
      expect(decide(actor, resource, action, everything(actor)), `${role} ${action} ${resource}`).toBeNull();
    }
  });
});

describe('the rules users meet', () => {
  const person = (officeId: string, consentKikan: boolean, tenantId = T) => ({ id: 'p1', tenantId, officeId, consentKikan });

  it('a counselor sees the persons of their own office only', () => {
    const a = actorWith('counselor');
    expect(personGrant(a, person(OFFICE, false))).toBe('own_office');
    expect(personGrant(a, person(OTHER_OFFICE, true))).toBeNull();
  });

  it('the 基幹 sees another office’s person only with consent', () => {
    const k = actorWith('kikan', { officeId: 'kikan-office' });
    expect(personGrant(k, person(OFFICE, true))).toBe('kikan_consent');
    expect(personGrant(k, person(OFFICE, false))).toBeNull();
  });

  it('a chief working at the 基幹 office counts as the 基幹', () => {
    const chief = actorWith('chief', { officeId: 'kikan-office', officeKind: 'kikan' });
    expect(personGrant(chief, person(OFFICE, true))).toBe('kikan_consent');
  });

  it('break-glass opens one person for the 基幹 only, and only that person', () => {
    const k = actorWith('kikan', { officeId: 'kikan-office', elevation: { personId: 'p1', scope: 'break_glass' } });
    expect(personGrant(k, person(OFFICE, false))).toBe('break_glass');
    expect(personGrant(k, { ...person(OFFICE, false), id: 'p2' })).toBeNull();
    const counselor = actorWith('counselor', { officeId: OTHER_OFFICE, elevation: { personId: 'p1', scope: 'break_glass' } });
    expect(personGrant(counselor, person(OFFICE, false))).toBeNull();
  });

  it('行政 sees no case text unless granted, and sees aggregates', () => {
    const city = actorWith('gyosei', { roles: ['gyosei', 'secretariat'] });
    expect(personGrant(city, person(OFFICE, true))).toBeNull();
    expect(personGrant({ ...city, elevation: { personId: 'p1', scope: 'granted' } }, person(OFFICE, true))).toBe('granted');
    expect(decide(city, 'report', 'view', { tenantId: T })).toBe('aggregate');
  });

  it('tenants never see each other, whatever the role', () => {
    for (const role of ROLES) {
      const actor = actorWith(role, { elevation: { personId: 'p1', scope: 'break_glass' } });
      expect(personGrant(actor, person(OFFICE, true, 'tenant-2'))).toBeNull();
    }
  });

  it('only case staff of the office write consultations; city officials do not', () => {
    expect(canWritePerson(actorWith('counselor'), person(OFFICE, false))).toBe(true);
    expect(canWritePerson(actorWith('counselor'), person(OTHER_OFFICE, false))).toBe(false);
    expect(canLogConsultations(actorWith('gyosei'))).toBe(false);
    expect(canLogConsultations(actorWith('admin'))).toBe(false);
  });

  it('a counselor edits only their own records; the office manager edits the office’s', () => {
    const a = actorWith('counselor');
    const mine = { tenantId: T, officeId: OFFICE, authorId: a.staffId };
    const colleague = { tenantId: T, officeId: OFFICE, authorId: 'colleague' };
    expect(decide(a, 'consultation', 'update', mine)).toBe('own');
    expect(decide(a, 'consultation', 'update', colleague)).toBeNull();
    expect(decide(actorWith('office_manager'), 'consultation', 'update', colleague)).toBe('own_office');
  });
});
