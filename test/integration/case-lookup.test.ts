import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { auditLog, consultations } from '../../db/schema/index';
import { MONITORING_KIND } from '../../src/core/vocabulary';
import { dispatch } from '../../src/chat/dispatch';
import type { Actor, CardBlock, ListBlock, Reply } from '../../src/chat/types';
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

async function ask(actor: Actor, text: string): Promise<Reply[]> {
  return (await dispatch({ db: tdb.db, registry, now: () => now }, actor, { kind: 'command', name: 'case', text })).replies;
}

function cardOf(replies: Reply[]): CardBlock | undefined {
  return replies.flatMap((r) => r.blocks).find((b): b is CardBlock => b.type === 'card');
}
function listOf(replies: Reply[]): ListBlock | undefined {
  return replies.flatMap((r) => r.blocks).find((b): b is ListBlock => b.type === 'list');
}
function allText(replies: Reply[]): string {
  return JSON.stringify(replies);
}

describe('case lookup', () => {
  it('finds own office persons by partial name and lists them when several match', async () => {
    const replies = await ask(world.actors.a, '山田');
    const list = listOf(replies);
    expect(list?.items.map((i) => i.title).sort()).toEqual(['山田 太郎', '山田 花子']);
    expect(replies.every((r) => r.visibility === 'ephemeral')).toBe(true);
  });

  it('finds a person by kana, katakana, half-width kana and case code', async () => {
    for (const q of [
      'やまだたろう',
      'ヤマダ タロウ',
      'ﾔﾏﾀﾞﾀﾛｳ',
      world.persons.yamadaTaro.code,
      world.persons.yamadaTaro.code.toLowerCase().replace('-', ''),
    ]) {
      const card = cardOf(await ask(world.actors.a, q));
      expect(card?.title, q).toBe('山田 太郎');
    }
  });

  it('shows the next monitoring month, the certificate and the counselor on the card', async () => {
    const card = cardOf(await ask(world.actors.a, '山田太郎'));
    const fields = Object.fromEntries(card?.fields.map((f) => [f.label, f.value]) ?? []);
    expect(fields.次回モニタリング).toContain('2026年12月');
    expect(fields.次回モニタリング).toContain('3か月ごと');
    expect(fields.次回モニタリング).toContain('未実施: 2026年6月、2026年9月');
    expect(fields.受給者証).toContain('2027年3月31日');
    expect(fields.担当).toContain('職員A');
  });

  it("counts only the person's own monitoring records of the plan's period as done", async () => {
    const a = world.actors.a;
    const record = (personId: string, occurredOn: string) => ({
      tenantId: a.tenantId,
      officeId: a.officeId,
      staffId: a.staffId,
      personId,
      occurredOn,
      method: '訪問',
      kind: MONITORING_KIND,
      summary: 'モニタリング実施',
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    // 花子's September visit must not mark 太郎's September as done; 太郎's June visit does.
    const rows = await tdb.db
      .insert(consultations)
      .values([record(world.persons.yamadaHanako.id, '2026-09-10'), record(world.persons.yamadaTaro.id, '2026-06-15')])
      .returning({ id: consultations.id });
    try {
      const card = cardOf(await ask(a, '山田太郎'));
      const fields = Object.fromEntries(card?.fields.map((f) => [f.label, f.value]) ?? []);
      expect(fields.次回モニタリング).toContain('未実施: 2026年9月');
      expect(fields.次回モニタリング).not.toContain('2026年6月');
    } finally {
      await tdb.db.delete(consultations).where(
        inArray(
          consultations.id,
          rows.map((r) => r.id),
        ),
      );
    }
  });

  it('suggests close names when nothing matches exactly', async () => {
    const list = listOf(await ask(world.actors.a, '山田太朗'));
    expect(list?.title).toContain('もしかして');
    expect(list?.items.map((i) => i.title)).toContain('山田 太郎');
  });

  it('a staff member of office A cannot see office B persons, even by exact code', async () => {
    expect(allText(await ask(world.actors.a, '山本'))).not.toContain('一郎');
    expect(cardOf(await ask(world.actors.a, world.persons.yamamotoIchiro.code))).toBeUndefined();
    const byId = await dispatch({ db: tdb.db, registry, now: () => now }, world.actors.a, {
      kind: 'action',
      id: 'case:show',
      value: world.persons.yamamotoIchiro.id,
    });
    expect(allText(byId.replies)).toContain('見つかりません');
    expect(allText(byId.replies)).not.toContain('山本');
  });

  it('the 基幹 sees a person of another office only with consent', async () => {
    const consented = cardOf(await ask(world.actors.kikan, '山本一郎'));
    expect(consented?.title).toBe('山本 一郎');
    expect(consented?.subtitle).toContain('同意に基づく閲覧');
    expect(cardOf(await ask(world.actors.kikan, '鈴木'))).toBeUndefined();
    expect(cardOf(await ask(world.actors.kikan, world.persons.yamadaTaro.code))).toBeUndefined();
    const list = await ask(world.actors.kikan, '山田');
    expect(allText(list)).toContain('花子');
    expect(allText(list)).not.toContain('太郎');
  });

  it('city officials and other tenants see no case data', async () => {
    expect(allText(await ask(world.actors.city, '山田'))).toContain('見つかりません');
    const other = await ask(world.actors.other, '山田');
    expect(cardOf(other)?.title).toBe('山田 三郎');
    expect(allText(other)).not.toContain('太郎');
  });

  it('every search and every view writes an audit row without the query text', async () => {
    const before = await tdb.db.select().from(auditLog).where(eq(auditLog.tenantId, world.tenantId));
    await ask(world.actors.a, '山田太郎');
    const after = await tdb.db.select().from(auditLog).where(eq(auditLog.tenantId, world.tenantId));
    const fresh = after.filter((r) => !before.some((b) => b.id === r.id));
    expect(fresh.map((r) => r.action).sort()).toEqual(['search', 'view']);
    const view = fresh.find((r) => r.action === 'view');
    expect(view?.resourceId).toBe(world.persons.yamadaTaro.id);
    expect(view?.actorStaffId).toBe(world.actors.a.staffId);
    expect(view?.detail).toEqual({ grant: 'own_office' });
    expect(JSON.stringify(fresh)).not.toContain('山田');
  });

  it('audit rows form an unbroken chain per tenant', async () => {
    const rows = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, world.tenantId)))
      .orderBy(auditLog.seq);
    expect(rows.length).toBeGreaterThan(3);
    rows.forEach((r, i) => {
      expect(r.seq).toBe(i + 1);
      if (i > 0) expect(r.prevHash).toBe(rows[i - 1]?.hash);
    });
  });

  it('an empty or too long query gets a polite Japanese message', async () => {
    expect(allText(await ask(world.actors.a, ''))).toContain('氏名');
    expect(allText(await ask(world.actors.a, 'あ'.repeat(200)))).toContain('長すぎます');
  });
});
