/**
 * Issue 15, parts 3–5 from the counselor's side: 支給決定 (新規 / 更新 / 変更) with its preview,
 * 利用者登録 and 一般相談 → case, 情報共有の同意, and 完了 on a monitoring reminder with its date,
 * method and 取り消す, all driven through dispatch as a counselor would.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, consultations, personConsents, persons, recordVersions, reminders, servicePlans } from '../../db/schema/index';
import { createRegistry } from '../../handlers/index';
import { dispatch, type DispatchResult } from '../../src/chat/dispatch';
import type { Actor, Block, Button, CardBlock, FormBlock, Input, Reply } from '../../src/chat/types';
import { requestSecondary } from '../../src/core/secondary/request';
import { loadSecondaryView } from '../../src/core/secondary/view';
import { planTenant } from '../../src/scheduler/plan-tenant';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
const registry = createRegistry();
// Thursday 3 December 2026, 10:00 JST. 山田太郎's plan: 2026-04-01 – 2027-03-31, every 3 months (6, 9, 12, 3).
const now = new Date('2026-12-03T01:00:00Z');
const run = (actor: Actor, input: Input, at = now): Promise<DispatchResult> =>
  dispatch({ db: tdb.db, registry, now: () => at }, actor, input);
const blocks = (r: DispatchResult): Block[] => r.replies.flatMap((x: Reply) => x.blocks);
const formOf = (r: DispatchResult) => blocks(r).find((b): b is FormBlock => b.type === 'form');
const cardsOf = (r: DispatchResult) => blocks(r).filter((b): b is CardBlock => b.type === 'card');
const textOf = (r: DispatchResult) => JSON.stringify(r.replies);
const buttonsOf = (r: DispatchResult): Button[] => cardsOf(r).flatMap((c) => c.buttons ?? []);
const audits = (action: string) =>
  tdb.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.tenantId, world.tenantId), eq(auditLog.action, action)));
const plansOf = (personId: string) =>
  tdb.db.select().from(servicePlans).where(eq(servicePlans.personId, personId)).orderBy(servicePlans.periodStart);
const monitoringReminders = async (personId: string) => {
  const plans = (await plansOf(personId)).map((p) => p.id);
  return (
    await tdb.db
      .select()
      .from(reminders)
      .where(and(eq(reminders.tenantId, world.tenantId), eq(reminders.kind, 'monitoring')))
  ).filter((r) => plans.includes(r.subjectId));
};

/** Submits a form as the platform would: the values typed, and the context the form carried. */
const submit = (actor: Actor, form: FormBlock, values: Record<string, string | string[]>, at = now) => {
  const initial = Object.fromEntries(form.fields.map((f) => [f.name, f.initial ?? '']));
  return run(actor, { kind: 'form', formId: form.formId, values: { ...initial, ...values }, context: form.context }, at);
};

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  await planTenant(tdb.db, world.tenantId, now, { syncReminders: true });
});
afterAll(async () => {
  await tdb.drop();
});

describe('支給決定 from chat', () => {
  it('変更 from the case card: the months are shown first, nothing is saved until 保存, then the card and 予定 change at once', async () => {
    const taro = world.persons.yamadaTaro;
    const card = await run(world.actors.a, { kind: 'action', id: 'case:show', value: taro.id });
    const open = buttonsOf(card).find((b) => b.label === '支給決定');
    expect(open?.action).toEqual({ kind: 'action', id: 'shikyu:menu', value: taro.id });
    const menu = await run(world.actors.a, open!.action);
    const change = buttonsOf(menu).find((b) => b.label === '変更');
    const form = formOf(await run(world.actors.a, change!.action));
    expect(form?.formId).toBe('shikyu:change');
    expect(form?.fields.find((f) => f.name === 'person')?.initial).toBe(taro.code);

    // The municipality changes to 毎月 from January (notice of 2 December).
    const preview = await submit(world.actors.a, form!, { changeFrom: '令和9年1月', frequency: '1', noticeDate: '１２／２' });
    expect(preview.fieldErrors).toBeUndefined();
    const text = textOf(preview);
    expect(text).toContain('2026年6月・2026年9月・2026年12月・2027年3月'); // now
    expect(text).toContain('2026年6月・2026年9月・2026年12月・2027年1月・2027年2月・2027年3月'); // after saving
    const [before] = await plansOf(taro.id);
    expect(before?.version).toBe(1);
    expect(before?.segments).toEqual([]);

    // The confirmation is one question (LINE asks one, not the whole form again), the months on it.
    const confirm = formOf(preview);
    expect(confirm?.fields.map((f) => [f.name, f.initial])).toEqual([['step', 'save']]);
    expect(confirm?.fields[0]?.hint).toContain('2027年1月・2027年2月');
    // 「入力し直す」 gives the full form back with what was typed.
    const edit = formOf(await submit(world.actors.a, confirm!, { step: 'edit' }));
    expect(edit?.fields.find((f) => f.name === 'changeFrom')?.initial).toBe('令和9年1月');
    const saved = await submit(world.actors.a, confirm!, {});
    expect(textOf(saved)).toContain('支給決定（変更）を保存しました');
    // The answer is the case card with the new rule.
    expect(
      cardsOf(saved)
        .at(-1)
        ?.fields.find((f) => f.label === '次回モニタリング')?.value,
    ).toContain('毎月');
    const [after] = await plansOf(taro.id);
    expect(after?.version).toBe(2);
    expect(after?.segments).toEqual([{ from: '2027-01', frequencyMonths: 1 }]);
    expect(after?.noticeDate).toBe('2026-12-02');
    const versions = await tdb.db
      .select()
      .from(recordVersions)
      .where(and(eq(recordVersions.resourceType, 'plan'), eq(recordVersions.resourceId, after!.id)));
    expect(versions.map((v) => v.version)).toEqual([1]);
    expect((await audits('update')).some((a) => a.resourceType === 'plan' && a.resourceId === after!.id)).toBe(true);
    // Same minute, no planning pass: January's reminder exists and 予定 lists it.
    expect((await monitoringReminders(taro.id)).map((r) => r.dueOn.slice(0, 7))).toContain('2027-01');
    const yotei = await run(world.actors.a, { kind: 'command', name: 'yotei', text: '' });
    expect(textOf(yotei)).toContain('モニタリング 令和9年1月');
  });

  it('更新: a new period is a new plan, the earlier one kept; months counted back from the last month', async () => {
    const taro = world.persons.yamadaTaro;
    const form = formOf(await run(world.actors.a, { kind: 'action', id: 'shikyu:form', value: `renewal:${taro.id}` }))!;
    // 6/1 – next 3/31 every 6 months: 9 and 3 (not 11: the MHLW rule counts back from the last month).
    const preview = await submit(world.actors.a, form, {
      periodStart: '令和9年6月1日',
      periodEnd: '2028-03-31',
      frequency: '6',
      certificateEnd: '2028/3/31',
      recipientNumber: '１２３４５６７８９０',
      serviceKinds: ['生活介護', '短期入所'],
    });
    expect(preview.fieldErrors).toBeUndefined();
    expect(textOf(preview)).toContain('2027年9月・2028年3月');
    const saved = await submit(world.actors.a, formOf(preview)!, {});
    expect(textOf(saved)).toContain('支給決定（更新）を保存しました');
    // The card keeps the period in force (December is still due) and shows the renewal under it.
    const card = cardsOf(saved).at(-1);
    expect(card?.fields.find((f) => f.label === '次回モニタリング')?.value).toContain('2026年12月');
    expect(card?.fields.find((f) => f.label === '次の支給決定')?.value).toContain('モニタリング月: 2027年9月・2028年3月');
    const plans = await plansOf(taro.id);
    expect(plans).toHaveLength(2);
    expect(plans[1]).toMatchObject({
      periodStart: '2027-06-01',
      periodEnd: '2028-03-31',
      frequencyMonths: 6,
      decisionKind: 'renewal',
      recipientNumber: '1234567890',
      serviceKinds: ['生活介護', '短期入所'],
    });
    const [p] = await tdb.db.select().from(persons).where(eq(persons.id, taro.id));
    expect(p?.recipientNumber).toBe('1234567890');
    expect(
      (
        await tdb.db
          .select()
          .from(recordVersions)
          .where(and(eq(recordVersions.resourceType, 'person'), eq(recordVersions.resourceId, taro.id)))
      ).length,
    ).toBe(1);
  });

  it('a save whose fields changed after the preview shows the months again instead of saving', async () => {
    const hanako = world.persons.yamadaHanako;
    const form = formOf(await run(world.actors.a, { kind: 'action', id: 'shikyu:form', value: `new:${hanako.id}` }))!;
    const preview = await submit(world.actors.a, form, { periodStart: '2026/12/1', periodEnd: '2027/5/31', frequency: '3' });
    expect(textOf(preview)).toContain('2027年2月・2027年5月');
    const again = await submit(world.actors.a, formOf(preview)!, { frequency: '1' });
    expect(textOf(again)).toContain('もう一度確認してください');
    expect(await plansOf(hanako.id)).toHaveLength(0);
    const saved = await submit(world.actors.a, formOf(again)!, {});
    expect(textOf(saved)).toContain('支給決定（新規）を保存しました');
    expect((await monitoringReminders(hanako.id)).map((r) => r.dueOn.slice(0, 7))).toEqual(['2026-12', '2027-01']);
  });

  it('standard months without the last month: the last month is added and the counselor is told', async () => {
    const reg = await run(world.actors.a, {
      kind: 'form',
      formId: 'riyousha:new',
      values: { familyName: '川口', givenName: '葉子', familyKana: 'かわぐち', givenKana: 'ようこ', officeId: world.offices.a },
    });
    const id = buttonsOf(reg).find((b) => b.label === 'ケースを見る')?.action.value ?? '';
    const form = formOf(await run(world.actors.a, { kind: 'action', id: 'shikyu:form', value: `new:${id}` }))!;
    const preview = await submit(world.actors.a, form, {
      periodStart: '2027-01-01',
      periodEnd: '2027-12-31',
      frequency: 'standard',
      standardMonths: '4・8月',
    });
    expect(textOf(preview)).toContain('2027年12月を加えています');
  });

  it('a decision taking effect mid-month counts from that month or the next, as the decision says', async () => {
    const reg = await run(world.actors.a, {
      kind: 'form',
      formId: 'riyousha:new',
      values: { familyName: '大西', givenName: '実', familyKana: 'おおにし', givenKana: 'みのる', officeId: world.offices.a },
    });
    const id = buttonsOf(reg).find((b) => b.label === 'ケースを見る')?.action.value ?? '';
    const form = formOf(await run(world.actors.a, { kind: 'action', id: 'shikyu:form', value: `new:${id}` }))!;
    const period = { periodStart: '2026-12-15', periodEnd: '2027-12-14', frequency: '3' };
    expect(textOf(await submit(world.actors.a, form, { ...period, countFrom: 'same_month' }))).toContain(
      '2026年12月・2027年3月・2027年6月・2027年9月・2027年12月',
    );
    const next = await submit(world.actors.a, form, { ...period, countFrom: 'next_month' });
    expect(formOf(next)?.fields[0]?.hint).toBe('保存後のモニタリング月: 2027年3月・2027年6月・2027年9月・2027年12月');
    await submit(world.actors.a, formOf(next)!, {});
    const [plan] = await plansOf(id);
    expect(plan?.countFrom).toBe('next_month');
  });

  it("only the person's own office may enter a decision; the refusal is audited and reads like an unknown case", async () => {
    const before = (await audits('view_refused')).length;
    const res = await run(world.actors.b, { kind: 'command', name: 'shikyu', text: world.persons.yamadaTaro.code });
    expect(textOf(res)).toContain('該当するケースが見つかりません');
    expect((await audits('view_refused')).length).toBe(before + 1);
    // The 基幹 sees a consented person but does not enter their decision.
    const kikan = await run(world.actors.kikan, { kind: 'action', id: 'shikyu:form', value: `new:${world.persons.yamamotoIchiro.id}` });
    expect(textOf(kikan)).toContain('該当するケースが見つかりません');
    expect((await audits('view_refused')).length).toBe(before + 2);
  });

  it('odd input gets a polite Japanese message on its field', async () => {
    const form = formOf(await run(world.actors.a, { kind: 'action', id: 'shikyu:form', value: `renewal:${world.persons.yamadaTaro.id}` }))!;
    const bad = await submit(world.actors.a, form, {
      periodStart: '令和8年13月1日',
      periodEnd: '2026-04-01',
      frequency: '3',
      recipientNumber: '1'.repeat(30),
    });
    expect(bad.fieldErrors?.periodStart).toMatch(/開始日/);
    expect(bad.fieldErrors?.recipientNumber).toContain('受給者証番号');
    const reversed = await submit(world.actors.a, form, { periodStart: '2029-04-01', periodEnd: '2029-03-01', frequency: '3' });
    expect(reversed.fieldErrors?.periodEnd).toContain('終了日が開始日より前');
    const nul = await submit(world.actors.a, form, { periodStart: '2029-04-01\u0000', periodEnd: '2030-03-31', frequency: '3' });
    expect(nul.fieldErrors?.periodStart).toBeDefined();
    const overlap = await submit(world.actors.a, form, { periodStart: '2027-05-01', periodEnd: '2028-04-30', frequency: '3' });
    expect(overlap.fieldErrors).toBeUndefined();
    const overlapSave = await submit(world.actors.a, formOf(overlap)!, {});
    expect(overlapSave.fieldErrors?.periodStart).toContain('前の期間');
    // Said on the confirmation's one field too, so that it is seen there.
    expect(overlapSave.fieldErrors?.step).toContain('前の期間');
  });
});

describe('利用者登録 and 一般相談 → case', () => {
  it('registers a person with kana for the own office, and attaches an anonymous 一般相談 with its records', async () => {
    const logged = await run(world.actors.a, {
      kind: 'form',
      formId: 'soudan:new',
      values: { person: '', occurredOn: '12/1', method: '電話', kind: '福祉サービスの利用援助', summary: '初回の電話相談。', abuse: 'no' },
    });
    const label = /匿名-\d{8}-\d+/.exec(textOf(logged))?.[0] ?? '';
    expect(label).toBe('匿名-20261201-1');
    // Offered on the saved record itself, and as a command.
    expect(buttonsOf(logged).find((b) => b.label === 'ケースとして登録')?.action).toEqual({
      kind: 'action',
      id: 'riyousha:new',
      value: label,
    });
    expect(
      formOf(await run(world.actors.a, { kind: 'action', id: 'riyousha:new', value: label }))?.fields.find(
        (f) => f.name === 'anonymousLabel',
      )?.initial,
    ).toBe(label);

    const cmd = await run(world.actors.a, { kind: 'command', name: 'riyousha', text: label });
    const form = formOf(cmd)!;
    expect(form.fields.find((f) => f.name === 'anonymousLabel')?.initial).toBe(label);
    const badKana = await submit(world.actors.a, form, { familyName: '森', givenName: '一', familyKana: 'mori', givenKana: 'はじめ' });
    expect(badKana.fieldErrors?.familyKana).toContain('ひらがなかカタカナ');
    const saved = await submit(world.actors.a, form, {
      familyName: '森',
      givenName: '一',
      familyKana: 'モリ',
      givenKana: 'はじめ',
      birthDate: '昭和60年4月1日',
    });
    expect(textOf(saved)).toContain('記録1件を引き継ぎました');
    const id = buttonsOf(saved).find((b) => b.label === 'ケースを見る')?.action.value ?? '';
    const [p] = await tdb.db.select().from(persons).where(eq(persons.id, id));
    expect(p).toMatchObject({
      officeId: world.offices.a,
      counselorId: world.actors.a.staffId,
      familyKana: 'モリ',
      birthDate: '1985-04-01',
    });
    const records = await tdb.db.select().from(consultations).where(eq(consultations.personId, id));
    expect(records.map((r) => [r.anonymousLabel, r.version])).toEqual([[label, 2]]);
    expect((await tdb.db.select().from(recordVersions).where(eq(recordVersions.resourceId, records[0]!.id))).map((v) => v.version)).toEqual(
      [1],
    );
    // Found as a case at once.
    expect(textOf(await run(world.actors.a, { kind: 'command', name: 'case', text: 'もり' }))).toContain('森 一');
  });

  it("attaches a label to a person already registered; another office's label or office is refused", async () => {
    const logged = await run(world.actors.a, {
      kind: 'form',
      formId: 'soudan:new',
      values: { person: '', occurredOn: '12/2', method: '来所', kind: '専門機関の紹介', summary: '来所相談。', abuse: 'no' },
    });
    const label = /匿名-\d{8}-\d+/.exec(textOf(logged))?.[0] ?? '';
    const byB = await run(world.actors.b, {
      kind: 'form',
      formId: 'riyousha:attach',
      values: { anonymousLabel: label, person: world.persons.yamamotoIchiro.code },
    });
    expect(byB.fieldErrors?.anonymousLabel).toContain('見つかりません');
    const ok = await run(world.actors.a, {
      kind: 'form',
      formId: 'riyousha:attach',
      values: { anonymousLabel: label, person: world.persons.yamadaHanako.code },
    });
    expect(textOf(ok)).toContain('1件をケースの記録にしました');
    const before = (await audits('create_refused')).length;
    const other = await run(world.actors.a, {
      kind: 'form',
      formId: 'riyousha:new',
      values: { familyName: '林', givenName: '二郎', familyKana: 'はやし', givenKana: 'じろう', officeId: world.offices.b },
    });
    expect(other.fieldErrors?.officeId).toContain('ご自身の事業所');
    expect((await audits('create_refused')).length).toBe(before + 1);
  });
});

describe('情報共有の同意', () => {
  it('recorded from chat opens the person to the 基幹; withdrawn, it closes at once; earlier de-identified requests stay so', async () => {
    const taro = world.persons.yamadaTaro; // no consent yet
    const request = await requestSecondary(
      tdb.db,
      world.actors.a,
      {
        personId: taro.id,
        profile: {},
        difficulties: ['家族関係'],
        tried: '面談を重ねた。',
        question: '家族との調整の進め方は。',
        urgency: 'normal',
        helpWanted: ['助言'],
      },
      now,
    );
    expect((await run(world.actors.kikan, { kind: 'action', id: 'case:show', value: taro.id })).replies[0]?.summary).not.toContain(
      taro.code,
    );

    const status = await run(world.actors.a, { kind: 'command', name: 'doui', text: taro.code });
    expect(textOf(status)).toContain('同意なし');
    const form = formOf(await run(world.actors.a, buttonsOf(status).find((b) => b.label === '同意を記録')!.action))!;
    expect(form.fields.find((f) => f.name === 'givenOn')?.initial).toBe('2026-12-03');
    const future = await submit(world.actors.a, form, { givenOn: '2027-01-01' });
    expect(future.fieldErrors?.givenOn).toContain('未来');
    const recorded = await submit(world.actors.a, form, {
      givenOn: '令和8年12月1日',
      kikan: 'yes',
      bodies: '市障害福祉課',
      method: '書面',
    });
    expect(textOf(recorded)).toContain('同意を記録しました');
    expect(textOf(recorded)).toContain('基幹・市障害福祉課（記録: 職員A）');
    const [row] = await tdb.db.select().from(personConsents).where(eq(personConsents.personId, taro.id));
    expect(row).toMatchObject({
      givenOn: '2026-12-01',
      scope: ['kikan', '市障害福祉課'],
      method: '書面',
      recordedBy: world.actors.a.staffId,
      withdrawnOn: null,
    });
    expect((await run(world.actors.kikan, { kind: 'action', id: 'case:show', value: taro.id })).replies[0]?.summary).toContain(taro.code);
    // The request sent before the consent stays de-identified for the 基幹.
    const view = await loadSecondaryView(tdb.db, world.actors.kikan, request.id, now);
    expect(view.person).toBeNull();
    expect(view.identityHidden).toBe(true);

    const withdrawForm = formOf(await run(world.actors.a, { kind: 'action', id: 'doui:withdrawForm', value: taro.id }))!;
    const withdrawn = await submit(world.actors.a, withdrawForm, {});
    expect(textOf(withdrawn)).toContain('撤回を記録しました');
    const refused = await run(world.actors.kikan, { kind: 'action', id: 'case:show', value: taro.id });
    expect(textOf(refused)).toContain('該当するケースが見つかりません');
    expect((await audits('consent_record')).length).toBe(1);
    expect((await audits('consent_withdraw')).length).toBe(1);
    // Another office cannot record it.
    expect(textOf(await run(world.actors.b, { kind: 'command', name: 'doui', text: taro.code }))).toContain(
      '該当するケースが見つかりません',
    );
  });
});

describe('完了 on a monitoring reminder', () => {
  it('asks for the date and method (today, 訪問), records them, and can be undone from the same message for a few minutes', async () => {
    const taro = world.persons.yamadaTaro;
    const dec = (await monitoringReminders(taro.id)).find((r) => r.dueOn.startsWith('2026-12'));
    const asked = await run(world.actors.a, { kind: 'action', id: 'yotei:done', value: dec!.id });
    const form = formOf(asked)!;
    expect(form.formId).toBe('yotei:done');
    expect(form.fields.map((f) => [f.name, f.initial])).toEqual([
      ['occurredOn', '2026-12-03'],
      ['method', '訪問'],
    ]);
    const [still] = await tdb.db.select().from(reminders).where(eq(reminders.id, dec!.id));
    expect(still?.status).toBe('open');

    const wrongMonth = await submit(world.actors.a, form, { occurredOn: '11/30' });
    expect(wrongMonth.fieldErrors?.occurredOn).toContain('モニタリング月');
    const done = await submit(world.actors.a, form, { occurredOn: '１２／２', method: '電話' });
    expect(done.replies[0]?.replaceOriginal).toBe(true);
    const [record] = await tdb.db
      .select()
      .from(consultations)
      .where(and(eq(consultations.personId, taro.id), eq(consultations.kind, 'モニタリング')));
    expect(record).toMatchObject({ occurredOn: '2026-12-02', method: '電話', offMonth: false });
    expect((await tdb.db.select().from(reminders).where(eq(reminders.id, dec!.id)))[0]?.status).toBe('done');

    const undo = buttonsOf(done).find((b) => b.label === '取り消す');
    expect(undo).toBeDefined();
    const late = await run(world.actors.a, undo!.action, new Date(now.getTime() + 11 * 60_000));
    expect(textOf(late)).toContain('10分以内');
    const byOther = await run(world.actors.a2, undo!.action);
    expect(textOf(byOther)).toContain('取り消せる');
    const undone = await run(world.actors.a, undo!.action, new Date(now.getTime() + 2 * 60_000));
    expect(textOf(undone)).toContain('完了を取り消しました');
    expect((await tdb.db.select().from(reminders).where(eq(reminders.id, dec!.id)))[0]?.status).toBe('open');
    const [gone] = await tdb.db.select().from(consultations).where(eq(consultations.id, record!.id));
    expect(gone?.deletedAt).not.toBeNull();
    expect((await tdb.db.select().from(recordVersions).where(eq(recordVersions.resourceId, record!.id))).map((v) => v.version)).toEqual([
      1,
    ]);
    expect((await audits('reminder_undo')).length).toBe(1);
    // Planning agrees: the month is open again.
    await planTenant(tdb.db, world.tenantId, new Date(now.getTime() + 3 * 60_000), { syncReminders: true });
    expect((await tdb.db.select().from(reminders).where(eq(reminders.id, dec!.id)))[0]?.status).toBe('open');
  });
});
