import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, consultations, deliveries, reminders, servicePlans, staff } from '../../db/schema/index';
import { createRegistry } from '../../handlers/index';
import { dispatch } from '../../src/chat/dispatch';
import type { Actor, CardBlock, FormBlock, Reply } from '../../src/chat/types';
import { planTenant } from '../../src/scheduler/plan-tenant';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
const registry = createRegistry();
// Tuesday 1 December 2026, 08:31 JST.
const now = new Date('2026-11-30T23:31:00Z');

const run = (actor: Actor, input: Parameters<typeof dispatch>[2], at = now) =>
  dispatch({ db: tdb.db, registry, now: () => at }, actor, input);
const monitoringOf = async (month: string) =>
  (
    await tdb.db
      .select()
      .from(reminders)
      .where(and(eq(reminders.tenantId, world.tenantId), eq(reminders.kind, 'monitoring')))
  ).find((r) => r.dueOn.startsWith(month));
const cards = (r: Reply | undefined) => (r?.blocks ?? []).filter((b): b is CardBlock => b.type === 'card');

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  await planTenant(tdb.db, world.tenantId, now, { syncReminders: true });
});
afterAll(async () => {
  await tdb.drop();
});

describe('予定 (yotei)', () => {
  it('shows my deadlines only to me, with overdue months first, and audits the view', async () => {
    const res = await run(world.actors.a, { kind: 'command', name: 'yotei', text: '' });
    const r = res.replies[0];
    expect(r?.visibility).toBe('ephemeral');
    expect(r?.summary).toContain('期限超過 2件');
    expect(cards(r).map((c) => c.subtitle)).toEqual(['モニタリング 令和8年6月', 'モニタリング 令和8年9月', 'モニタリング 令和8年12月']);
    const audit = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.actorStaffId, world.actors.a.staffId), eq(auditLog.resourceType, 'reminder_list')));
    expect(audit).toHaveLength(1);
  });

  it('the alias 予定 works and another counselor sees none of it', async () => {
    const res = await run(world.actors.b, { kind: 'command', name: 'yotei', text: '' });
    expect(res.replies[0]?.summary).toContain('期限の近いものはありません');
  });

  it('完了 on this month asks for the date and method, records the monitoring consultation and updates the message in place', async () => {
    const dec = await monitoringOf('2026-12');
    const asked = await run(world.actors.a, { kind: 'action', id: 'yotei:done', value: dec?.id ?? '' });
    const form = asked.replies[0]?.blocks.find((b): b is FormBlock => b.type === 'form');
    expect(form?.fields.map((f) => f.initial)).toEqual(['2026-12-01', '訪問']);
    const res = await run(world.actors.a, {
      kind: 'form',
      formId: 'yotei:done',
      values: { occurredOn: '2026-12-01', method: '訪問' },
      context: form?.context,
    });
    expect(res.replies[0]?.replaceOriginal).toBe(true);
    expect(res.replies[0]?.summary).toContain('完了にしました');
    expect((await monitoringOf('2026-12'))?.status).toBe('done');
    const recorded = await tdb.db
      .select()
      .from(consultations)
      .where(and(eq(consultations.personId, world.persons.yamadaTaro.id), eq(consultations.kind, 'モニタリング')));
    expect(recorded.map((c) => [c.occurredOn, c.offMonth])).toEqual([['2026-12-01', false]]);
    // Planning again agrees: the month is done, not reopened.
    await planTenant(tdb.db, world.tenantId, now, { syncReminders: true });
    expect((await monitoringOf('2026-12'))?.status).toBe('done');
  });

  it('完了 on an overdue month asks for the real date with the record form prefilled', async () => {
    const sep = await monitoringOf('2026-09');
    const res = await run(world.actors.a, { kind: 'action', id: 'yotei:done', value: sep?.id ?? '' });
    const form = res.replies[0]?.blocks.find((b): b is FormBlock => b.type === 'form');
    expect(form?.formId).toBe('soudan:new');
    expect(form?.fields.find((f) => f.name === 'kind')?.initial).toBe('モニタリング');
    expect(form?.fields.find((f) => f.name === 'person')?.initial).toBe(world.persons.yamadaTaro.code);
    expect((await monitoringOf('2026-09'))?.status).toBe('open');
  });

  it('snooze 1週間 keeps the item in 予定 marked 「再通知」 (the digest leaves it out until then); another counselor may not touch it, the office manager may', async () => {
    const jun = await monitoringOf('2026-06');
    const denied = await run(world.actors.b, { kind: 'action', id: 'yotei:snooze1w', value: jun?.id ?? '' });
    expect(denied.replies[0]?.summary).toContain('権限');
    const res = await run(world.actors.a2, { kind: 'action', id: 'yotei:snooze1w', value: jun?.id ?? '' });
    expect(res.replies[0]?.summary).toContain('再通知');
    expect(await monitoringOf('2026-06')).toMatchObject({ status: 'snoozed', snoozedUntil: '2026-12-08' });
    const list = await run(world.actors.a, { kind: 'command', name: 'yotei', text: '' });
    expect(cards(list.replies[0]).map((c) => c.subtitle)).toEqual(['モニタリング 令和8年6月', 'モニタリング 令和8年9月']);
    expect(cards(list.replies[0])[0]?.fields).toContainEqual({ label: '再通知', value: '12/8(火)' });
    const later = await run(world.actors.a, { kind: 'command', name: 'yotei', text: '' }, new Date('2026-12-08T00:00:00Z'));
    expect(cards(later.replies[0]).map((c) => c.subtitle)).toContain('モニタリング 令和8年6月');
    expect(cards(later.replies[0])[0]?.fields.map((f) => f.label)).not.toContain('再通知');
  });

  it('a malformed reminder id is answered politely', async () => {
    const res = await run(world.actors.a, { kind: 'action', id: 'yotei:done', value: 'not-an-id' });
    expect(res.errorId).toBeUndefined();
    expect(res.replies[0]?.summary).toContain('見つからない');
  });
});

describe('a plan changed by the municipality', () => {
  it('recomputes the months: a month that is no longer a monitoring month is cancelled, done months stay done', async () => {
    await tdb.db
      .update(servicePlans)
      .set({ frequencyMonths: null, standardMonths: [7, 1] })
      .where(eq(servicePlans.personId, world.persons.yamadaTaro.id));
    await planTenant(tdb.db, world.tenantId, now, { syncReminders: true });
    expect((await monitoringOf('2026-09'))?.status).toBe('cancelled');
    expect((await monitoringOf('2026-12'))?.status).toBe('done');
    expect((await monitoringOf('2026-07'))?.status).toBe('open');
  });
});

describe('予定 設定', () => {
  it('saves the digest time and quiet days; a quiet day gets no digest', async () => {
    const form = await run(world.actors.a, { kind: 'command', name: 'yotei', text: '設定' });
    expect(form.replies[0]?.blocks[0]?.type).toBe('form');
    const bad = await run(world.actors.a, {
      kind: 'form',
      formId: 'yotei:settings',
      values: { digestTime: '8時半', quietWeekdays: [], quietDates: '' },
    });
    expect(bad.fieldErrors?.digestTime).toContain('HH:MM');
    const ok = await run(world.actors.a, {
      kind: 'form',
      formId: 'yotei:settings',
      values: { digestTime: '7:45', quietWeekdays: ['3'], quietDates: '12/1' },
    });
    expect(ok.fieldErrors).toBeUndefined();
    const [me] = await tdb.db.select({ p: staff.preferences }).from(staff).where(eq(staff.id, world.actors.a.staffId));
    expect(me?.p).toMatchObject({ digestTime: '07:45', quietWeekdays: [3], quietDates: ['2026-12-01'] });
    const keyOf = (day: string) => `digest:${world.actors.a.staffId}:${day}`;
    // Wednesday is quiet: nothing that day.
    await planTenant(tdb.db, world.tenantId, new Date('2026-12-01T23:50:00Z'), { syncReminders: false });
    expect(
      await tdb.db
        .select()
        .from(deliveries)
        .where(eq(deliveries.idempotencyKey, keyOf('2026-12-02'))),
    ).toHaveLength(0);
    // Thursday at 07:44 JST: planned for 07:45 on the minute.
    await planTenant(tdb.db, world.tenantId, new Date('2026-12-02T22:44:00Z'), { syncReminders: false });
    const [thu] = await tdb.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.idempotencyKey, keyOf('2026-12-03')));
    expect(thu?.runAt.toISOString()).toBe('2026-12-02T22:45:00.000Z');
  });
});
