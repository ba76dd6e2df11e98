import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { auditLog, deliveries, regionalIssues, secondaryConsultations, secondaryPosts } from '../../db/schema/index';
import type { Actor } from '../../src/chat/types';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';
import { addStaff, buttonsOf, cardOf, channelPosts, dmsTo, driver, fieldsOf, listsOf, text, type Driver } from './secondary-helpers';

let tdb: TestDatabase;
let world: World;
let d: Driver;
let kikan2: Actor;
let chiefB: Actor;
let now = new Date('2026-11-24T01:00:00Z'); // Tuesday 10:00 JST

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  d = driver(tdb.db, createRegistry(), () => now);
  kikan2 = await addStaff(tdb.db, world.actors.kikan, '基幹職員2', ['kikan']);
  chiefB = await addStaff(tdb.db, world.actors.b, '主任B', ['counselor', 'chief']);
});
afterAll(async () => {
  await tdb.drop();
});

const request = (over: Record<string, string | string[]> = {}) => ({
  person: world.persons.yamadaHanako.code,
  difficulties: ['支援拒否', '家族関係'],
  tried: '本人・家族と3回面談した。',
  question: '訪問を拒まれている。関わり方の助言がほしい。',
  urgency: 'normal',
  helpWanted: ['助言', '同行訪問'],
  ...over,
});

async function newRequest(actor: Actor = world.actors.a, over: Record<string, string | string[]> = {}) {
  const res = await d.form(actor, 'niji:new', request(over));
  expect(res.fieldErrors, text(res)).toBeUndefined();
  const number = Number(/二次相談 #(\d+) を依頼しました/.exec(text(res))?.[1]);
  const [row] = await tdb.db
    .select()
    .from(secondaryConsultations)
    .where(and(eq(secondaryConsultations.tenantId, world.tenantId), eq(secondaryConsultations.number, number)));
  if (!row) throw new Error('request not stored');
  return row;
}

const statusOf = async (id: string) => (await tdb.db.select().from(secondaryConsultations).where(eq(secondaryConsultations.id, id)))[0];

describe('a secondary consultation from request to closing', () => {
  it('walks 依頼 → 受付 → 対応中 → 終結, notifying both sides and keeping the thread', async () => {
    const form = await d.command(world.actors.a, 'niji', '');
    expect(text(form)).toContain('niji:new');

    const req = await newRequest();
    expect(req).toMatchObject({
      status: 'requested',
      requesterId: world.actors.a.staffId,
      urgency: 'normal',
      personId: world.persons.yamadaHanako.id,
    });
    expect(req.profile).toMatchObject({ ageBand: '40代' });
    const queuePost = (await channelPosts(tdb.db, 'kikan-queue')).find((p) => p.idempotencyKey === `niji:${req.id}:posted`);
    expect(queuePost?.kind).toBe('niji_posted');
    expect(JSON.stringify(queuePost?.payload)).toContain('niji:accept');

    const accepted = await d.action(world.actors.kikan, 'niji:accept', req.id);
    expect(text(accepted)).toContain(`二次相談 #${req.number} を受付しました`);
    expect(await statusOf(req.id)).toMatchObject({ status: 'accepted', takenBy: world.actors.kikan.staffId });
    expect(await dmsTo(tdb.db, world.actors.a.staffId, 'niji_accepted')).toHaveLength(1);

    const advice = await d.form(world.actors.kikan, 'niji:post', { kind: 'advice', body: '短時間の訪問から再開してはどうか。' }, req.id);
    expect(advice.fieldErrors).toBeUndefined();
    expect((await statusOf(req.id))?.status).toBe('in_progress');
    expect(text(await dmsTo(tdb.db, world.actors.a.staffId, 'niji_post'))).toContain('短時間の訪問');

    const answer = await d.form(world.actors.a, 'niji:post', { kind: 'answer', body: '10分の訪問はできた。' }, req.id);
    expect(answer.fieldErrors).toBeUndefined();
    expect(text(await dmsTo(tdb.db, world.actors.kikan.staffId, 'niji_post'))).toContain('10分の訪問');

    const attach = await d.form(world.actors.a, 'niji:post', { kind: 'attachment', body: 'アセスメントシート（3枚）を紙で送付' }, req.id);
    expect(attach.fieldErrors).toBeUndefined();

    const closeForm = await d.action(world.actors.kikan, 'niji:close', req.id);
    expect(text(closeForm)).toContain('同行訪問実施');
    const closed = await d.form(
      world.actors.kikan,
      'niji:close',
      { outcome: '助言で解決', summary: '訪問再開できた。', regional: 'no' },
      req.id,
    );
    expect(text(closed)).toContain('終結しました');
    expect(await statusOf(req.id)).toMatchObject({ status: 'closed', outcome: '助言で解決' });
    expect(await dmsTo(tdb.db, world.actors.a.staffId, 'niji_closed')).toHaveLength(1);

    const thread = await tdb.db
      .select()
      .from(secondaryPosts)
      .where(eq(secondaryPosts.secondaryId, req.id))
      .orderBy(secondaryPosts.createdAt);
    expect(thread.map((p) => p.kind)).toEqual(['transition', 'transition', 'transition', 'advice', 'answer', 'attachment', 'transition']);
    const audits = await tdb.db.select().from(auditLog).where(eq(auditLog.resourceId, req.id));
    expect(audits.filter((a) => a.action === 'update').map((a) => (a.detail as { step: string }).step)).toEqual([
      'accept',
      'start',
      'post',
      'post',
      'post',
      'close',
    ]);
    expect(audits.some((a) => a.action === 'create')).toBe(true);

    const card = cardOf(await d.command(world.actors.a, 'niji', `#${req.number}`));
    expect(fieldsOf(card).結果).toBe('助言で解決');
    expect(buttonsOf(card)).toEqual([]);
  });

  it('the taker can mark 対応中 with a button, and closing can file a de-identified regional issue', async () => {
    const req = await newRequest(world.actors.a, { person: world.persons.yamadaTaro.code });
    await d.action(world.actors.kikan, 'niji:accept', req.id);
    expect(buttonsOf(cardOf(await d.action(world.actors.kikan, 'niji:show', req.id)))).toContain('niji:start');
    expect(text(await d.action(world.actors.kikan, 'niji:start', req.id))).toContain('対応中にしました');
    expect((await statusOf(req.id))?.status).toBe('in_progress');
    const closed = await d.form(
      world.actors.kikan,
      'niji:close',
      {
        outcome: '個別事例連携会議へ',
        summary: '',
        regional: 'yes',
        regionalTitle: '夜間の緊急時に相談できる先がない',
        regionalFinding: '山田太郎さんのように夜間に混乱する方の相談先がない。',
        regionalGap: '夜間の相談窓口',
        regionalDirection: '',
      },
      req.id,
    );
    expect(text(closed)).toMatch(/地域課題 #\d+ として提出しました/);
    const row = await statusOf(req.id);
    const [issue] = await tdb.db
      .select()
      .from(regionalIssues)
      .where(eq(regionalIssues.id, row?.regionalIssueId ?? ''));
    expect(issue).toMatchObject({ sourceSecondaryId: req.id, status: 'submitted', filedBy: world.actors.kikan.staffId });
    expect(issue?.finding).not.toMatch(/山田|太郎/);
    expect(issue?.finding).toContain('〔氏名〕');
  });
});

describe('refused transitions', () => {
  it('only 基幹 staff or a 主任 may take, never the requester, and only while 依頼', async () => {
    const req = await newRequest();
    expect(text(await d.action(world.actors.b, 'niji:accept', req.id))).toContain('基幹相談支援センターの職員か主任相談支援専門員');
    expect(text(await d.action(world.actors.city, 'niji:accept', req.id))).toContain('主任相談支援専門員');
    expect(text(await d.action(world.actors.other, 'niji:accept', req.id))).toContain('見つかりません');
    expect((await statusOf(req.id))?.status).toBe('requested');

    const own = await newRequest(chiefB, { person: world.persons.suzukiJiro.code });
    expect(text(await d.action(chiefB, 'niji:accept', own.id))).toContain('自分が出した二次相談は受付できません');

    expect(text(await d.action(chiefB, 'niji:accept', req.id))).toContain('受付しました');
    expect(text(await d.action(world.actors.kikan, 'niji:accept', req.id))).toContain('すでに受付済みです（担当: 主任B）');
    expect((await statusOf(req.id))?.takenBy).toBe(chiefB.staffId);
  });

  it('only the taker or the requester may post, only the taker starts and closes, and nothing moves after 終結', async () => {
    const req = await newRequest();
    expect(text(await d.form(world.actors.a, 'niji:post', { kind: 'question', body: 'まだ受付前' }, req.id))).toContain('「依頼」のため');
    expect(text(await d.action(world.actors.kikan, 'niji:close', req.id))).toContain('終結できるのは受付した担当者だけ');
    await d.action(world.actors.kikan, 'niji:accept', req.id);

    expect(text(await d.form(world.actors.b, 'niji:post', { kind: 'question', body: '横から' }, req.id))).toContain(
      '依頼者と受付した担当者だけ',
    );
    expect(text(await d.form(kikan2, 'niji:post', { kind: 'advice', body: '横から' }, req.id))).toContain('依頼者と受付した担当者だけ');
    expect(text(await d.form(world.actors.a, 'niji:post', { kind: 'advice', body: '依頼者は助言を書けない' }, req.id))).toContain(
      '種類を選び直して',
    );
    expect(text(await d.action(kikan2, 'niji:start', req.id))).toContain('受付した担当者だけ');
    expect(text(await d.form(world.actors.a, 'niji:close', { outcome: '助言で解決' }, req.id))).toContain(
      '終結できるのは受付した担当者だけ',
    );
    expect(text(await d.form(kikan2, 'niji:close', { outcome: '助言で解決' }, req.id))).toContain('終結できるのは受付した担当者だけ');
    expect(text(await d.form(world.actors.kikan, 'niji:close', { outcome: '解決した気がする' }, req.id))).toContain('結果を選んでください');

    await d.action(world.actors.kikan, 'niji:start', req.id);
    expect(text(await d.action(world.actors.kikan, 'niji:start', req.id))).toContain('「対応中」のため');
    expect(text(await d.form(world.actors.kikan, 'niji:close', { outcome: '事例検討へ' }, req.id))).toContain('終結しました');
    expect(text(await d.form(world.actors.kikan, 'niji:close', { outcome: '事例検討へ' }, req.id))).toContain('「終結」のため');
    expect(text(await d.form(world.actors.a, 'niji:post', { kind: 'question', body: '終結後' }, req.id))).toContain('「終結」のため');
    expect(text(await d.action(world.actors.kikan, 'niji:accept', req.id))).toContain('「終結」のため');
    expect((await statusOf(req.id))?.outcome).toBe('事例検討へ');
  });

  it('a city official without a case role may not request, and a bad form stores nothing', async () => {
    const before = (await tdb.db.select().from(secondaryConsultations)).length;
    expect(text(await d.form(world.actors.city, 'niji:new', request({ person: '', situation: '40代男性' })))).toContain('権限がありません');
    const bad = await d.form(world.actors.a, 'niji:new', request({ difficulties: [], question: '', person: '', situation: '' }));
    expect(Object.keys(bad.fieldErrors ?? {}).sort()).toEqual(['difficulties', 'question', 'situation']);
    const otherOffice = await d.form(world.actors.a, 'niji:new', request({ person: world.persons.suzukiJiro.code }));
    expect(otherOffice.fieldErrors?.person).toContain('見つかりません');
    expect((await tdb.db.select().from(secondaryConsultations)).length).toBe(before);
  });
});

describe('two staff pressing 受付 at the same moment', () => {
  it('exactly one wins; the other is told who took it', async () => {
    for (let round = 0; round < 5; round++) {
      const req = await newRequest();
      const [x, y] = await Promise.all([d.action(world.actors.kikan, 'niji:accept', req.id), d.action(kikan2, 'niji:accept', req.id)]);
      const wins = [x, y].filter((r) => text(r).includes('受付しました'));
      const losses = [x, y].filter((r) => text(r).includes('すでに受付済みです'));
      expect(wins).toHaveLength(1);
      expect(losses).toHaveLength(1);
      const row = await statusOf(req.id);
      expect([world.actors.kikan.staffId, kikan2.staffId]).toContain(row?.takenBy);
      const notices = await tdb.db
        .select()
        .from(deliveries)
        .where(and(eq(deliveries.kind, 'niji_accepted'), eq(deliveries.recipientId, world.actors.a.staffId)));
      expect(notices.filter((n) => n.idempotencyKey.startsWith(`niji:${req.id}:`))).toHaveLength(1);
      const posts = await tdb.db.select().from(secondaryPosts).where(eq(secondaryPosts.secondaryId, req.id));
      expect(posts.filter((p) => p.body === '受付')).toHaveLength(1);
    }
  });
});

describe('lists', () => {
  it('「一覧」 shows my open requests, and the 基幹 also sees its queue; 「受付待ち」 puts 至急 first, then the oldest', async () => {
    now = new Date('2026-11-25T00:30:00Z');
    const older = await newRequest(world.actors.a2, { person: '', situation: '30代の方。家族と同居。', ageBand: '30代' });
    now = new Date('2026-11-25T01:00:00Z');
    const urgent = await newRequest(world.actors.a2, { person: '', situation: '20代の方。', urgency: 'urgent' });
    now = new Date('2026-11-25T03:00:00Z');

    const mine = listsOf(await d.command(world.actors.a2, 'niji', '一覧'));
    expect(mine).toHaveLength(1);
    expect(mine[0]?.items.map((i) => i.title)).toEqual([`#${urgent.number}【至急】 依頼`, `#${older.number} 依頼`]);

    const kikanLists = listsOf(await d.command(world.actors.kikan, 'niji', '一覧'));
    expect(kikanLists).toHaveLength(2);
    const queue = listsOf(await d.command(world.actors.kikan, 'niji', '受付待ち'))[0];
    const numbers = queue?.items.map((i) => Number(/#(\d+)/.exec(i.title)?.[1])) ?? [];
    expect(numbers[0]).toBe(urgent.number);
    const normal = numbers.slice(1);
    expect(normal).toEqual([...normal].sort((p, q) => p - q));
    expect(queue?.items[0]?.description).toContain('業務時間で2時間待ち');

    expect(text(await d.command(world.actors.b, 'niji', '受付待ち'))).toContain('主任相談支援専門員が見られます');
  });
});
