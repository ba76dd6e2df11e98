import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { actionItems, auditLog, minutes, regionalEndorsements, regionalIssues, reminders } from '../../db/schema/index';
import { dispatch, type DispatchResult } from '../../src/chat/dispatch';
import type { Actor, CardBlock, Input, ListBlock } from '../../src/chat/types';
import { createMeeting, ensureBody } from '../../src/core/meetings/schedule';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
const registry = createRegistry();
const now = new Date('2026-11-22T01:00:00Z'); // Sunday 22 November 2026, 10:00 JST
let previousId: string;
let nextId: string;

const run = (actor: Actor, input: Input): Promise<DispatchResult> => dispatch({ db: tdb.db, registry, now: () => now }, actor, input);
const lists = (r: DispatchResult) => r.replies.flatMap((x) => x.blocks).filter((b): b is ListBlock => b.type === 'list');
const cards = (r: DispatchResult) => r.replies.flatMap((x) => x.blocks).filter((b): b is CardBlock => b.type === 'card');
const minutesForm = (actor: Actor, meetingId: string, actionItemsText: string) =>
  run(actor, {
    kind: 'form',
    formId: 'kaigi:minutes',
    context: meetingId,
    values: { summary: '地域課題3件を整理した。', decisions: '就労アンケートを実施する。', actionItems: actionItemsText },
  });

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  const city = world.actors.city;
  const base = {
    kind: 'unei' as const,
    bodyName: null,
    place: '市役所',
    start: { hour: 14, minute: 0 },
    end: null,
    attendeeIds: [city.staffId, world.actors.kikan.staffId],
  };
  previousId = (await createMeeting(tdb.db, city, { ...base, title: '第7回 運営会議', date: '2026-10-26' }, now)).id;
  nextId = (await createMeeting(tdb.db, city, { ...base, title: '第8回 運営会議', date: '2026-11-30' }, now)).id;
  const shuro = await ensureBody(tdb.db, world.tenantId, 'bukai', '就労支援部会');
  const kenri = await ensureBody(tdb.db, world.tenantId, 'bukai', '権利擁護部会');
  const issue = (number: number, title: string, status: string, extra: Partial<typeof regionalIssues.$inferInsert> = {}) => ({
    tenantId: world.tenantId,
    number,
    title,
    finding: '匿名化済みの所見',
    status,
    filedBy: world.actors.a.staffId,
    filedByOffice: world.offices.a,
    affectedCount: 2,
    createdAt: now,
    updatedAt: now,
    ...extra,
  });
  const rows = await tdb.db
    .insert(regionalIssues)
    .values([
      issue(1, '夜間の移動支援が足りない', 'submitted'),
      issue(2, '医療的ケア児の短期入所先がない', 'submitted'),
      issue(3, '就労定着支援の担い手不足', 'triaged', { councilBodyId: shuro, routing: 'bukai', priority: 'medium' }),
      issue(8, '就労アセスメントの場が足りない', 'in_review', { councilBodyId: shuro, routing: 'bukai', priority: 'high' }),
      issue(4, '成年後見の申立て支援', 'in_review', { councilBodyId: kenri }),
      issue(5, '事業所間の情報共有', 'triaged', { routing: 'teireikai' }),
      issue(6, '解決済みの課題', 'resolved', { councilBodyId: shuro }),
      issue(7, '統合された課題', 'merged'),
    ])
    .returning({ id: regionalIssues.id, number: regionalIssues.number });
  const first = rows.find((r) => r.number === 1);
  await tdb.db.insert(regionalEndorsements).values([
    {
      tenantId: world.tenantId,
      issueId: first?.id ?? '',
      officeId: world.offices.b,
      staffId: world.actors.b.staffId,
      count: 3,
      createdAt: now,
    },
  ]);
});
afterAll(async () => {
  await tdb.drop();
});

describe('minutes with action items', () => {
  it('bad action lines are named by line number and nothing is stored', async () => {
    const text = ['アンケート案の作成 / 基幹職員 / 12/10', '会場の確保 / 存在しない人 / 12/1', '', '名簿整理 / 市職員 / 12月40日'].join(
      '\n',
    );
    const res = await minutesForm(world.actors.city, previousId, text);
    const message = JSON.stringify(res.replies);
    expect(message).toContain('2行目: 担当者「存在しない人」が職員として登録されていません');
    expect(message).toContain('4行目: 期限「12月40日」を日付として読み取れませんでした');
    expect(message).toContain('何も登録していません');
    expect(res.fieldErrors?.actionItems?.split('\n')).toHaveLength(2);
    expect(await tdb.db.select().from(minutes)).toHaveLength(0);
    expect(await tdb.db.select().from(actionItems)).toHaveLength(0);
  });

  it('clean minutes store the action items with reminders for their owners', async () => {
    const res = await minutesForm(
      world.actors.city,
      previousId,
      'アンケート案の作成 / 基幹職員 / 12/10\n研修日程の調整 ／ 市職員 ／ 2026-12-06',
    );
    expect(JSON.stringify(res.replies)).toContain('宿題2件');
    const items = await tdb.db.select().from(actionItems).where(eq(actionItems.meetingId, previousId));
    expect(items.map((i) => [i.description, i.ownerId, i.dueOn]).sort()).toEqual([
      ['アンケート案の作成', world.actors.kikan.staffId, '2026-12-10'],
      ['研修日程の調整', world.actors.city.staffId, '2026-12-06'],
    ]);
    const rem = await tdb.db.select().from(reminders).where(eq(reminders.kind, 'action_item'));
    // 12/6 is a Sunday: its reminder comes on Friday 12/4.
    expect(rem.map((r) => [r.key, r.recipientId, r.dueOn]).sort()).toEqual(
      items.map((i) => [`action_item:${i.id}`, i.ownerId, i.dueOn === '2026-12-06' ? '2026-12-04' : i.dueOn]).sort(),
    );
    const audit = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceType, 'minutes'), eq(auditLog.action, 'create')));
    expect(audit[0]?.detail).toMatchObject({ meetingId: previousId, actionItems: 2 });
    const again = await minutesForm(world.actors.city, previousId, '');
    expect(JSON.stringify(again.replies)).toContain('すでに登録されています');
  });

  it('an owner from another office completes their item without seeing the meeting', async () => {
    const city = world.actors.city;
    const m = await createMeeting(
      tdb.db,
      city,
      {
        kind: 'jimukyoku',
        bodyName: null,
        title: '11月 事務局会議',
        date: '2026-11-02',
        start: { hour: 10, minute: 0 },
        end: null,
        place: null,
        attendeeIds: [city.staffId],
      },
      now,
    );
    await minutesForm(city, m.id, '事業所アンケートの回答 / 職員A / 12/4');
    const [item] = await tdb.db.select().from(actionItems).where(eq(actionItems.meetingId, m.id));
    expect(JSON.stringify((await run(world.actors.a, { kind: 'action', id: 'kaigi:show', value: m.id })).replies)).toContain(
      '見つかりません',
    );
    const res = await run(world.actors.a, { kind: 'action', id: 'kaigi:done', value: item?.id ?? '' });
    expect(JSON.stringify(res.replies)).toContain('完了にしました');
  });

  it('minutes of a meeting not yet held are refused', async () => {
    const res = await minutesForm(world.actors.city, nextId, '');
    expect(JSON.stringify(res.replies)).toContain('まだ開催されていない会議');
  });
});

describe('運営会議 agenda', () => {
  it("lists issues waiting for triage, those in progress by 部会, and last meeting's open action items", async () => {
    const res = await run(world.actors.city, { kind: 'command', name: 'kaigi', text: '議題' });
    const text = JSON.stringify(res.replies);
    expect(cards(res)[0]?.title).toBe('第8回 運営会議 議題');
    const byTitle = Object.fromEntries(lists(res).map((l) => [l.title ?? '', l.items]));
    const waiting = Object.entries(byTitle).find(([t]) => t.includes('整理待ち'))?.[1];
    expect(waiting?.map((i) => i.title)).toEqual(['#1 夜間の移動支援が足りない', '#2 医療的ケア児の短期入所先がない']);
    expect(waiting?.[0]?.description).toContain('影響ケース5件・2事業所');
    expect(byTitle['就労支援部会（2件）']?.map((i) => i.title)).toEqual([
      '#8 就労アセスメントの場が足りない',
      '#3 就労定着支援の担い手不足',
    ]);
    expect(byTitle['就労支援部会（2件）']?.[0]?.description).toBe('部会で検討中・優先度 高・影響ケース2件・1事業所');
    expect(byTitle['権利擁護部会（1件）']?.map((i) => i.title)).toEqual(['#4 成年後見の申立て支援']);
    expect(byTitle['定例会で共有（1件）']?.map((i) => i.title)).toEqual(['#5 事業所間の情報共有']);
    expect(text).not.toContain('解決済みの課題');
    expect(text).not.toContain('統合された課題');
    expect(byTitle.未完了の宿題?.map((i) => i.title).sort()).toEqual(['アンケート案の作成', '研修日程の調整']);
    expect(text).toContain('未確認（この会議で確認します）');
  });

  it('an action item marked 完了 by its owner leaves the agenda and its reminder', async () => {
    const [item] = await tdb.db.select().from(actionItems).where(eq(actionItems.description, 'アンケート案の作成'));
    const refused = await run(world.actors.a, { kind: 'action', id: 'kaigi:done', value: item?.id ?? '' });
    expect(JSON.stringify(refused.replies)).toMatch(/見つかりません|完了にできるのは/);
    const res = await run(world.actors.kikan, { kind: 'action', id: 'kaigi:done', value: item?.id ?? '' });
    expect(JSON.stringify(res.replies)).toContain('完了にしました');
    const [rem] = await tdb.db
      .select()
      .from(reminders)
      .where(eq(reminders.key, `action_item:${item?.id}`));
    expect(rem?.status).toBe('done');
    const agenda = await run(world.actors.city, { kind: 'action', id: 'kaigi:agenda', value: nextId });
    const open = lists(agenda).find((l) => l.title === '未完了の宿題');
    expect(open?.items.map((i) => i.title)).toEqual(['研修日程の調整']);
    expect(JSON.stringify(agenda.replies)).toContain('未完了 1件・完了 1件');
  });

  it('the secretariat marks the previous minutes as checked at the next meeting', async () => {
    const res = await run(world.actors.city, { kind: 'action', id: 'kaigi:confirm', value: previousId });
    expect(JSON.stringify(res.replies)).toContain('確認済みにしました');
    const agenda = await run(world.actors.city, { kind: 'command', name: 'kaigi', text: '議題' });
    expect(JSON.stringify(cards(agenda))).toContain('"value":"確認済み"');
  });

  it('a counselor who does not attend the 運営会議 cannot open its agenda', async () => {
    const res = await run(world.actors.a, { kind: 'command', name: 'kaigi', text: '議題' });
    expect(JSON.stringify(res.replies)).toContain('見つかりません');
  });
});
