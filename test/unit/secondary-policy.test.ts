import { describe, expect, it } from 'vitest';
import type { Actor, Role } from '../../src/chat/types';
import { nextStatus, availableSteps, canEndorse } from '../../src/core/regional/policy';
import { escalationHours, urgentEscalationDue } from '../../src/core/secondary/escalation';
import { canClose, canPost, canStart, canTake, canViewSecondary, postKindsFor } from '../../src/core/secondary/policy';

const actor = (staffId: string, roles: Role[], officeKind = 'tokutei', officeId = `office-${staffId}`): Actor => ({
  tenantId: 't1',
  staffId,
  officeId,
  officeKind,
  name: staffId,
  roles,
  platform: 'local',
  platformUserId: staffId,
});
const counselor = actor('req', ['counselor'], 'tokutei', 'A');
const kikan = actor('kikan', ['kikan'], 'kikan', 'K');
const chief = actor('chief', ['counselor', 'chief'], 'tokutei', 'B');
const city = actor('city', ['gyosei', 'secretariat'], 'gyosei', 'C');
const req = (status: string, takenBy: string | null = null) => ({
  tenantId: 't1',
  requesterId: 'req',
  requesterOfficeId: 'A',
  status,
  takenBy,
});

describe('二次相談 policy', () => {
  it('受付: 基幹 staff or a 主任, not the requester, only while 依頼', () => {
    expect(canTake(kikan, req('requested'))).toEqual({ ok: true });
    expect(canTake(chief, req('requested'))).toEqual({ ok: true });
    expect(canTake(counselor, req('requested'))).toEqual({ ok: false, reason: 'role' });
    expect(canTake(city, req('requested'))).toEqual({ ok: false, reason: 'role' });
    expect(canTake(actor('req', ['chief']), req('requested'))).toEqual({ ok: false, reason: 'own_request' });
    expect(canTake(kikan, req('accepted', 'chief'))).toEqual({ ok: false, reason: 'state' });
    expect(canTake({ ...kikan, tenantId: 't2' }, req('requested'))).toEqual({ ok: false, reason: 'tenant' });
  });

  it('対応中 and 終結 by the taker only; the thread by the taker or the requester', () => {
    expect(canStart(kikan, req('accepted', 'kikan')).ok).toBe(true);
    expect(canStart(chief, req('accepted', 'kikan')).ok).toBe(false);
    expect(canStart(kikan, req('in_progress', 'kikan'))).toEqual({ ok: false, reason: 'state' });
    expect(canClose(kikan, req('in_progress', 'kikan')).ok).toBe(true);
    expect(canClose(counselor, req('in_progress', 'kikan'))).toEqual({ ok: false, reason: 'role' });
    expect(canClose(kikan, req('closed', 'kikan'))).toEqual({ ok: false, reason: 'state' });
    expect(canPost(counselor, req('accepted', 'kikan')).ok).toBe(true);
    expect(canPost(kikan, req('in_progress', 'kikan')).ok).toBe(true);
    expect(canPost(chief, req('in_progress', 'kikan'))).toEqual({ ok: false, reason: 'role' });
    expect(canPost(counselor, req('requested'))).toEqual({ ok: false, reason: 'state' });
    expect(postKindsFor(kikan, req('accepted', 'kikan'))).toContain('advice');
    expect(postKindsFor(counselor, req('accepted', 'kikan'))).not.toContain('advice');
  });

  it('the request is seen by its two sides and by those who could take it', () => {
    expect(canViewSecondary(counselor, req('requested'))).toBe(true);
    expect(canViewSecondary(kikan, req('requested'))).toBe(true);
    expect(canViewSecondary(actor('b', ['counselor']), req('requested'))).toBe(false);
    expect(canViewSecondary(city, req('requested'))).toBe(false);
  });
});

describe('至急 escalation timing', () => {
  const r = (createdAt: string) => ({ urgency: 'urgent', status: 'requested', createdAt: new Date(createdAt), escalatedAt: null });
  it('counts office hours of business days only', () => {
    // Tuesday 10:00 JST → 12:00 JST: 2 hours.
    expect(urgentEscalationDue(r('2026-11-24T01:00:00Z'), new Date('2026-11-24T03:00:00Z'), 2)).toBe(true);
    expect(urgentEscalationDue(r('2026-11-24T01:00:00Z'), new Date('2026-11-24T02:59:00Z'), 2)).toBe(false);
    // Friday 17:00 JST → Monday 9:00 JST: 0.25 + 0.5 hours.
    expect(urgentEscalationDue(r('2026-11-27T08:00:00Z'), new Date('2026-11-30T00:00:00Z'), 2)).toBe(false);
    // Sunday 22 November → Monday 23 November (勤労感謝の日) → Tuesday 10:30: 2 hours.
    expect(urgentEscalationDue(r('2026-11-22T01:00:00Z'), new Date('2026-11-24T01:30:00Z'), 2)).toBe(true);
  });
  it('never for a normal, taken or already escalated request', () => {
    const late = new Date('2026-12-24T03:00:00Z');
    expect(urgentEscalationDue({ ...r('2026-11-24T01:00:00Z'), urgency: 'normal' }, late, 2)).toBe(false);
    expect(urgentEscalationDue({ ...r('2026-11-24T01:00:00Z'), status: 'accepted' }, late, 2)).toBe(false);
    expect(urgentEscalationDue({ ...r('2026-11-24T01:00:00Z'), escalatedAt: late }, late, 2)).toBe(false);
  });
  it('reads the tenant setting, defaulting to 2', () => {
    expect(escalationHours({})).toBe(2);
    expect(escalationHours({ secondaryUrgentEscalationHours: 4 })).toBe(4);
    expect(escalationHours({ secondaryUrgentEscalationHours: -1 })).toBe(2);
    expect(escalationHours({ secondaryUrgentEscalationHours: '3' })).toBe(2);
  });
});

describe('地域課題 lifecycle rules', () => {
  const issue = (status: string, routing: string | null = null) => ({ tenantId: 't1', status, routing, filedByOffice: 'A' });
  it('follows 提出 → 整理 → 部会 → 提案 → 全体会 → 解決/継続', () => {
    expect(nextStatus('triage', issue('submitted'), 'bukai')).toBe('triaged');
    expect(nextStatus('triage', issue('submitted'), 'case_by_case')).toBe('returned');
    expect(nextStatus('triage', issue('triaged', 'bukai'), 'bukai')).toBeNull();
    expect(nextStatus('progress', issue('triaged', 'bukai'))).toBe('in_review');
    expect(nextStatus('progress', issue('triaged', 'teireikai'))).toBeNull();
    expect(nextStatus('propose', issue('in_review', 'bukai'))).toBe('proposed');
    expect(nextStatus('confirm', issue('proposed', 'bukai'))).toBe('confirmed');
    expect(nextStatus('resolve', issue('confirmed', 'bukai'))).toBe('resolved');
    expect(nextStatus('continue', issue('confirmed', 'bukai'))).toBe('continued');
    expect(nextStatus('progress', issue('continued', 'bukai'))).toBe('in_review');
    expect(nextStatus('resolve', issue('triaged', 'teireikai'))).toBe('resolved');
    expect(nextStatus('resolve', issue('in_review', 'bukai'))).toBeNull();
    expect(nextStatus('merge', issue('in_review', 'bukai'))).toBeNull();
  });
  it('only 運営会議 members get step buttons; only other offices endorse', () => {
    expect(availableSteps(city, issue('submitted'))).toEqual(['triage', 'merge']);
    expect(availableSteps(kikan, issue('proposed', 'bukai'))).toEqual(['confirm']);
    expect(availableSteps(counselor, issue('submitted'))).toEqual([]);
    expect(canEndorse(counselor, issue('submitted')).ok).toBe(false);
    expect(canEndorse(chief, issue('submitted')).ok).toBe(true);
    expect(canEndorse(chief, issue('resolved')).ok).toBe(false);
    expect(canEndorse(city, issue('submitted')).ok).toBe(false);
  });
});
