import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { and, asc, eq, exists, gte, inArray, lt, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { councilBodies, meetingAttendees, meetings, staff } from '../../../db/schema/index';
import { kindLabel, PERSON_MEETING_KIND } from './kinds';

dayjs.extend(utc);
dayjs.extend(timezone);

/**
 * Meetings as iCalendar (RFC 5545) for phones' and PCs' calendars: times in Japan time
 * (TZID=Asia/Tokyo with its VTIMEZONE), the attendees by name in the description (staff have no
 * e-mail address here, and ATTENDEE lines would make calendar apps send invitations). A
 * サービス担当者会議 concerns one person: its entry says only what kind of meeting it is, with
 * no title or place (either may name the person or their home).
 */
export interface IcsMeeting {
  id: string;
  kind: string;
  title: string;
  bodyName: string | null;
  startsAt: Date;
  endsAt: Date | null;
  place: string | null;
  cancelled: boolean;
  attendees: string[];
}

const TOKYO = 'Asia/Tokyo';
/** Japan has had no daylight saving time since 1951: one STANDARD rule describes the zone. */
const VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  `TZID:${TOKYO}`,
  'BEGIN:STANDARD',
  'DTSTART:19700101T000000',
  'TZOFFSETFROM:+0900',
  'TZOFFSETTO:+0900',
  'TZNAME:JST',
  'END:STANDARD',
  'END:VTIMEZONE',
].join('\r\n');
/** A meeting with no end time is shown an hour long (and says so). */
const DEFAULT_MINUTES = 60;
/** The product's own UID domain: the same meeting keeps the same UID in every file and feed. */
const UID_DOMAIN = 'soudan-bot';

function icsSummary(m: Pick<IcsMeeting, 'kind' | 'title'>): string {
  return m.kind === PERSON_MEETING_KIND ? kindLabel(PERSON_MEETING_KIND) : m.title;
}

export function meetingsIcs(list: IcsMeeting[], opts: { name: string; now: Date; publish?: boolean }): string {
  const cal = ical({
    name: opts.name,
    prodId: { company: 'soudan-bot', product: 'meetings', language: 'JA' },
    timezone: { name: TOKYO, generator: () => VTIMEZONE },
    method: opts.publish ? ICalCalendarMethod.PUBLISH : undefined,
    // Subscriptions: ask to be fetched again every few hours.
    ttl: 3 * 60 * 60,
  });
  for (const m of list) {
    const person = m.kind === PERSON_MEETING_KIND;
    const lines = [`種別: ${kindLabel(m.kind)}${!person && m.bodyName && m.bodyName !== kindLabel(m.kind) ? `（${m.bodyName}）` : ''}`];
    if (m.attendees.length > 0) lines.push(`出席者: ${m.attendees.join('、')}`);
    if (!m.endsAt) lines.push('終了時刻は未定です。');
    if (person) lines.push('利用者に関する内容はチャットの「会議」で確認してください（カレンダーには載せていません）。');
    if (m.cancelled) lines.push('この会議は中止になりました。');
    const end = m.endsAt ?? new Date(m.startsAt.getTime() + DEFAULT_MINUTES * 60_000);
    cal.createEvent({
      id: `${m.id}@${UID_DOMAIN}`,
      start: dayjs(m.startsAt).tz(TOKYO),
      end: dayjs(end).tz(TOKYO),
      timezone: TOKYO,
      stamp: dayjs(opts.now).tz(TOKYO),
      summary: `${m.cancelled ? '【中止】' : ''}${icsSummary(m)}`,
      location: person ? null : m.place,
      description: lines.join('\n'),
      status: m.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      sequence: m.cancelled ? 1 : 0,
    });
  }
  // DTSTAMP must be in UTC (RFC 5545 3.8.7.2); the generator writes it in the calendar's zone.
  const stamp = dayjs(opts.now).utc().format('YYYYMMDD[T]HHmmss[Z]');
  return cal.toString().replace(/^DTSTAMP:.*$/gm, `DTSTAMP:${stamp}`);
}

/** How far a staff member's subscription reaches: the recent past and the year ahead. */
export const FEED_DAYS_BACK = 90;
export const FEED_DAYS_AHEAD = 400;

/**
 * The meetings a staff member attends or organised, cancelled ones included (so that a
 * subscribed calendar removes them), from FEED_DAYS_BACK days ago to FEED_DAYS_AHEAD ahead.
 */
export async function staffMeetings(db: DbOrTx, tenantId: string, staffId: string, now: Date): Promise<IcsMeeting[]> {
  const attending = exists(
    db
      .select({ one: sql`1` })
      .from(meetingAttendees)
      .where(and(eq(meetingAttendees.meetingId, meetings.id), eq(meetingAttendees.staffId, staffId))),
  );
  const rows = await db
    .select({
      id: meetings.id,
      kind: meetings.kind,
      title: meetings.title,
      bodyName: councilBodies.name,
      startsAt: meetings.startsAt,
      endsAt: meetings.endsAt,
      place: meetings.place,
      cancelledAt: meetings.cancelledAt,
    })
    .from(meetings)
    .leftJoin(councilBodies, eq(councilBodies.id, meetings.bodyId))
    .where(
      and(
        eq(meetings.tenantId, tenantId),
        or(attending, eq(meetings.createdBy, staffId)),
        gte(meetings.startsAt, new Date(now.getTime() - FEED_DAYS_BACK * 86_400_000)),
        lt(meetings.startsAt, new Date(now.getTime() + FEED_DAYS_AHEAD * 86_400_000)),
      ),
    )
    .orderBy(asc(meetings.startsAt))
    .limit(2000);
  const names = new Map<string, string[]>();
  if (rows.length > 0) {
    const att = await db
      .select({ meetingId: meetingAttendees.meetingId, name: staff.name })
      .from(meetingAttendees)
      .innerJoin(staff, eq(staff.id, meetingAttendees.staffId))
      .where(
        inArray(
          meetingAttendees.meetingId,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(asc(staff.kana), asc(staff.name));
    for (const a of att) names.set(a.meetingId, [...(names.get(a.meetingId) ?? []), a.name]);
  }
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    title: r.title,
    bodyName: r.bodyName,
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    place: r.place,
    cancelled: r.cancelledAt !== null,
    attendees: names.get(r.id) ?? [],
  }));
}
