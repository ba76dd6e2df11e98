import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { auditLog, deliveries, meetingAttendees, meetings, reminders, tenants } from '../../db/schema/index';
import { dispatch, type DispatchResult } from '../../src/chat/dispatch';
import { parseCommandLine } from '../../src/chat/parse';
import type { Actor, CardBlock, FormBlock, Input, ListBlock } from '../../src/chat/types';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
const registry = createRegistry();
const now = new Date('2026-11-22T01:00:00Z'); // Sunday 22 November 2026, 10:00 JST

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
});
afterAll(async () => {
  await tdb.drop();
});

const run = (actor: Actor, input: Input): Promise<DispatchResult> => dispatch({ db: tdb.db, registry, now: () => now }, actor, input);
const submit = (actor: Actor, values: Record<string, string | string[]>) => run(actor, { kind: 'form', formId: 'kaigi:new', values });
const blocks = (r: DispatchResult) => r.replies.flatMap((x) => x.blocks);
const cardOf = (r: DispatchResult) => blocks(r).find((b): b is CardBlock => b.type === 'card');

const council = () => ({
  kind: 'unei',
  body: '',
  title: '第8回 運営会議',
  date: '2026-11-30',
  start: '14:00',
  end: '16:00',
  place: '市役所 会議室J6-1',
  attendees: [world.actors.city.staffId, world.actors.kikan.staffId, world.actors.a.staffId],
  person: '',
});

async function meetingByTitle(title: string) {
  const [m] = await tdb.db
    .select()
    .from(meetings)
    .where(and(eq(meetings.tenantId, world.tenantId), eq(meetings.title, title)));
  return m;
}

async function remindersOf(meetingId: string) {
  return tdb.db
    .select()
    .from(reminders)
    .where(like(reminders.key, `meeting:${meetingId}:%`));
}

describe('scheduling a council meeting', () => {
  it('the secretariat schedules a 運営会議; attendees get reminders the business day before and on the morning', async () => {
    const res = await submit(world.actors.city, council());
    expect(res.fieldErrors).toBeUndefined();
    expect(JSON.stringify(res.replies)).toContain('会議を登録しました');
    const m = await meetingByTitle('第8回 運営会議');
    expect(m?.startsAt.toISOString()).toBe('2026-11-30T05:00:00.000Z');
    expect(m?.endsAt?.toISOString()).toBe('2026-11-30T07:00:00.000Z');
    const rows = await remindersOf(m?.id ?? '');
    // 2026-11-30 is a Monday: the "day before" reminder is due on Friday 27th.
    expect(rows.map((r) => `${r.key.split(':')[2]} ${r.dueOn}`).sort()).toEqual([
      'day_before 2026-11-27',
      'day_before 2026-11-27',
      'day_before 2026-11-27',
      'morning 2026-11-30',
      'morning 2026-11-30',
      'morning 2026-11-30',
    ]);
    expect(new Set(rows.map((r) => r.recipientId))).toEqual(new Set(council().attendees));
    expect(rows.every((r) => r.kind === 'meeting' && r.status === 'open' && r.subjectId === m?.id)).toBe(true);
    // The other attendees hear of it by direct message; the organiser sees it in the answer.
    const notices = await tdb.db.select().from(deliveries).where(eq(deliveries.tenantId, world.tenantId));
    expect(
      notices
        .filter((d) => JSON.stringify(d.payload).includes('第8回 運営会議'))
        .map((d) => d.recipientId)
        .sort(),
    ).toEqual([world.actors.a.staffId, world.actors.kikan.staffId].sort());
  });

  it('a counselor may not schedule a council meeting, and nothing is stored', async () => {
    const res = await submit(world.actors.a, { ...council(), title: '勝手な運営会議' });
    expect(JSON.stringify(res.replies)).toContain('協議会事務局・行政・基幹相談支援センターの職員');
    expect(await meetingByTitle('勝手な運営会議')).toBeUndefined();
  });

  it('the 基幹 schedules a 専門部会, which gets its own council body', async () => {
    const res = await submit(world.actors.kikan, {
      ...council(),
      kind: 'bukai',
      body: '就労支援部会',
      title: '',
      attendees: [world.actors.kikan.staffId],
    });
    expect(res.fieldErrors).toBeUndefined();
    expect(cardOf(res)?.title).toBe('就労支援部会');
    expect(JSON.stringify(cardOf(res)?.fields)).toContain('専門部会（就労支援部会）');
  });

  it('bad input is reported field by field in Japanese', async () => {
    const res = await submit(world.actors.city, {
      ...council(),
      date: '2026年2月30日',
      start: '25時',
      attendees: [world.actors.other.staffId],
    });
    expect(Object.keys(res.fieldErrors ?? {}).sort()).toEqual(['date', 'start']);
    const res2 = await submit(world.actors.city, { ...council(), title: '他市の職員', attendees: [world.actors.other.staffId] });
    expect(res2.fieldErrors?.attendees).toContain('登録されていない職員');
    expect(await meetingByTitle('他市の職員')).toBeUndefined();
  });

  it('times are Japan wall times: 0:30 and 23:30 land on the right JST day', async () => {
    await submit(world.actors.city, {
      ...council(),
      title: '深夜の事務局会議',
      kind: 'jimukyoku',
      date: '2026-12-01',
      start: '0:30',
      end: '1:00',
    });
    await submit(world.actors.city, {
      ...council(),
      title: '夜の事務局会議',
      kind: 'jimukyoku',
      date: '2026-11-30',
      start: '23:30',
      end: '',
    });
    const early = await meetingByTitle('深夜の事務局会議');
    const late = await meetingByTitle('夜の事務局会議');
    expect(early?.startsAt.toISOString()).toBe('2026-11-30T15:30:00.000Z');
    expect(late?.startsAt.toISOString()).toBe('2026-11-30T14:30:00.000Z');
    const due = async (id: string) => Object.fromEntries((await remindersOf(id)).map((r) => [r.key.split(':')[2], r.dueOn]));
    expect(await due(early?.id ?? '')).toEqual({ day_before: '2026-11-30', morning: '2026-12-01' });
    expect(await due(late?.id ?? '')).toEqual({ day_before: '2026-11-27', morning: '2026-11-30' });
    const shown = await run(world.actors.city, { kind: 'action', id: 'kaigi:show', value: early?.id ?? '' });
    expect(JSON.stringify(cardOf(shown)?.fields)).toContain('2026年12月1日');
    expect(JSON.stringify(cardOf(shown)?.fields)).toContain('00:30');
  });

  it('a tenant setting changes the reminders: two business days before, no morning reminder', async () => {
    await tdb.db
      .update(tenants)
      .set({ settings: { meetingReminderDaysBefore: 2, meetingReminderMorning: false } })
      .where(eq(tenants.id, world.tenantId));
    try {
      await submit(world.actors.city, { ...council(), title: '設定どおりの定例会', kind: 'teireikai' });
      const rows = await remindersOf((await meetingByTitle('設定どおりの定例会'))?.id ?? '');
      expect([...new Set(rows.map((r) => `${r.key.split(':')[2]} ${r.dueOn}`))]).toEqual(['day_before 2026-11-26']);
    } finally {
      await tdb.db.update(tenants).set({ settings: {} }).where(eq(tenants.id, world.tenantId));
    }
  });
});

describe('listing and cancelling', () => {
  it('an attendee sees the meetings they attend; the secretariat sees all council meetings', async () => {
    const mine = await run(world.actors.a, { kind: 'command', name: 'kaigi', text: '' });
    const titles = (r: DispatchResult) =>
      blocks(r)
        .filter((b): b is ListBlock => b.type === 'list')
        .flatMap((l) => l.items.map((i) => i.title));
    expect(titles(mine).some((t) => t.includes('第8回 運営会議'))).toBe(true);
    expect(titles(mine).some((t) => t.includes('就労支援部会'))).toBe(false);
    const typed = parseCommandLine(registry, '会議');
    expect(typed).toEqual({ kind: 'command', name: 'kaigi', text: '' });
    const all = await run(world.actors.city, typed ?? { kind: 'command', name: 'kaigi', text: '' });
    expect(titles(all).some((t) => t.includes('就労支援部会'))).toBe(true);
    const b = await run(world.actors.b, { kind: 'command', name: 'kaigi', text: '' });
    expect(JSON.stringify(b.replies)).toContain('予定されている会議はありません');
  });

  it("another municipality's staff see nothing of these meetings", async () => {
    const m = await meetingByTitle('第8回 運営会議');
    const show = await run(world.actors.other, { kind: 'action', id: 'kaigi:show', value: m?.id ?? '' });
    expect(JSON.stringify(show.replies)).toContain('見つかりません');
    const list = await run(world.actors.other, { kind: 'command', name: 'kaigi', text: '' });
    expect(JSON.stringify(list.replies)).toContain('予定されている会議はありません');
  });

  it('cancelling asks first, then cancels the reminders and tells the attendees', async () => {
    const m = await meetingByTitle('第8回 運営会議');
    const ask = await run(world.actors.city, { kind: 'action', id: 'kaigi:cancel', value: m?.id ?? '' });
    expect(cardOf(ask)?.title).toContain('中止しますか');
    expect((await remindersOf(m?.id ?? '')).every((r) => r.status === 'open')).toBe(true);
    const refused = await run(world.actors.a, { kind: 'action', id: 'kaigi:cancelyes', value: m?.id ?? '' });
    expect(JSON.stringify(refused.replies)).toContain('中止できるのは');
    const done = await run(world.actors.city, { kind: 'action', id: 'kaigi:cancelyes', value: m?.id ?? '' });
    expect(JSON.stringify(done.replies)).toContain('中止しました');
    expect((await remindersOf(m?.id ?? '')).map((r) => r.status)).toEqual(Array(6).fill('cancelled'));
    expect((await meetingByTitle('第8回 運営会議'))?.cancelledAt).not.toBeNull();
    const notices = await tdb.db.select().from(deliveries).where(eq(deliveries.tenantId, world.tenantId));
    expect(notices.filter((d) => JSON.stringify(d.payload).includes('会議中止のお知らせ')).length).toBe(2);
    const audit = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceId, m?.id ?? ''), eq(auditLog.action, 'cancel')));
    expect(audit).toHaveLength(1);
  });
});

describe('サービス担当者会議', () => {
  const tantosha = (person: string, extra: Record<string, string | string[]> = {}) => ({
    kind: 'tantosha',
    body: '',
    title: '',
    date: '2026-12-02',
    start: '10:00',
    end: '11:00',
    place: '事業所A 相談室',
    attendees: [world.actors.a.staffId, world.actors.a2.staffId],
    person,
    ...extra,
  });

  it('a counselor schedules one for a case of their office; the title carries no name and the creation is audited', async () => {
    const res = await submit(world.actors.a, tantosha(world.persons.yamadaTaro.code));
    expect(res.fieldErrors).toBeUndefined();
    const [m] = await tdb.db.select().from(meetings).where(eq(meetings.personId, world.persons.yamadaTaro.id));
    expect(m?.title).toBe('サービス担当者会議');
    const audit = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceId, m?.id ?? ''), eq(auditLog.action, 'create')));
    expect(audit[0]?.detail).toMatchObject({ kind: 'tantosha', personId: world.persons.yamadaTaro.id });
    const notice = await tdb.db.select().from(deliveries).where(eq(deliveries.recipientId, world.actors.a2.staffId));
    expect(JSON.stringify(notice)).not.toMatch(/山田|太郎|やまだ/);
    expect(JSON.stringify(res.replies)).not.toMatch(/山田|太郎/);
  });

  it("a title or place with the person's name is refused", async () => {
    const res = await submit(world.actors.a, tantosha(world.persons.yamadaTaro.code, { title: '山田太郎さん 担当者会議' }));
    expect(res.fieldErrors?.title).toContain('氏名を含めないでください');
    const res2 = await submit(world.actors.a, tantosha(world.persons.yamadaTaro.code, { place: 'やまだ さん宅' }));
    expect(res2.fieldErrors?.place).toContain('氏名を含めないでください');
  });

  it('a person of another office cannot be named, and the 基幹 may not hold it for a consented person', async () => {
    const res = await submit(world.actors.a, tantosha(world.persons.yamamotoIchiro.code));
    expect(res.fieldErrors?.person).toContain('見つかりません');
    const res2 = await submit(world.actors.kikan, tantosha(world.persons.yamamotoIchiro.code, { attendees: [world.actors.kikan.staffId] }));
    expect(JSON.stringify(res2.replies)).toContain('自分の事業所のケース');
    const res3 = await submit(world.actors.city, tantosha(world.persons.yamadaTaro.code));
    expect(JSON.stringify(res3.replies)).toMatch(/見つかりません|ケースを担当する職員/);
    const count = await tdb.db.select().from(meetings).where(eq(meetings.kind, 'tantosha'));
    expect(count).toHaveLength(1);
  });

  it('the case code is shown only to those who may see the case, and that view is audited', async () => {
    const [m] = await tdb.db.select().from(meetings).where(eq(meetings.personId, world.persons.yamadaTaro.id));
    const own = await run(world.actors.a2, { kind: 'action', id: 'kaigi:show', value: m?.id ?? '' });
    expect(JSON.stringify(cardOf(own)?.fields)).toContain(world.persons.yamadaTaro.code);
    const views = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceId, m?.id ?? ''), eq(auditLog.action, 'view')));
    expect(views.at(-1)?.actorStaffId).toBe(world.actors.a2.staffId);
    await tdb.db.insert(meetingAttendees).values({ meetingId: m?.id ?? '', staffId: world.actors.b.staffId, tenantId: world.tenantId });
    const other = await run(world.actors.b, { kind: 'action', id: 'kaigi:show', value: m?.id ?? '' });
    expect(cardOf(other)?.title).toBe('サービス担当者会議');
    expect(JSON.stringify(other.replies)).not.toContain(world.persons.yamadaTaro.code);
    const stranger = await run(world.actors.city, { kind: 'action', id: 'kaigi:show', value: m?.id ?? '' });
    expect(JSON.stringify(stranger.replies)).toContain('見つかりません');
  });

  it('the schedule form offers the kinds the asker may schedule', async () => {
    const kinds = async (actor: Actor) => {
      const r = await run(actor, { kind: 'command', name: 'kaigi', text: '新規' });
      const form = blocks(r).find((b): b is FormBlock => b.type === 'form');
      return form?.fields.find((f) => f.name === 'kind')?.options?.map((o) => o.value);
    };
    expect(await kinds(world.actors.a)).toEqual(['tantosha']);
    expect(await kinds(world.actors.city)).not.toContain('tantosha');
    expect(await kinds(world.actors.kikan)).toContain('tantosha');
  });
});
