import type { Actor, Role } from '../actor';
import { isKikan } from '../access';

/**
 * The kinds of meeting the council and the offices hold (domain.md, flow 4). The code is what
 * `council_bodies.kind` and `meetings.kind` store; the label is what users read and type.
 */
export const MEETING_KINDS = [
  { code: 'unei', label: '運営会議' },
  { code: 'teireikai', label: '定例会' },
  { code: 'bukai', label: '専門部会' },
  { code: 'zentai', label: '全体会' },
  { code: 'jimukyoku', label: '事務局会議' },
  { code: 'jirei', label: '事例検討' },
  { code: 'renrakukai', label: '事業所連絡会' },
  { code: 'kobetsu', label: '個別事例連携会議' },
  { code: 'jusoteki', label: '重層的支援会議' },
  { code: 'tantosha', label: 'サービス担当者会議' },
] as const;

export type MeetingKind = (typeof MEETING_KINDS)[number]['code'];

/** The one kind that concerns a person: its title and place must never carry the name. */
export const PERSON_MEETING_KIND: MeetingKind = 'tantosha';

/** Other words users type for a kind (the 綾瀬市 plan writes 協議会, GSV, 相談支援事業所連絡会 …). */
const KIND_ALIASES: Record<string, MeetingKind> = {
  運営会議: 'unei',
  運営委員会: 'unei',
  定例会: 'teireikai',
  専門部会: 'bukai',
  部会: 'bukai',
  全体会: 'zentai',
  協議会: 'zentai',
  協議会全体会: 'zentai',
  事務局会議: 'jimukyoku',
  事例検討: 'jirei',
  事例検討会: 'jirei',
  gsv: 'jirei',
  '事例検討/gsv': 'jirei',
  事業所連絡会: 'renrakukai',
  相談支援事業所連絡会: 'renrakukai',
  連絡会: 'renrakukai',
  個別事例連携会議: 'kobetsu',
  重層的支援会議: 'jusoteki',
  サービス担当者会議: 'tantosha',
  担当者会議: 'tantosha',
};

export function kindLabel(code: string): string {
  return MEETING_KINDS.find((k) => k.code === code)?.label ?? code;
}

export function isMeetingKind(code: string): code is MeetingKind {
  return MEETING_KINDS.some((k) => k.code === code);
}

/** A kind from what a user typed ('専門部会', '部会', 'GSV', 'bukai'), or null. */
export function kindFromText(text: string): MeetingKind | null {
  const t = text
    .normalize('NFKC')
    .replace(/[\s　]/g, '')
    .toLowerCase();
  if (isMeetingKind(t)) return t;
  return KIND_ALIASES[t] ?? null;
}

const COUNCIL_ROLES: readonly Role[] = ['secretariat', 'gyosei', 'kikan', 'admin'];

/** 事務局 / 行政 / 基幹 / admin staff run the council's meetings and see all of them. */
export function isCouncilStaff(actor: Actor): boolean {
  return isKikan(actor) || actor.roles.some((r) => COUNCIL_ROLES.includes(r));
}

/** Staff who work on cases (and so may hold a サービス担当者会議 for their office's persons). */
export function hasCaseRole(actor: Actor): boolean {
  return actor.roles.some((r) => r === 'counselor' || r === 'chief' || r === 'office_manager' || r === 'kikan');
}
