/**
 * The lifecycle and the permissions of a 地域課題, as pure data and functions (kept apart from
 * src/core/access.ts so that the central policy can fold them in later unchanged).
 *
 *   submitted (提出) ──triage──▶ triaged (運営会議で整理: priority + routing)
 *                    ──triage(case_by_case)──▶ returned (個別に解決可能として差し戻し)
 *                    ──merge──▶ merged (into another issue; its endorsements count there)
 *   triaged(bukai) / continued ──progress──▶ in_review (部会で検討, progress notes)
 *   in_review ──progress──▶ in_review;  in_review ──propose──▶ proposed (施策提案 / 社会資源の開発・改善)
 *   proposed ──confirm──▶ confirmed (全体会で確認)
 *   confirmed, triaged(teireikai) ──resolve──▶ resolved | ──continue──▶ continued (継続)
 *
 * Who: anyone who works on cases, the 事務局 or 行政 may file; another office may endorse
 * (「うちでも同じ」); the 運営会議 members (協議会事務局, 行政, 基幹) do every other step.
 */
import type { Actor, Role } from '../actor';
import { isKikan } from '../access';

export const REGIONAL_STATUSES = [
  'submitted',
  'triaged',
  'in_review',
  'proposed',
  'confirmed',
  'resolved',
  'continued',
  'merged',
  'returned',
] as const;
export type RegionalStatus = (typeof REGIONAL_STATUSES)[number];

export const REGIONAL_STATUS_LABELS: Record<RegionalStatus, string> = {
  submitted: '提出（整理待ち）',
  triaged: '運営会議で整理済み',
  in_review: '部会で検討中',
  proposed: '提案',
  confirmed: '全体会で確認',
  resolved: '解決',
  continued: '継続',
  merged: '統合済み',
  returned: '個別対応へ差し戻し',
};

export const ROUTINGS = { bukai: '専門部会', teireikai: '定例会で共有', case_by_case: '個別に解決可能（差し戻し）' } as const;
export type Routing = keyof typeof ROUTINGS;
export const PRIORITIES = { high: '高', medium: '中', low: '低' } as const;
export type Priority = keyof typeof PRIORITIES;
export const PROPOSAL_KINDS = { policy: '施策提案', resource: '社会資源の開発・改善' } as const;
export type ProposalKind = keyof typeof PROPOSAL_KINDS;

export type RegionalStep = 'triage' | 'merge' | 'progress' | 'propose' | 'confirm' | 'resolve' | 'continue';

export interface IssueScope {
  tenantId: string;
  status: string;
  routing: string | null;
  filedByOffice: string;
}

const FILE_ROLES: readonly Role[] = ['counselor', 'chief', 'office_manager', 'kikan', 'secretariat', 'gyosei'];
const ENDORSE_ROLES: readonly Role[] = ['counselor', 'chief', 'office_manager', 'kikan'];
const hasAny = (actor: Actor, roles: readonly Role[]) => actor.roles.some((r) => roles.includes(r));

export function canFileRegional(actor: Actor): boolean {
  return hasAny(actor, FILE_ROLES);
}

/** 運営会議 members: 協議会事務局, 行政 and the 基幹. */
export function isCouncilMember(actor: Actor): boolean {
  return actor.roles.includes('secretariat') || actor.roles.includes('gyosei') || isKikan(actor);
}

/** Statuses still open to 「うちでも同じ」. */
const ENDORSABLE: readonly string[] = ['submitted', 'triaged', 'in_review', 'proposed', 'confirmed', 'continued'];

/** May the issue still gain 「うちでも同じ」 (the council post offers the button only then)? */
export function isEndorsable(status: string): boolean {
  return ENDORSABLE.includes(status);
}

export type EndorseCheck = { ok: true } | { ok: false; message: string };

export function canEndorse(actor: Actor, issue: IssueScope): EndorseCheck {
  if (actor.tenantId !== issue.tenantId) return { ok: false, message: '該当する地域課題が見つかりません。' };
  if (!hasAny(actor, ENDORSE_ROLES)) return { ok: false, message: '「うちでも同じ」を登録できるのは相談支援の事業所・基幹の職員です。' };
  if (actor.officeId === issue.filedByOffice) return { ok: false, message: '提出した事業所の件数は提出時の件数に含まれています。' };
  if (issue.status === 'merged') return { ok: false, message: 'この地域課題は別の課題に統合されました。統合先に登録してください。' };
  if (!ENDORSABLE.includes(issue.status))
    return { ok: false, message: `この地域課題は「${labelOf(issue.status)}」のため、登録できません。` };
  return { ok: true };
}

/** The status a step leads to from the issue's state, or null when the step is not possible now. */
export function nextStatus(step: RegionalStep, issue: Pick<IssueScope, 'status' | 'routing'>, routing?: Routing): RegionalStatus | null {
  const s = issue.status;
  switch (step) {
    case 'triage':
      if (s !== 'submitted') return null;
      return routing === 'case_by_case' ? 'returned' : 'triaged';
    case 'merge':
      return s === 'submitted' || s === 'triaged' ? 'merged' : null;
    case 'progress':
      if (s === 'in_review' || s === 'continued') return 'in_review';
      return s === 'triaged' && issue.routing === 'bukai' ? 'in_review' : null;
    case 'propose':
      return s === 'in_review' ? 'proposed' : null;
    case 'confirm':
      return s === 'proposed' ? 'confirmed' : null;
    case 'resolve':
    case 'continue': {
      const open = s === 'confirmed' || (s === 'triaged' && issue.routing === 'teireikai');
      return open ? (step === 'resolve' ? 'resolved' : 'continued') : null;
    }
  }
}

/** The steps the actor may take now (for the buttons of the issue card). */
export function availableSteps(actor: Actor, issue: IssueScope): RegionalStep[] {
  if (actor.tenantId !== issue.tenantId || !isCouncilMember(actor)) return [];
  const steps: RegionalStep[] = ['triage', 'merge', 'progress', 'propose', 'confirm', 'resolve', 'continue'];
  return steps.filter((st) => nextStatus(st, issue, st === 'triage' ? 'bukai' : undefined) !== null);
}

export const STEP_LABELS: Record<RegionalStep, string> = {
  triage: '整理（優先度・振り分け）',
  merge: '重複として統合',
  progress: '検討状況を記録',
  propose: '提案を記録',
  confirm: '全体会で確認',
  resolve: '解決',
  continue: '継続',
};

export function labelOf(status: string): string {
  return REGIONAL_STATUS_LABELS[status as RegionalStatus] ?? status;
}

export function stepRefusal(step: RegionalStep, status: string): string {
  return `この地域課題は「${labelOf(status)}」のため、「${STEP_LABELS[step]}」はできません。`;
}
