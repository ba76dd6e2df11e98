import type { Actor } from '../actor';
import { canWritePerson, personGrant, type PersonScope } from '../access';
import { UserError } from '../errors';
import { hasCaseRole, isCouncilStaff, kindLabel, PERSON_MEETING_KIND } from './kinds';

/** What the access rules need to know about a meeting. */
export interface MeetingScope {
  tenantId: string;
  kind: string;
  createdBy: string;
  /** The person of a サービス担当者会議 (null for council meetings or a person since removed). */
  person: PersonScope | null;
  attendeeIds: readonly string[];
}

/**
 * Council meetings are scheduled by 事務局 / 行政 / 基幹 / admin staff; a サービス担当者会議 by
 * case staff of the person's own office (their own cases).
 */
export function assertMaySchedule(actor: Actor, kind: string, person: PersonScope | null): void {
  if (kind !== PERSON_MEETING_KIND) {
    if (!isCouncilStaff(actor)) {
      throw new UserError(
        'forbidden',
        `${kindLabel(kind)}を登録できるのは協議会事務局・行政・基幹相談支援センターの職員です。`,
        'not council staff',
      );
    }
    return;
  }
  if (!hasCaseRole(actor)) {
    throw new UserError('forbidden', 'サービス担当者会議を登録できるのはケースを担当する職員です。', 'no case role');
  }
  if (!person || !canWritePerson(actor, person)) {
    throw new UserError('forbidden', 'サービス担当者会議は自分の事業所のケースについてのみ登録できます。', 'person not of own office', {
      person: 'サービス担当者会議は自分の事業所のケースについてのみ登録できます。',
    });
  }
}

/** Cancel, and change what was decided: the organiser, council staff for council meetings, the person's office for theirs. */
export function mayManage(actor: Actor, m: MeetingScope): boolean {
  if (actor.tenantId !== m.tenantId) return false;
  if (actor.staffId === m.createdBy) return true;
  if (m.kind !== PERSON_MEETING_KIND) return isCouncilStaff(actor);
  return m.person !== null && canWritePerson(actor, m.person);
}

/** Record minutes: whoever manages it, or anyone who attends (the note-taker is often an attendee). */
export function mayRecordMinutes(actor: Actor, m: MeetingScope): boolean {
  return mayManage(actor, m) || (actor.tenantId === m.tenantId && m.attendeeIds.includes(actor.staffId));
}

/** See a meeting at all: attendees, managers, and for council meetings every council staff member. */
export function maySee(actor: Actor, m: MeetingScope): boolean {
  if (actor.tenantId !== m.tenantId) return false;
  return mayRecordMinutes(actor, m) || (m.kind === PERSON_MEETING_KIND && m.person !== null && personGrant(actor, m.person) !== null);
}

/** Whether the case code of a サービス担当者会議 may be shown to this actor. */
export function mayIdentifyPerson(actor: Actor, m: MeetingScope): boolean {
  return m.person !== null && personGrant(actor, m.person) !== null;
}
