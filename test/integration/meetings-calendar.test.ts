import ICAL from 'ical.js';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, calendarFeeds, meetingAttendees, meetings, staff } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { dispatch } from '../../src/chat/dispatch';
import type { Actor, Input, LinksBlock, Reply } from '../../src/chat/types';
import { loadConfig } from '../../src/config';
import { ensureFeed } from '../../src/core/meetings/feeds';
import { createMeeting } from '../../src/core/meetings/schedule';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
let app: App;
const now = new Date('2026-11-22T01:00:00Z'); // Sunday 22 November 2026, 10:00 JST
/** The app's clock: moved forward only to see a link expire. */
let clock = now;
let unei = '';
let tantosha = '';
let cancelled = '';

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  app = await startApp(loadConfig({ DATABASE_URL: tdb.url, PORT: '0', DEMO_DATA: 'off', LOCAL_CHAT: 'off', SCHEDULER: 'false' }), {
    now: () => clock,
  });
  const a = world.actors;
  unei = (
    await createMeeting(
      tdb.db,
      a.city,
      {
        kind: 'unei',
        title: '第8回 運営会議',
        date: '2026-12-03',
        start: { hour: 14, minute: 0 },
        end: { hour: 16, minute: 0 },
        place: '市役所 3階 会議室',
        attendeeIds: [a.a.staffId, a.kikan.staffId],
      },
      now,
    )
  ).id;
  cancelled = (
    await createMeeting(
      tdb.db,
      a.city,
      {
        kind: 'teireikai',
        title: '12月定例会',
        date: '2026-12-10',
        start: { hour: 10, minute: 0 },
        end: null,
        place: null,
        attendeeIds: [a.a.staffId],
      },
      now,
    )
  ).id;
  await run(a.city, { kind: 'action', id: 'kaigi:cancelyes', value: cancelled });
  // A サービス担当者会議 whose title and place (typed before names were refused there) name the person.
  const [row] = await tdb.db
    .insert(meetings)
    .values({
      tenantId: world.tenantId,
      kind: 'tantosha',
      title: '山田太郎さん 担当者会議',
      startsAt: new Date('2026-12-01T01:30:00Z'),
      endsAt: new Date('2026-12-01T02:30:00Z'),
      place: '山田様宅（みどり町1-2-3）',
      personId: world.persons.yamadaTaro.id,
      createdBy: a.a.staffId,
      createdAt: now,
    })
    .returning({ id: meetings.id });
  tantosha = row?.id ?? '';
  await tdb.db.insert(meetingAttendees).values({ meetingId: tantosha, staffId: a.a.staffId, tenantId: world.tenantId });
});
afterAll(async () => {
  await app?.stop();
  await tdb.drop();
});

async function run(actor: Actor, input: Input): Promise<Reply[]> {
  return (await dispatch({ db: tdb.db, registry: app.registry, now: () => now }, actor, input)).replies;
}
const linksOf = (replies: Reply[]) =>
  replies
    .flatMap((r) => r.blocks)
    .filter((b): b is LinksBlock => b.type === 'links')
    .flatMap((b) => b.links);

/** The events of an iCalendar text, read with ical.js (Mozilla's parser). */
function events(ics: string) {
  const cal = new ICAL.Component(ICAL.parse(ics));
  const tz = cal.getFirstSubcomponent('vtimezone');
  if (tz) ICAL.TimezoneService.register(new ICAL.Timezone(tz));
  return cal.getAllSubcomponents('vevent').map((v) => {
    const e = new ICAL.Event(v);
    return {
      uid: e.uid,
      summary: e.summary,
      location: e.location,
      description: e.description,
      start: e.startDate,
      end: e.endDate,
      status: String(v.getFirstPropertyValue('status') ?? ''),
    };
  });
}

describe('a meeting as an .ics file', () => {
  it('the meeting card carries a signed link; the file is in Japan time with the attendees', async () => {
    const card = await run(world.actors.a, { kind: 'action', id: 'kaigi:show', value: unei });
    const url = linksOf(card).find((l) => l.label.startsWith('カレンダーに追加'))?.url ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/calendar\/meeting\.ics\?t=/);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const ics = await res.text();
    expect(ics).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(ics).toContain('DTSTART;TZID=Asia/Tokyo:20261203T140000');
    expect(ics).toMatch(/^DTSTAMP:20261122T010000Z\r$/m);
    const [e] = events(ics);
    expect(e).toMatchObject({ uid: `${unei}@soudan-bot`, summary: '第8回 運営会議', location: '市役所 3階 会議室', status: 'CONFIRMED' });
    expect(e?.start.zone?.tzid).toBe('Asia/Tokyo');
    expect(e?.start.toJSDate().toISOString()).toBe('2026-12-03T05:00:00.000Z');
    expect(e?.end.toJSDate().toISOString()).toBe('2026-12-03T07:00:00.000Z');
    expect(e?.description).toContain(world.actors.a.name);
    expect(e?.description).toContain(world.actors.kikan.name);
  });

  it('a サービス担当者会議 carries no personal data of the person: no title, no place, no code', async () => {
    const card = await run(world.actors.a, { kind: 'action', id: 'kaigi:show', value: tantosha });
    const url = linksOf(card).find((l) => l.label.startsWith('カレンダーに追加'))?.url ?? '';
    const ics = await (await fetch(url)).text();
    const [e] = events(ics);
    expect(e?.summary).toBe('サービス担当者会議');
    expect(e?.location).toBeNull();
    expect(ics).not.toMatch(/山田|太郎|やまだ|みどり町/);
    expect(ics).not.toContain(world.persons.yamadaTaro.code);
    expect(e?.start.toJSDate().toISOString()).toBe('2026-12-01T01:30:00.000Z');
  });

  it('a forged, expired or no-longer-visible link gets nothing', async () => {
    const card = await run(world.actors.a, { kind: 'action', id: 'kaigi:show', value: unei });
    const url = linksOf(card).find((l) => l.label.startsWith('カレンダーに追加'))?.url ?? '';
    expect((await fetch(url.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).status).toBe(404);
    clock = new Date(now.getTime() + 8 * 86_400_000);
    try {
      expect((await fetch(url)).status).toBe(404);
    } finally {
      clock = now;
    }
    // No longer an attendee: the meeting is not visible to A any more, and neither is the file.
    await tdb.db
      .delete(meetingAttendees)
      .where(and(eq(meetingAttendees.meetingId, unei), eq(meetingAttendees.staffId, world.actors.a.staffId)));
    try {
      expect((await fetch(url)).status).toBe(404);
    } finally {
      await tdb.db.insert(meetingAttendees).values({ meetingId: unei, staffId: world.actors.a.staffId, tenantId: world.tenantId });
    }
  });
});

describe('a staff member’s calendar subscription', () => {
  it('会議 カレンダー gives webcal and https URLs; the feed holds the meetings attended, cancelled ones marked', async () => {
    const first = await run(world.actors.a, { kind: 'command', name: 'kaigi', text: 'カレンダー' });
    const links = linksOf(first);
    const webcal = links.find((l) => l.label.includes('iPhone'))?.url ?? '';
    const https = links.find((l) => l.label.includes('Google'))?.url ?? '';
    expect(webcal).toMatch(/^webcal:\/\/127\.0\.0\.1:\d+\/calendar\/feed\.ics\?t=/);
    expect(https).toBe(webcal.replace('webcal://', 'http://'));
    expect(JSON.stringify(first)).toContain('購読用のURLを発行しました');
    const res = await fetch(https);
    expect(res.status).toBe(200);
    const ics = await res.text();
    const list = events(ics);
    expect(list.map((e) => e.summary).sort()).toEqual(['サービス担当者会議', '第8回 運営会議', '【中止】12月定例会'].sort());
    expect(list.find((e) => e.uid === `${cancelled}@soudan-bot`)?.status).toBe('CANCELLED');
    expect(ics).not.toMatch(/山田|みどり町/);
    expect(ics).toContain(`X-WR-CALNAME:会議（${world.actors.a.name}）`);
    // The same URL the next time; the fetch is noted (not audited per poll).
    const again = linksOf(await run(world.actors.a, { kind: 'command', name: 'kaigi', text: 'カレンダー' }));
    expect(again.find((l) => l.label.includes('Google'))?.url).toBe(https);
    const [feed] = await tdb.db
      .select()
      .from(calendarFeeds)
      .where(and(eq(calendarFeeds.staffId, world.actors.a.staffId)));
    expect(feed?.lastFetchedAt?.toISOString()).toBe(now.toISOString());
    // HEAD (link previewers) is answered without noting a fetch.
    await tdb.db
      .update(calendarFeeds)
      .set({ lastFetchedAt: null })
      .where(eq(calendarFeeds.id, feed?.id ?? ''));
    expect((await fetch(https, { method: 'HEAD' })).status).toBe(200);
    const [untouched] = await tdb.db
      .select()
      .from(calendarFeeds)
      .where(eq(calendarFeeds.id, feed?.id ?? ''));
    expect(untouched?.lastFetchedAt).toBeNull();
  });

  it('renewing revokes the old URL, stopping revokes it with no new one; each audited', async () => {
    const url = (replies: Reply[]) => linksOf(replies).find((l) => l.label.includes('Google'))?.url ?? '';
    const old = url(await run(world.actors.kikan, { kind: 'command', name: 'kaigi', text: 'カレンダー' }));
    const renewed = url(await run(world.actors.kikan, { kind: 'action', id: 'kaigi:calrenew', value: '' }));
    expect(renewed).not.toBe(old);
    expect((await fetch(old)).status).toBe(410);
    expect((await fetch(renewed)).status).toBe(200);
    expect(JSON.stringify(await run(world.actors.kikan, { kind: 'action', id: 'kaigi:calstop', value: '' }))).toContain('停止しました');
    const gone = await fetch(renewed);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain('停止されています');
    expect((await fetch(renewed.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).status).toBe(404);
    const rows = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceType, 'calendar_feed'), eq(auditLog.actorStaffId, world.actors.kikan.staffId)));
    expect(rows.map((r) => r.action)).toEqual(['issue', 'revoke', 'issue', 'revoke']);
  });

  it('a deactivated staff member’s feed stops; two instances issuing at once make one feed', async () => {
    const b = world.actors.b;
    const [x, y] = await Promise.all([ensureFeed(tdb.db, b, now), ensureFeed(tdb.db, b, now)]);
    expect(x.feed.id).toBe(y.feed.id);
    expect([x.created, y.created].sort()).toEqual([false, true]);
    const url =
      linksOf(await run(b, { kind: 'command', name: 'kaigi', text: 'カレンダー' })).find((l) => l.label.includes('Google'))?.url ?? '';
    expect((await fetch(url)).status).toBe(200);
    await tdb.db.update(staff).set({ active: false }).where(eq(staff.id, b.staffId));
    try {
      expect((await fetch(url)).status).toBe(410);
    } finally {
      await tdb.db.update(staff).set({ active: true }).where(eq(staff.id, b.staffId));
    }
  });
});
