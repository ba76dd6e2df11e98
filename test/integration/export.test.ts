import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, staff } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { dispatch } from '../../src/chat/dispatch';
import type { Actor, CardBlock } from '../../src/chat/types';
import { loadConfig } from '../../src/config';
import { logConsultation } from '../../src/core/consultations/log';
import { exportPerson } from '../../src/core/export/export';
import { editConsultation } from '../../src/core/versions/consultations';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
let app: App;
const now = new Date('2026-11-22T01:00:00Z');

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  app = await startApp(loadConfig({ DATABASE_URL: tdb.url, PORT: '0', DEMO_DATA: 'off', LOCAL_CHAT: 'off', SCHEDULER: 'false' }), { now: () => now });
  const saved = await logConsultation(tdb.db, world.actors.a, { personId: world.persons.yamadaTaro.id, occurredOn: '2026-11-20', method: '訪問', kind: 'モニタリング', summary: '=HYPERLINK("x") 本人と面談 "引用"' }, now);
  await editConsultation(tdb.db, world.actors.a, saved.id, { summary: '訂正後: 本人と面談<script>' }, '追記', now);
});
afterAll(async () => {
  await app?.stop();
  await tdb.drop();
});

async function linksFor(actor: Actor, text: string): Promise<{ csv: string; html: string } | string> {
  const res = await dispatch({ db: tdb.db, registry: app.registry, now: () => now }, actor, { kind: 'command', name: 'shutsuryoku', text });
  const card = res.replies[0]?.blocks[0] as CardBlock;
  if (card.type !== 'card') return JSON.stringify(res.replies);
  return { csv: card.fields[0]?.value ?? '', html: card.fields[1]?.value ?? '' };
}

describe('exporting a person’s full record', () => {
  it('CSV in UTF-8 with BOM, every version and the plan, formulas defused; only once', async () => {
    const links = await linksFor(world.actors.a, world.persons.yamadaTaro.code);
    if (typeof links === 'string') throw new Error(links);
    expect(links.csv).toMatch(/^\/export\?t=/);
    const res = await fetch(`${app.url}${links.csv}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text).toContain('"ケース番号","区分"');
    expect(text).toContain('"旧版"');
    expect(text).toContain(`"'=HYPERLINK(""x"") 本人と面談 ""引用"""`);
    expect(text).toContain('訂正後: 本人と面談<script>');
    expect(text).toContain('"計画"');
    expect(text).toContain('山田 太郎');
    const again = await fetch(`${app.url}${links.csv}`);
    expect(again.status).toBe(410);
    const audit = await tdb.db.select().from(auditLog).where(and(eq(auditLog.action, 'export'), eq(auditLog.resourceId, world.persons.yamadaTaro.id)));
    expect(audit.at(-1)?.detail).toMatchObject({ format: 'csv' });
  });

  it('a printable Japanese document, escaped, with no scripts', async () => {
    const links = await linksFor(world.actors.a, world.persons.yamadaTaro.code);
    if (typeof links === 'string') throw new Error(links);
    const res = await fetch(`${app.url}${links.html}`);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain('2026年11月20日');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
  });

  it('a forged or altered link gets nothing', async () => {
    const links = await linksFor(world.actors.a, world.persons.yamadaTaro.code);
    if (typeof links === 'string') throw new Error(links);
    const forged = links.csv.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await fetch(`${app.url}${forged}`)).status).toBe(404);
    expect((await fetch(`${app.url}/export?t=nonsense`)).status).toBe(404);
  });

  it('another office, the 基幹 and city hall may not export the person', async () => {
    for (const actor of [world.actors.b, world.actors.kikan, world.actors.city]) {
      const res = await linksFor(actor, world.persons.yamadaTaro.code);
      expect(typeof res).toBe('string');
      expect(res).toMatch(/見つかりません|権限がありません/);
    }
    await expect(exportPerson(tdb.db, world.actors.other, world.persons.yamadaTaro.id, 'csv', now)).rejects.toMatchObject({ code: 'unknown_person' });
  });

  it('the tenant export is for admins only', async () => {
    expect(await linksFor(world.actors.a2, '全件')).toContain('権限がありません');
    const [row] = await tdb.db.insert(staff).values({ tenantId: world.tenantId, officeId: world.offices.city, name: '管理者', roles: ['admin'] }).returning({ id: staff.id });
    const admin: Actor = { ...world.actors.city, staffId: row?.id ?? '', roles: ['admin'] };
    const links = await linksFor(admin, '全件');
    if (typeof links === 'string') throw new Error(links);
    const text = Buffer.from(await (await fetch(`${app.url}${links.csv}`)).arrayBuffer()).toString('utf8');
    for (const p of [world.persons.yamadaTaro, world.persons.suzukiJiro]) expect(text).toContain(`"${p.code}"`);
    expect(text).not.toContain('山田 三郎'); // the other tenant's person
    // A link outlives nothing: after the admin role is withdrawn, the download is refused.
    const later = await linksFor(admin, '全件');
    if (typeof later === 'string') throw new Error(later);
    await tdb.db.update(staff).set({ roles: ['gyosei'] }).where(eq(staff.id, admin.staffId));
    expect((await fetch(`${app.url}${later.csv}`)).status).toBe(403);
  });
});
