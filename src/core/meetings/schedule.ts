import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client';
import { councilBodies, meetingAttendees, meetings, persons, staff } from '../../../db/schema/index';
import type { Actor } from '../actor';
import type { PersonScope } from '../access';
import { writeAudit } from '../audit/write';
import { jstInstant, type IsoDate } from '../calendar/jst';
import { UserError } from '../errors';
import { assertMaySchedule } from './access';
import { kindLabel, PERSON_MEETING_KIND, type MeetingKind } from './kinds';
import { loadTenantSettings, meetingReminderSettings, writeMeetingReminders } from './reminders';
import type { TimeOfDay } from './time';

export interface NewMeeting {
  kind: MeetingKind;
  /** The council body (e.g. 就労支援部会); defaults to the kind's label. Not used for サービス担当者会議. */
  bodyName?: string | null;
  /** Empty: the body's name (or サービス担当者会議). */
  title: string;
  date: IsoDate;
  start: TimeOfDay;
  end: TimeOfDay | null;
  place: string | null;
  attendeeIds: readonly string[];
  /** Required for サービス担当者会議, refused otherwise. */
  personId?: string | null;
  sourceKey?: string | null;
}

export interface CreatedMeeting {
  id: string;
  title: string;
  startsAt: Date;
  attendeeIds: string[];
  reminders: number;
  /** False when a plan row with the same source key was imported before (nothing changed). */
  created: boolean;
}

export const MAX_TITLE = 100;
export const MAX_PLACE = 100;

function normalizeForNameCheck(s: string): string {
  return s.normalize('NFKC').replace(/[\s　]/g, '');
}

/** The name of the person must not appear where other attendees and reminders show it. */
function assertNoPersonName(text: string, names: readonly string[], field: string, label: string): void {
  const t = normalizeForNameCheck(text);
  if (names.some((n) => n !== '' && t.includes(normalizeForNameCheck(n)))) {
    const msg = `${label}に利用者の氏名を含めないでください（他の出席者やリマインドに表示されます）。`;
    throw new UserError('person_name_in_text', msg, `person name in ${field}`, { [field]: msg });
  }
}

/** Finds the council body of a kind by name, or creates it (each 専門部会 is its own body). */
export async function ensureBody(tx: DbOrTx, tenantId: string, kind: MeetingKind, name: string): Promise<string> {
  // Insert-or-nothing first, so that two instances creating the same 部会 at once get one row.
  await tx
    .insert(councilBodies)
    .values({ tenantId, kind, name })
    .onConflictDoNothing({ target: [councilBodies.tenantId, councilBodies.kind, councilBodies.name] });
  const [found] = await tx
    .select({ id: councilBodies.id })
    .from(councilBodies)
    .where(and(eq(councilBodies.tenantId, tenantId), eq(councilBodies.kind, kind), eq(councilBodies.name, name)));
  if (!found) throw new Error('council body upsert found no row');
  return found.id;
}

async function checkAttendees(tx: DbOrTx, tenantId: string, ids: readonly string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const rows = await tx
    .select({ id: staff.id })
    .from(staff)
    .where(and(eq(staff.tenantId, tenantId), eq(staff.active, true), inArray(staff.id, unique)));
  if (rows.length !== unique.length) {
    const msg = '出席者に登録されていない職員が含まれています。一覧から選び直してください。';
    throw new UserError('unknown_attendee', msg, 'attendee not an active staff member of the tenant', { attendees: msg });
  }
  return unique;
}

/**
 * Schedules one meeting with its attendees and their reminders, in one transaction with its
 * audit row.
 */
export async function createMeeting(db: Db, actor: Actor, input: NewMeeting, now: Date): Promise<CreatedMeeting> {
  return db.transaction((tx) => createMeetingIn(tx, actor, input, now));
}

/**
 * The same inside the caller's transaction (the plan import writes a whole file in one). With
 * a `sourceKey` already imported, nothing is written and `created` is false.
 */
export async function createMeetingIn(tx: DbOrTx, actor: Actor, input: NewMeeting, now: Date): Promise<CreatedMeeting> {
  let personNames: string[] = [];
  let personScope: PersonScope | null = null;
  if (input.kind === PERSON_MEETING_KIND) {
    if (!input.personId) {
      const msg = 'サービス担当者会議の対象となるケースを指定してください。';
      throw new UserError('person_required', msg, 'tantosha without person', { person: msg });
    }
    const [p] = await tx
      .select({
        tenantId: persons.tenantId,
        officeId: persons.officeId,
        consentKikan: persons.consentKikan,
        f: persons.familyName,
        g: persons.givenName,
        fk: persons.familyKana,
        gk: persons.givenKana,
      })
      .from(persons)
      .where(and(eq(persons.id, input.personId), eq(persons.tenantId, actor.tenantId), isNull(persons.deletedAt)));
    personScope = p ? { tenantId: p.tenantId, officeId: p.officeId, consentKikan: p.consentKikan } : null;
    personNames = p ? [`${p.f}${p.g}`, `${p.fk}${p.gk}`, p.f, p.g, p.fk, p.gk] : [];
  } else if (input.personId) {
    const msg = 'ケースを指定できるのはサービス担当者会議だけです。';
    throw new UserError('person_not_allowed', msg, 'person on a council meeting', { person: msg });
  }
  assertMaySchedule(actor, input.kind, personScope);

  const bodyName = (input.bodyName ?? '').trim() || kindLabel(input.kind);
  const title = input.title.trim() || (input.kind === PERSON_MEETING_KIND ? kindLabel(input.kind) : bodyName);
  const place = input.place?.trim() || null;
  if ([...title].length > MAX_TITLE)
    throw new UserError('title_too_long', `会議名は${MAX_TITLE}文字以内にしてください。`, 'title too long', {
      title: `会議名は${MAX_TITLE}文字以内にしてください。`,
    });
  if (place && [...place].length > MAX_PLACE)
    throw new UserError('place_too_long', `場所は${MAX_PLACE}文字以内にしてください。`, 'place too long', {
      place: `場所は${MAX_PLACE}文字以内にしてください。`,
    });
  if (input.kind === PERSON_MEETING_KIND) {
    assertNoPersonName(title, personNames, 'title', '会議名');
    if (place) assertNoPersonName(place, personNames, 'place', '場所');
  }
  const attendeeIds = await checkAttendees(tx, actor.tenantId, input.attendeeIds);
  const startsAt = jstInstant(input.date, input.start.hour, input.start.minute);
  const endsAt = input.end ? jstInstant(input.date, input.end.hour, input.end.minute) : null;
  const bodyId = input.kind === PERSON_MEETING_KIND ? null : await ensureBody(tx, actor.tenantId, input.kind, bodyName);

  const [row] = await tx
    .insert(meetings)
    .values({
      tenantId: actor.tenantId,
      bodyId,
      kind: input.kind,
      title,
      startsAt,
      endsAt,
      place,
      personId: input.personId ?? null,
      createdBy: actor.staffId,
      sourceKey: input.sourceKey ?? null,
      createdAt: now,
    })
    .onConflictDoNothing({ target: [meetings.tenantId, meetings.sourceKey] })
    .returning({ id: meetings.id });
  if (!row) return { id: '', title, startsAt, attendeeIds, reminders: 0, created: false };
  if (attendeeIds.length > 0) {
    await tx.insert(meetingAttendees).values(attendeeIds.map((staffId) => ({ meetingId: row.id, staffId, tenantId: actor.tenantId })));
  }
  const settings = meetingReminderSettings(await loadTenantSettings(tx, actor.tenantId));
  const reminders = await writeMeetingReminders(
    tx,
    { tenantId: actor.tenantId, meetingId: row.id, date: input.date, attendeeIds },
    now,
    settings,
  );
  await writeAudit(tx, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'create',
    resourceType: 'meeting',
    resourceId: row.id,
    detail: {
      kind: input.kind,
      personId: input.personId ?? null,
      attendees: attendeeIds.length,
      imported: input.sourceKey ? true : undefined,
    },
  });
  return { id: row.id, title, startsAt, attendeeIds, reminders, created: true };
}
