import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { auditLog, consultations } from '../../db/schema/index';
import { dispatch, type DispatchResult } from '../../src/chat/dispatch';
import type { Actor, FormBlock } from '../../src/chat/types';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
const registry = createRegistry();
const now = new Date('2026-11-22T01:00:00Z'); // 10:00 JST, Sunday 22 November 2026

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
});
afterAll(async () => {
  await tdb.drop();
});

const valid = () => ({
  person: world.persons.yamadaTaro.code,
  occurredOn: '今日',
  method: '訪問',
  kind: '福祉サービスの利用援助',
  summary: '通所先の見学に同行した。',
  minutes: '45',
  nextAction: '体験利用の調整',
  nextActionDue: '12/1',
  abuse: 'no',
});

function submit(actor: Actor, values: Record<string, string>): Promise<DispatchResult> {
  return dispatch({ db: tdb.db, registry, now: () => now }, actor, { kind: 'form', formId: 'soudan:new', values });
}

/** A press of 「記録する」 on a case card: the action carries the person's id. */
function press(actor: Actor, value: string): Promise<DispatchResult> {
  return dispatch({ db: tdb.db, registry, now: () => now }, actor, { kind: 'action', id: 'soudan:new', value });
}

async function counts() {
  const c = await tdb.db.select().from(consultations).where(eq(consultations.tenantId, world.tenantId));
  const a = await tdb.db.select().from(auditLog).where(eq(auditLog.tenantId, world.tenantId));
  return { consultations: c.length, creates: a.filter((r) => r.action === 'create').length };
}

describe('logging a consultation', () => {
  let before: Awaited<ReturnType<typeof counts>>;
  beforeEach(async () => {
    before = await counts();
  });

  it('opens a form prefilled with the case and today', async () => {
    const res = await dispatch({ db: tdb.db, registry, now: () => now }, world.actors.a, {
      kind: 'command',
      name: 'soudan',
      text: 'C-0001',
    });
    const form = res.replies[0]?.blocks[0] as FormBlock;
    expect(form.type).toBe('form');
    expect(form.fields.find((f) => f.name === 'person')?.initial).toBe('C-0001');
    expect(form.fields.find((f) => f.name === 'occurredOn')?.initial).toBe('2026-11-22');
    expect(form.fields.find((f) => f.name === 'kind')?.options?.length).toBe(12);
  });

  it('stores the record with its audit row, in Japan-time dates', async () => {
    const res = await submit(world.actors.a, valid());
    expect(res.fieldErrors).toBeUndefined();
    expect(JSON.stringify(res.replies)).toContain('相談記録を登録しました');
    const [row] = await tdb.db.select().from(consultations).where(eq(consultations.personId, world.persons.yamadaTaro.id));
    expect(row).toMatchObject({
      occurredOn: '2026-11-22',
      nextActionDue: '2026-12-01',
      minutes: 45,
      method: '訪問',
      staffId: world.actors.a.staffId,
    });
    const audit = await tdb.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.resourceId, row?.id ?? ''));
    expect(audit.map((a) => a.action)).toEqual(['create']);
    expect(await counts()).toEqual({ consultations: before.consultations + 1, creates: before.creates + 1 });
  });

  it('an anonymous first contact gets a label without a name', async () => {
    const res = await submit(world.actors.a, { ...valid(), person: '' });
    expect(JSON.stringify(res.replies)).toMatch(/一般相談（匿名-20261122-\d+）/);
  });

  it.each([
    ['a bad date', { occurredOn: '2026年2月30日' }, 'occurredOn', '日付'],
    ['a date in an odd format', { occurredOn: 'きのうのよる' }, 'occurredOn', '例'],
    ['a future date', { occurredOn: '明日' }, 'occurredOn', '未来'],
    ['an empty summary', { summary: '   ' }, 'summary', '入力してください'],
    ['a 5,000-character summary', { summary: 'あ'.repeat(5000) }, 'summary', '2000文字以内'],
    ['an unknown person', { person: 'C-9999' }, 'person', '見つかりません'],
    ['a person of another office', { person: 'C-0003' }, 'person', '見つかりません'],
    ['an unknown kind', { kind: '雑談' }, 'kind', '種別'],
    ['negative minutes', { minutes: '-5' }, 'minutes', '整数'],
  ])('%s gets a clear Japanese message and stores nothing', async (_name, patch, field, words) => {
    const res = await submit(world.actors.a, { ...valid(), ...patch });
    expect(res.fieldErrors?.[field]).toContain(words);
    expect(JSON.stringify(res.replies)).toContain('入力内容を確認してください');
    expect(await counts()).toEqual(before);
  });

  it('reports every bad field at once', async () => {
    const res = await submit(world.actors.a, { ...valid(), occurredOn: '13/45', summary: '', method: '手紙' });
    expect(Object.keys(res.fieldErrors ?? {}).sort()).toEqual(['method', 'occurredOn', 'summary']);
  });

  it('a monitoring outside a monitoring month is stored but flagged, and not counted', async () => {
    const res = await submit(world.actors.a, { ...valid(), kind: 'モニタリング', occurredOn: '2026-11-20' });
    expect(JSON.stringify(res.replies)).toContain('モニタリング月ではない');
    const rows = await tdb.db.select().from(consultations).where(eq(consultations.kind, 'モニタリング'));
    expect(rows.at(-1)?.offMonth).toBe(true);
  });

  it('a city official without a case role may not log a consultation', async () => {
    const res = await submit(world.actors.city, { ...valid(), person: '' });
    expect(JSON.stringify(res.replies)).toContain('権限がありません');
    expect(await counts()).toEqual(before);
  });

  it("「記録する」 on a case card (the person's id) fills the case code, and the prefilled form records that person", async () => {
    const res = await press(world.actors.a, world.persons.yamadaTaro.id);
    const form = res.replies[0]?.blocks.find((b): b is FormBlock => b.type === 'form');
    expect(form?.fields.find((f) => f.name === 'person')?.initial).toBe(world.persons.yamadaTaro.code);
    expect(JSON.stringify(res.replies)).not.toContain(world.persons.yamadaTaro.id);
    // Every field without a hint carries none (not null) to the renderers.
    expect(JSON.stringify(res.replies)).not.toContain('null');

    const prefilled = Object.fromEntries((form?.fields ?? []).map((f) => [f.name, typeof f.initial === 'string' ? f.initial : '']));
    const saved = await submit(world.actors.a, { ...prefilled, kind: '福祉サービスの利用援助', summary: 'カードから開いた記録。' });
    expect(saved.errorId).toBeUndefined();
    const [row] = await tdb.db.select().from(consultations).where(eq(consultations.summary, 'カードから開いた記録。'));
    expect(row?.personId).toBe(world.persons.yamadaTaro.id);
  });

  it('an id the actor may not see answers like an unknown case and shows no code', async () => {
    // Office B's counselor, and another tenant's staff, pressing a button with office A's person.
    for (const actor of [world.actors.b, world.actors.other]) {
      const res = await press(actor, world.persons.yamadaTaro.id);
      expect(res.replies[0]?.blocks.some((b) => b.type === 'form')).toBe(false);
      expect(JSON.stringify(res.replies)).toContain('該当するケースが見つかりません');
      expect(JSON.stringify(res.replies)).not.toContain(world.persons.yamadaTaro.code);
    }
    const unknown = await press(world.actors.a, '00000000-0000-4000-8000-000000000000');
    expect(JSON.stringify(unknown.replies)).toContain('該当するケースが見つかりません');
    expect(await counts()).toEqual(before);
  });
});
