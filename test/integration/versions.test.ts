import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { auditLog, consultations, recordVersions, servicePlans } from '../../db/schema/index';
import { dispatch } from '../../src/chat/dispatch';
import type { Actor, CardBlock, FormBlock, Input, ListBlock } from '../../src/chat/types';
import { loadCaseView } from '../../src/core/cases/view';
import { logConsultation } from '../../src/core/consultations/log';
import { planMonitoringMonths } from '../../src/core/monitoring/plan-row';
import { deleteConsultation, editConsultation } from '../../src/core/versions/consultations';
import { editPlan } from '../../src/core/versions/plans';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
const registry = createRegistry();
const now = new Date('2026-11-22T01:00:00Z');

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
});
afterAll(async () => {
  await tdb.drop();
});

async function newRecord(actor: Actor = world.actors.a, summary = '最初の記録'): Promise<string> {
  const saved = await logConsultation(
    tdb.db,
    actor,
    { personId: world.persons.yamadaTaro.id, occurredOn: '2026-11-20', method: '訪問', kind: '福祉サービスの利用援助', summary },
    now,
  );
  return saved.id;
}

const send = (actor: Actor, input: Input) => dispatch({ db: tdb.db, registry, now: () => now }, actor, input);

describe('editing a consultation keeps the earlier version', () => {
  it('the earlier text, who changed it and when are kept; the record shows 編集済み', async () => {
    const id = await newRecord();
    const res = await editConsultation(tdb.db, world.actors.a, id, { summary: '訂正後の記録', minutes: 30 }, '誤字の訂正', now);
    expect(res).toEqual({ version: 2, changed: ['summary', 'minutes'] });
    const [v1] = await tdb.db.select().from(recordVersions).where(eq(recordVersions.resourceId, id));
    expect(v1).toMatchObject({ version: 1, changedBy: world.actors.a.staffId, reason: '誤字の訂正', resourceType: 'consultation' });
    expect((v1?.data as { summary: string }).summary).toBe('最初の記録');
    const [row] = await tdb.db.select().from(consultations).where(eq(consultations.id, id));
    expect(row).toMatchObject({ summary: '訂正後の記録', version: 2 });
    const audit = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceId, id), eq(auditLog.action, 'update')));
    expect(audit[0]?.detail).toEqual({ fields: ['summary', 'minutes'], version: 2 });
    const view = await loadCaseView(tdb.db, world.actors.a, world.persons.yamadaTaro.id, now);
    expect(view.recent.find((r) => r.summary === '訂正後の記録')?.edited).toBe(true);
  });

  it('a counselor may not edit a colleague’s record; the office manager may', async () => {
    const id = await newRecord(world.actors.a);
    const colleague: Actor = { ...world.actors.a2, roles: ['counselor'] };
    await expect(editConsultation(tdb.db, colleague, id, { summary: '他人が変更' }, null, now)).rejects.toThrow(/access refused/);
    await expect(editConsultation(tdb.db, world.actors.a2, id, { summary: '管理者が訂正' }, null, now)).resolves.toMatchObject({
      version: 2,
    });
  });

  it('another office cannot even find the record', async () => {
    const id = await newRecord();
    await expect(editConsultation(tdb.db, world.actors.b, id, { summary: 'x' }, null, now)).rejects.toMatchObject({
      code: 'unknown_consultation',
    });
  });

  it('deleting is logical and needs a reason', async () => {
    const id = await newRecord(world.actors.a, '削除される記録');
    await expect(deleteConsultation(tdb.db, world.actors.a, id, ' ', now)).rejects.toMatchObject({ code: 'reason_required' });
    await deleteConsultation(tdb.db, world.actors.a, id, '別のケースに誤って記録', now);
    const [row] = await tdb.db.select().from(consultations).where(eq(consultations.id, id));
    expect(row).toMatchObject({ deletedReason: '別のケースに誤って記録', summary: '削除される記録' });
    expect(row?.deletedAt).not.toBeNull();
    const view = await loadCaseView(tdb.db, world.actors.a, world.persons.yamadaTaro.id, now);
    expect(view.recent.map((r) => r.summary)).not.toContain('削除される記録');
  });
});

describe('editing a plan', () => {
  it('a change of monitoring frequency appends a segment, keeps the earlier version, and the months follow', async () => {
    const [plan] = await tdb.db.select().from(servicePlans).where(eq(servicePlans.personId, world.persons.yamadaTaro.id));
    if (!plan) throw new Error('no plan');
    expect(planMonitoringMonths(plan)).toContain('2026-12');
    await editPlan(
      tdb.db,
      world.actors.a,
      plan.id,
      { frequencyChange: { from: '2026-12', frequencyMonths: 1 } },
      '市から支給決定の変更通知',
      now,
    );
    const [after] = await tdb.db.select().from(servicePlans).where(eq(servicePlans.id, plan.id));
    expect(after?.segments).toEqual([{ from: '2026-12', frequencyMonths: 1 }]);
    expect(after?.version).toBe(2);
    if (!after) throw new Error('no plan');
    expect(planMonitoringMonths(after)).toEqual(expect.arrayContaining(['2026-06', '2026-09', '2026-12', '2027-01', '2027-02']));
    const [v1] = await tdb.db.select().from(recordVersions).where(eq(recordVersions.resourceId, plan.id));
    expect(v1).toMatchObject({ version: 1, resourceType: 'plan', reason: '市から支給決定の変更通知' });
  });

  it('another office may not change the plan', async () => {
    const [plan] = await tdb.db.select().from(servicePlans).where(eq(servicePlans.personId, world.persons.yamadaTaro.id));
    await expect(editPlan(tdb.db, world.actors.b, plan?.id ?? '', { certificateEnd: '2027-06-30' }, null, now)).rejects.toMatchObject({
      code: 'unknown_plan',
    });
  });
});

describe('the history in chat', () => {
  it('履歴 lists the records with 編集済み, and shows each version with who and when', async () => {
    const id = await newRecord();
    await editConsultation(tdb.db, world.actors.a, id, { summary: '二回目の内容' }, '追記', now);
    const list = await send(world.actors.a, { kind: 'command', name: 'rireki', text: world.persons.yamadaTaro.code });
    const items = (list.replies[0]?.blocks[0] as ListBlock).items;
    const item = items.find((i) => i.button?.action.value === id);
    expect(item?.description).toContain('編集済み（第2版）');
    const hist = await send(world.actors.a, { kind: 'action', id: 'rireki:show', value: id });
    const cards = hist.replies[0]?.blocks as CardBlock[];
    expect(cards[0]?.title).toBe('第1版');
    const text = JSON.stringify(cards[0]?.fields);
    expect(text).toContain('職員A');
    expect(text).toContain('追記');
    expect(text).toContain('最初の記録');
    expect(cards[1]?.title).toBe('第2版（現在）');
  });

  it('the edit form saves a new version and the delete form asks for a reason', async () => {
    const id = await newRecord();
    const form = (await send(world.actors.a, { kind: 'action', id: 'rireki:edit', value: id })).replies[0]?.blocks[0] as FormBlock;
    const values = Object.fromEntries(form.fields.map((f) => [f.name, typeof f.initial === 'string' ? f.initial : '']));
    const saved = await send(world.actors.a, {
      kind: 'form',
      formId: 'rireki:edit',
      context: id,
      values: { ...values, summary: 'フォームで訂正', reason: '訂正' },
    });
    expect(JSON.stringify(saved.replies)).toContain('第2版');
    const del = await send(world.actors.a, { kind: 'form', formId: 'rireki:delete', context: id, values: { reason: '' } });
    expect(JSON.stringify(del.replies)).toContain('削除の理由を入力してください');
    const [row] = await tdb.db.select().from(consultations).where(eq(consultations.id, id));
    expect(row).toMatchObject({ summary: 'フォームで訂正', deletedAt: null });
  });

  it('a next-action due date moved into the past is refused on its field; an old past one left as it was is kept', async () => {
    const saved = await logConsultation(
      tdb.db,
      world.actors.a,
      {
        personId: world.persons.yamadaTaro.id,
        occurredOn: '2026-11-20',
        method: '訪問',
        kind: '福祉サービスの利用援助',
        summary: '期限つき',
        nextAction: '日程調整',
        nextActionDue: '2026-11-30',
      },
      now,
    );
    const form = (await send(world.actors.a, { kind: 'action', id: 'rireki:edit', value: saved.id })).replies[0]?.blocks[0] as FormBlock;
    const values = Object.fromEntries(form.fields.map((f) => [f.name, typeof f.initial === 'string' ? f.initial : '']));
    const past = await send(world.actors.a, {
      kind: 'form',
      formId: 'rireki:edit',
      context: saved.id,
      values: { ...values, nextActionDue: '8月1日' },
    });
    expect(past.fieldErrors?.nextActionDue).toContain('過去の日付です');
    // Ten days later the stored 11/30 is past: editing the summary alone still works.
    const later = () => new Date(now.getTime() + 10 * 86_400_000);
    const edited = await dispatch({ db: tdb.db, registry, now: later }, world.actors.a, {
      kind: 'form',
      formId: 'rireki:edit',
      context: saved.id,
      values: { ...values, summary: '期限つき（訂正）' },
    });
    expect(edited.fieldErrors).toBeUndefined();
    const [row] = await tdb.db.select().from(consultations).where(eq(consultations.id, saved.id));
    expect(row).toMatchObject({ summary: '期限つき（訂正）', nextActionDue: '2026-11-30' });
    // And the core refuses a past due date whatever the platform sent.
    await expect(
      logConsultation(
        tdb.db,
        world.actors.a,
        {
          personId: null,
          occurredOn: '2026-11-20',
          method: '電話',
          kind: '福祉サービスの利用援助',
          summary: 'x',
          nextActionDue: '2026-11-21',
        },
        now,
      ),
    ).rejects.toMatchObject({ code: 'past_due', fieldErrors: { nextActionDue: expect.stringContaining('過去の日付') } });
  });

  it('another office gets no history', async () => {
    const id = await newRecord();
    const res = await send(world.actors.b, { kind: 'action', id: 'rireki:show', value: id });
    expect(JSON.stringify(res.replies)).toContain('見つかりません');
  });
});
