import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { auditLog, secondaryConsultations } from '../../db/schema/index';
import type { Actor } from '../../src/chat/types';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';
import { cardOf, channelPosts, dmsTo, driver, fieldsOf, text, type Driver } from './secondary-helpers';

let tdb: TestDatabase;
let world: World;
let d: Driver;
const now = new Date('2026-11-24T01:00:00Z');

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  d = driver(tdb.db, createRegistry(), () => now);
});
afterAll(async () => {
  await tdb.drop();
});

// A registered person's name (kanji and kana), a phone number, an address, a 和暦 birth date.
const LEAKY =
  '山田太郎さん（やまだ たろう、昭和60年4月1日生まれ）は緑市中央1丁目2番3号に住み、電話は090-1234-5678。タロウさんが訪問を拒む。';
const SECRETS = ['山田', '太郎', 'やまだ', 'たろう', 'タロウ', '090-1234-5678', '1234-5678', '昭和60年4月1日', '中央1丁目2番3号', '2番3号'];

async function request(actor: Actor, over: Record<string, string | string[]>) {
  const res = await d.form(actor, 'niji:new', {
    difficulties: ['支援拒否'],
    tried: LEAKY,
    question: LEAKY,
    urgency: 'urgent',
    helpWanted: ['助言'],
    ...over,
  });
  expect(res.fieldErrors, text(res)).toBeUndefined();
  const number = Number(/#(\d+)/.exec(text(res))?.[1]);
  const [row] = await tdb.db
    .select()
    .from(secondaryConsultations)
    .where(and(eq(secondaryConsultations.tenantId, world.tenantId), eq(secondaryConsultations.number, number)));
  if (!row) throw new Error('not stored');
  return row;
}

describe('what reaches the 基幹 channel', () => {
  it('a request whose free text holds a name, a phone number, an address and a 和暦 birth date posts none of them', async () => {
    const row = await request(world.actors.a, { person: world.persons.yamadaTaro.code });
    const posts = (await channelPosts(tdb.db, 'kikan-queue')).filter((p) => p.idempotencyKey.startsWith(`niji:${row.id}:`));
    expect(posts).toHaveLength(1);
    const payload = JSON.stringify(posts[0]?.payload);
    for (const s of SECRETS) expect(payload, s).not.toContain(s);
    expect(payload).not.toContain(world.persons.yamadaTaro.code);
    expect(payload).not.toContain(world.persons.yamadaTaro.id);
    expect(payload).toContain('〔氏名〕');
    expect(payload).toContain('【至急】二次相談');
    // No consent: not even the age band goes to the channel.
    expect(payload).not.toContain('年代');
    expect(payload).not.toContain('40代');
  });

  it('with consent the post carries the age band, still no name', async () => {
    const row = await request(world.actors.a, {
      person: world.persons.yamadaHanako.code,
      tried: '面談3回',
      question: '関わり方の助言がほしい',
    });
    const [post] = (await channelPosts(tdb.db, 'kikan-queue')).filter((p) => p.idempotencyKey === `niji:${row.id}:posted`);
    const payload = JSON.stringify(post?.payload);
    expect(payload).toContain('40代');
    expect(payload).not.toContain('花子');
    expect(payload).not.toContain(world.persons.yamadaHanako.code);
  });

  it('an anonymous description is stored de-identified', async () => {
    const row = await request(world.actors.a, { person: '', situation: `${LEAKY} 40代男性。`, ageBand: '40代', category: '知的' });
    for (const s of SECRETS) expect(row.profile?.situation ?? '', s).not.toContain(s);
    expect(row.profile).toMatchObject({ ageBand: '40代', category: '知的' });
    expect(row.personId).toBeNull();
  });
});

describe('consent decides what the 基幹 sees', () => {
  it('without consent the 基幹 sees the profile only, never the name or case code; the requester sees the person', async () => {
    const row = await request(world.actors.a, { person: world.persons.yamadaTaro.code });
    const kikanView = await d.action(world.actors.kikan, 'niji:show', row.id);
    const shown = text(kikanView);
    for (const s of SECRETS) expect(shown, s).not.toContain(s);
    expect(shown).not.toContain(world.persons.yamadaTaro.code);
    const f = fieldsOf(cardOf(kikanView));
    expect(f.ケース).toContain('非開示');
    expect(f['年代・障害種別']).toBe('40代');

    const own = fieldsOf(cardOf(await d.action(world.actors.a, 'niji:show', row.id)));
    expect(own.ケース).toBe(`山田 太郎（${world.persons.yamadaTaro.code}）`);
    expect(own.相談したいこと).toBe(LEAKY);

    // The thread travels the same way: the requester's words reach the 基幹 de-identified.
    await d.action(world.actors.kikan, 'niji:accept', row.id);
    await d.form(world.actors.a, 'niji:post', { kind: 'answer', body: '山田太郎さんの母（090-1234-5678）とも話した。' }, row.id);
    const dm = text(await dmsTo(tdb.db, world.actors.kikan.staffId, 'niji_post'));
    expect(dm).toContain('とも話した');
    for (const s of SECRETS) expect(dm, s).not.toContain(s);

    const views = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceId, row.id), eq(auditLog.action, 'view')));
    const seen = views.map((v) => [v.actorStaffId, (v.detail as { identity: boolean }).identity]);
    // Every card shown is a view: opening it, and the card after 受付 and after the post.
    expect(seen.slice(0, 2)).toEqual([
      [world.actors.kikan.staffId, false],
      [world.actors.a.staffId, true],
    ]);
    expect(seen.filter(([who]) => who === world.actors.kikan.staffId).every(([, identity]) => identity === false)).toBe(true);
  });

  it('with consent the 基幹 sees who the person is', async () => {
    const row = await request(world.actors.a, { person: world.persons.yamadaHanako.code, tried: '面談3回', question: '助言がほしい' });
    const f = fieldsOf(cardOf(await d.action(world.actors.kikan, 'niji:show', row.id)));
    expect(f.ケース).toBe(`山田 花子（${world.persons.yamadaHanako.code}）`);
  });

  it('staff of another office who cannot take requests do not see the request at all', async () => {
    const row = await request(world.actors.a, { person: world.persons.yamadaTaro.code });
    expect(text(await d.action(world.actors.b, 'niji:show', row.id))).toContain('見つかりません');
    expect(text(await d.action(world.actors.other, 'niji:show', row.id))).toContain('見つかりません');
  });
});
