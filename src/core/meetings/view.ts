import { and, asc, eq, exists, gte, isNull, lte, ne, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client';
import { councilBodies, meetingAttendees, meetings, minutes, persons, staff } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { writeAudit } from '../audit/write';
import { jstInstant, jstToday } from '../calendar/jst';
import { UserError } from '../errors';
import { mayIdentifyPerson, mayManage, maySee, type MeetingScope } from './access';
import { isCouncilStaff, PERSON_MEETING_KIND } from './kinds';
import { cancelMeetingReminders } from './reminders';

export interface MeetingDetail {
  id: string;
  kind: string;
  bodyId: string | null;
  bodyName: string | null;
  title: string;
  startsAt: Date;
  endsAt: Date | null;
  place: string | null;
  /** Only when the actor may see the person; never a name. */
  personCode: string | null;
  cancelled: boolean;
  attendees: { id: string; name: string }[];
  hasMinutes: boolean;
  scope: MeetingScope;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function notFound(): UserError {
  return new UserError('unknown_meeting', '該当する会議が見つかりません。', 'meeting not found or not visible');
}

/** The meeting with what access needs; not-visible and absent look the same to the user. */
export async function loadMeetingFor(db: DbOrTx, actor: Actor, meetingId: string): Promise<MeetingDetail> {
  if (!UUID.test(meetingId)) throw notFound();
  const [m] = await db
    .select({
      id: meetings.id,
      tenantId: meetings.tenantId,
      kind: meetings.kind,
      bodyId: meetings.bodyId,
      bodyName: councilBodies.name,
      title: meetings.title,
      startsAt: meetings.startsAt,
      endsAt: meetings.endsAt,
      place: meetings.place,
      createdBy: meetings.createdBy,
      cancelledAt: meetings.cancelledAt,
      personId: meetings.personId,
      personCode: persons.code,
      personOffice: persons.officeId,
      personConsent: persons.consentKikan,
      minutesId: minutes.id,
    })
    .from(meetings)
    .leftJoin(councilBodies, eq(councilBodies.id, meetings.bodyId))
    .leftJoin(persons, and(eq(persons.id, meetings.personId), isNull(persons.deletedAt)))
    .leftJoin(minutes, eq(minutes.meetingId, meetings.id))
    .where(and(eq(meetings.id, meetingId), eq(meetings.tenantId, actor.tenantId)));
  if (!m) throw notFound();
  const attendees = await db
    .select({ id: staff.id, name: staff.name })
    .from(meetingAttendees)
    .innerJoin(staff, eq(staff.id, meetingAttendees.staffId))
    .where(eq(meetingAttendees.meetingId, m.id))
    .orderBy(asc(staff.kana), asc(staff.name));
  const scope: MeetingScope = {
    tenantId: m.tenantId,
    kind: m.kind,
    createdBy: m.createdBy,
    person: m.personOffice ? { tenantId: m.tenantId, officeId: m.personOffice, consentKikan: m.personConsent ?? false } : null,
    attendeeIds: attendees.map((a) => a.id),
  };
  if (!maySee(actor, scope)) throw notFound();
  const identify = mayIdentifyPerson(actor, scope);
  if (identify && m.personId) {
    await writeAudit(db, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'view',
      resourceType: 'meeting',
      resourceId: m.id,
      detail: { personId: m.personId },
    });
  }
  return {
    id: m.id,
    kind: m.kind,
    bodyId: m.bodyId,
    bodyName: m.bodyName,
    title: m.title,
    startsAt: m.startsAt,
    endsAt: m.endsAt,
    place: m.place,
    personCode: identify ? m.personCode : null,
    cancelled: m.cancelledAt !== null,
    attendees,
    hasMinutes: m.minutesId !== null,
    scope,
  };
}

export interface MeetingListItem {
  id: string;
  kind: string;
  title: string;
  startsAt: Date;
  place: string | null;
  attending: boolean;
}

/**
 * Upcoming meetings from today (JST) on: those the actor attends or organised, and for council
 * staff every council meeting of the tenant. Titles carry no names, so nothing here is audited.
 */
export async function listUpcoming(db: DbOrTx, actor: Actor, now: Date, limit = 15): Promise<MeetingListItem[]> {
  const attending = exists(
    db
      .select({ one: sql`1` })
      .from(meetingAttendees)
      .where(and(eq(meetingAttendees.meetingId, meetings.id), eq(meetingAttendees.staffId, actor.staffId))),
  );
  const mine = or(attending, eq(meetings.createdBy, actor.staffId));
  const visible = isCouncilStaff(actor) ? or(mine, ne(meetings.kind, PERSON_MEETING_KIND)) : mine;
  const rows = await db
    .select({
      id: meetings.id,
      kind: meetings.kind,
      title: meetings.title,
      startsAt: meetings.startsAt,
      place: meetings.place,
      attending: sql<boolean>`${attending}`,
    })
    .from(meetings)
    .where(
      and(
        eq(meetings.tenantId, actor.tenantId),
        isNull(meetings.cancelledAt),
        gte(meetings.startsAt, jstInstant(jstToday(now), 0, 0)),
        visible,
      ),
    )
    .orderBy(asc(meetings.startsAt))
    .limit(limit);
  return rows;
}

/**
 * The meetings the actor attends from `now` to `until` (not cancelled), soonest first: 予定's
 * list. Titles carry no names, so nothing here is audited (the listing that shows them is).
 */
export async function myMeetingsBetween(
  db: DbOrTx,
  actor: Actor,
  now: Date,
  until: Date,
): Promise<{ id: string; title: string; startsAt: Date; place: string | null }[]> {
  return db
    .select({ id: meetings.id, title: meetings.title, startsAt: meetings.startsAt, place: meetings.place })
    .from(meetingAttendees)
    .innerJoin(meetings, eq(meetings.id, meetingAttendees.meetingId))
    .where(
      and(
        eq(meetingAttendees.staffId, actor.staffId),
        eq(meetings.tenantId, actor.tenantId),
        isNull(meetings.cancelledAt),
        gte(meetings.startsAt, now),
        lte(meetings.startsAt, until),
      ),
    )
    .orderBy(meetings.startsAt);
}

/** Cancels a meeting and its reminders; returns who was to attend, so that they hear of it. */
export async function cancelMeeting(db: Db, actor: Actor, meetingId: string, now: Date): Promise<MeetingDetail> {
  return db.transaction(async (tx) => {
    const m = await loadMeetingFor(tx, actor, meetingId);
    if (!mayManage(actor, m.scope)) {
      throw new UserError('forbidden', 'この会議を中止できるのは登録した職員か協議会事務局です。', 'may not cancel meeting');
    }
    if (m.cancelled) throw new UserError('already_cancelled', 'この会議はすでに中止されています。', 'meeting already cancelled');
    await tx
      .update(meetings)
      .set({ cancelledAt: now })
      .where(and(eq(meetings.id, m.id), isNull(meetings.cancelledAt)));
    await cancelMeetingReminders(tx, actor.tenantId, m.id);
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'cancel',
      resourceType: 'meeting',
      resourceId: m.id,
      detail: { kind: m.kind, attendees: m.attendees.length },
    });
    return { ...m, cancelled: true };
  });
}
