import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { councilBodies, regionalEndorsements, regionalEvents, regionalIssues } from '../../db/schema/index';
import type { Actor } from '../../src/chat/types';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';
import { buttonsOf, cardOf, channelPosts, dmsTo, driver, fieldsOf, listsOf, text, type Driver } from './secondary-helpers';

let tdb: TestDatabase;
let world: World;
let d: Driver;
let council: Actor;
const bukai: Record<string, string> = {};
let now = new Date('2026-11-24T01:00:00Z');

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  d = driver(tdb.db, createRegistry(), () => now);
  council = world.actors.city; // 行政 + 協議会事務局
  for (const name of ['就労支援部会', '権利擁護部会', '地域移行部会']) {
    const [row] = await tdb.db
      .insert(councilBodies)
      .values({ tenantId: world.tenantId, kind: 'bukai', name })
      .returning({ id: councilBodies.id });
    bukai[name] = row?.id ?? '';
  }
});
afterAll(async () => {
  await tdb.drop();
});

async function file(actor: Actor, title: string, finding = '市内に該当する事業所がない。', affectedCount = '2') {
  const res = await d.form(actor, 'kadai:new', { title, finding, affectedCount, resourceGap: '短期入所', suggestedDirection: '' });
  expect(res.fieldErrors, text(res)).toBeUndefined();
  const number = Number(/地域課題 #(\d+) を提出しました/.exec(text(res))?.[1]);
  const [row] = await tdb.db
    .select()
    .from(regionalIssues)
    .where(and(eq(regionalIssues.tenantId, world.tenantId), eq(regionalIssues.number, number)));
  if (!row) throw new Error('issue not stored');
  return row;
}
const issue = async (id: string) => (await tdb.db.select().from(regionalIssues).where(eq(regionalIssues.id, id)))[0];

describe('filing a regional issue', () => {
  it('stores and posts it de-identified: no registered name, phone number or address', async () => {
    const row = await file(
      world.actors.b,
      '医療的ケアのある方の短期入所先がない',
      '山本一郎さん（電話 03-1234-5678、緑市中央1丁目2番3号）のように、医療的ケアが必要な方の短期入所先が市内にない。',
    );
    expect(row.finding).not.toMatch(/山本|一郎|03-1234-5678|中央1丁目/);
    expect(row.finding).toContain('〔氏名〕');
    const post = (await channelPosts(tdb.db, 'council')).find((p) => p.idempotencyKey === `kadai:${row.id}:filed`);
    const payload = JSON.stringify(post?.payload);
    expect(payload).toContain('医療的ケアのある方の短期入所先がない');
    expect(payload).toContain('kadai:endorse');
    expect(payload).not.toMatch(/山本|一郎|03-1234-5678|中央1丁目/);
  });

  it('refuses an empty title or a count that is not a positive number, storing nothing', async () => {
    const before = (await tdb.db.select().from(regionalIssues)).length;
    const res = await d.form(world.actors.a, 'kadai:new', { title: '', finding: 'x', affectedCount: '0' });
    expect(Object.keys(res.fieldErrors ?? {}).sort()).toEqual(['affectedCount', 'title']);
    expect((await tdb.db.select().from(regionalIssues)).length).toBe(before);
  });
});

describe('a regional issue from 提出 to 解決', () => {
  it('walks endorsement, triage, merge, 部会, 提案, 全体会, 解決 with every step recorded and the filer notified', async () => {
    const main = await file(world.actors.b, '重度障害者の日中活動の場が足りない');
    const dup = await file(world.actors.a, '生活介護の空きがない', '重度の方の通所先が見つからない。', '3');

    // 「うちでも同じ」: another office, with its own count; again = update.
    expect(text(await d.action(world.actors.a, 'kadai:endorse', main.id))).toContain('kadai:endorse');
    expect(text(await d.form(world.actors.a, 'kadai:endorse', { count: '1' }, main.id))).toContain('「うちでも同じ」（1件）を登録しました');
    await d.form(world.actors.a2, 'kadai:endorse', { count: '2' }, main.id);
    expect(await tdb.db.select().from(regionalEndorsements).where(eq(regionalEndorsements.issueId, main.id))).toHaveLength(1);
    await d.form(world.actors.kikan, 'kadai:endorse', { count: '4' }, dup.id);

    // Triage by the 運営会議: merge the duplicate, route the main one to a 部会.
    expect(
      text(
        await d.form(world.actors.a, 'kadai:triage', { priority: 'high', routing: 'bukai', councilBodyId: bukai.地域移行部会 }, main.id),
      ),
    ).toContain('運営会議のメンバー');
    const waiting = listsOf(await d.command(council, 'kadai', '整理待ち'))[0];
    expect(waiting?.items.map((i) => i.title)).toEqual(
      expect.arrayContaining([expect.stringContaining(`#${main.number}`), expect.stringContaining(`#${dup.number}`)]),
    );
    expect(text(await d.form(council, 'kadai:merge', { target: String(main.number) }, dup.id))).toContain('統合しました');
    expect(await issue(dup.id)).toMatchObject({ status: 'merged', mergedInto: main.id });
    const merged = fieldsOf(cardOf(await d.command(world.actors.b, 'kadai', `#${main.number}`)));
    // Offices B (2), A (max of 2 and 3 from the merged filing) and the 基幹 (4, kept from the merged issue).
    expect(merged.地域での広がり).toMatch(/^3事業所・9件/);
    expect(text(await d.form(world.actors.b, 'kadai:endorse', { count: '1' }, dup.id))).toContain('統合されました');

    expect(text(await d.form(council, 'kadai:triage', { priority: 'high', routing: 'bukai', councilBodyId: '' }, main.id))).toContain(
      '専門部会を選んでください',
    );
    await d.form(
      council,
      'kadai:triage',
      { priority: 'high', routing: 'bukai', councilBodyId: bukai.地域移行部会 ?? '', note: '次回部会で検討' },
      main.id,
    );
    expect(await issue(main.id)).toMatchObject({
      status: 'triaged',
      priority: 'high',
      routing: 'bukai',
      councilBodyId: bukai.地域移行部会,
    });
    expect(text(await d.form(council, 'kadai:triage', { priority: 'low', routing: 'teireikai' }, main.id))).toContain(
      '「運営会議で整理済み」のため',
    );
    expect(text(await d.form(council, 'kadai:propose', { kind: 'policy', proposal: '早すぎる' }, main.id))).toContain('のため');

    await d.form(council, 'kadai:progress', { note: '部会で事業所アンケートを実施' }, main.id);
    expect((await issue(main.id))?.status).toBe('in_review');
    await d.form(council, 'kadai:progress', { note: 'アンケート結果を共有' }, main.id);
    await d.form(council, 'kadai:propose', { kind: 'resource', proposal: '生活介護の定員拡充を事業者に働きかける' }, main.id);
    expect(await issue(main.id)).toMatchObject({ status: 'proposed', proposalKind: 'resource' });
    expect(text(await d.form(council, 'kadai:decide', { note: '' }, `${main.id}:resolve`))).toContain('「提案」のため');
    await d.form(council, 'kadai:decide', { note: '全体会で了承' }, `${main.id}:confirm`);
    expect((await issue(main.id))?.confirmedAt).toEqual(now);
    await d.form(council, 'kadai:decide', { note: '' }, `${main.id}:resolve`);
    expect((await issue(main.id))?.status).toBe('resolved');
    expect(text(await d.form(council, 'kadai:decide', { note: '' }, `${main.id}:continue`))).toContain('「解決」のため');

    const events = await tdb.db.select().from(regionalEvents).where(eq(regionalEvents.issueId, main.id)).orderBy(regionalEvents.createdAt);
    expect(events.map((e) => e.kind)).toEqual([
      'filed',
      'endorsed',
      'endorsed',
      'absorbed',
      'triaged',
      'progress',
      'progress',
      'proposed',
      'confirmed',
      'resolved',
    ]);
    expect(events.every((e) => e.staffId && e.createdAt)).toBe(true);
    expect(events.find((e) => e.kind === 'triaged')).toMatchObject({
      staffId: council.staffId,
      fromStatus: 'submitted',
      toStatus: 'triaged',
    });
    const filerDms = await dmsTo(tdb.db, world.actors.b.staffId);
    expect(filerDms.filter((x) => x.idempotencyKey.startsWith(`kadai:${main.id}:`))).toHaveLength(events.length - 1);
    const card = cardOf(await d.command(world.actors.b, 'kadai', `#${main.number}`));
    expect(fieldsOf(card).状態).toBe('解決');
    expect(buttonsOf(card)).toEqual([]);
  });

  it('routes to the 定例会 (decided there) or back as solvable case by case', async () => {
    const shared = await file(world.actors.a, '災害時の安否確認の方法が事業所ごとにばらばら');
    await d.form(council, 'kadai:triage', { priority: 'medium', routing: 'teireikai' }, shared.id);
    expect(text(await d.form(council, 'kadai:progress', { note: 'x' }, shared.id))).toContain('のため');
    await d.form(council, 'kadai:decide', { note: '定例会で共有し、来年度も継続' }, `${shared.id}:continue`);
    expect((await issue(shared.id))?.status).toBe('continued');
    await d.form(council, 'kadai:progress', { note: '災害対策の検討を再開' }, shared.id);
    expect((await issue(shared.id))?.status).toBe('in_review');

    const small = await file(world.actors.a, '送迎の調整がつかない');
    await d.form(council, 'kadai:triage', { priority: 'low', routing: 'case_by_case', note: '個別の調整で解決できる' }, small.id);
    expect((await issue(small.id))?.status).toBe('returned');
    expect(text(await d.form(world.actors.b, 'kadai:endorse', { count: '1' }, small.id))).toContain('のため、登録できません');
  });

  it('only other offices with case roles may say うちでも同じ', async () => {
    const own = await file(world.actors.a, '夜間の相談先がない');
    expect(text(await d.form(world.actors.a2, 'kadai:endorse', { count: '1' }, own.id))).toContain('提出時の件数に含まれています');
    expect(text(await d.form(council, 'kadai:endorse', { count: '1' }, own.id))).toContain('事業所・基幹の職員');
    expect(text(await d.form(world.actors.other, 'kadai:endorse', { count: '1' }, own.id))).toContain('見つかりません');
  });
});

describe('lists', () => {
  it('by status, by 部会 and most endorsed', async () => {
    now = new Date('2026-11-26T01:00:00Z');
    const popular = await file(world.actors.b, 'グループホームの空きがない', '空きがない', '1');
    await d.form(world.actors.a, 'kadai:endorse', { count: '5' }, popular.id);
    await d.form(world.actors.kikan, 'kadai:endorse', { count: '2' }, popular.id);
    await d.form(council, 'kadai:triage', { priority: 'high', routing: 'bukai', councilBodyId: bukai.権利擁護部会 ?? '' }, popular.id);

    const endorsed = listsOf(await d.command(world.actors.a, 'kadai', '賛同順'))[0];
    expect(endorsed?.items[0]?.title).toContain(`#${popular.number}`);
    expect(endorsed?.items[0]?.description).toContain('3事業所・8件');

    const byBukai = listsOf(await d.command(world.actors.a, 'kadai', '一覧 部会'))[0];
    // Grouped by 部会 (the resolved issue of the walk-through stays under its 部会).
    expect(byBukai?.items.map((i) => i.description?.split('／')[0])).toEqual(['権利擁護部会', '地域移行部会']);

    const byStatus = listsOf(await d.command(world.actors.a, 'kadai', '一覧'))[0];
    const statuses = byStatus?.items.map((i) => i.description?.split('／')[0]) ?? [];
    expect(statuses[0]).toBe('提出（整理待ち）');
    expect(statuses).not.toContain('統合済み');
    expect(text(await d.command(world.actors.a, 'kadai', 'なにか'))).toContain('一覧 / 部会 / 賛同順');
  });
});
