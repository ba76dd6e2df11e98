import fs from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, regionalIssues, secondaryConsultations, secondaryPosts, staff } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { dispatch } from '../../src/chat/dispatch';
import type { Actor, LinksBlock } from '../../src/chat/types';
import { loadConfig } from '../../src/config';
import { logConsultation } from '../../src/core/consultations/log';
import { exportPerson } from '../../src/core/export/export';
import { editConsultation } from '../../src/core/versions/consultations';
import { decodeCsv } from '../../src/core/export/encoding';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { embeddedFonts, pdfPages } from '../helpers/pdf';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
let app: App;
const now = new Date('2026-11-22T01:00:00Z');

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  app = await startApp(loadConfig({ DATABASE_URL: tdb.url, PORT: '0', DEMO_DATA: 'off', LOCAL_CHAT: 'off', SCHEDULER: 'false' }), {
    now: () => now,
  });
  const saved = await logConsultation(
    tdb.db,
    world.actors.a,
    {
      personId: world.persons.yamadaTaro.id,
      occurredOn: '2026-11-20',
      method: '訪問',
      kind: 'モニタリング',
      summary: '=HYPERLINK("x") 本人と面談 "引用"',
    },
    now,
  );
  await editConsultation(tdb.db, world.actors.a, saved.id, { summary: '訂正後: 本人と面談<script>' }, '追記', now);
});
afterAll(async () => {
  await app?.stop();
  await tdb.drop();
});

type Links = { csv: string; sjis: string; html: string; pdf: string };
async function linksFor(actor: Actor, text: string): Promise<Links | string> {
  const res = await dispatch({ db: tdb.db, registry: app.registry, now: () => now }, actor, { kind: 'command', name: 'shutsuryoku', text });
  const block = res.replies[0]?.blocks[0] as LinksBlock;
  if (block.type !== 'links') return JSON.stringify(res.replies);
  const url = (label: string) => block.links.find((l) => l.label.startsWith(label))?.url ?? '';
  return {
    csv: url('Excel用CSV（UTF-8）'),
    sjis: url('Excel用CSV（Shift_JIS）'),
    html: url('スマートフォンで読む'),
    pdf: url('印刷用PDF'),
  };
}

describe('exporting a person’s full record', () => {
  it('CSV in UTF-8 with BOM, every version and the plan, formulas defused; only once', async () => {
    const links = await linksFor(world.actors.a, world.persons.yamadaTaro.code);
    if (typeof links === 'string') throw new Error(links);
    expect(links.csv).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/export\?t=/);
    const res = await fetch(links.csv);
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
    const again = await fetch(links.csv);
    expect(again.status).toBe(410);
    const audit = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'export'), eq(auditLog.resourceId, world.persons.yamadaTaro.id)));
    expect(audit.at(-1)?.detail).toMatchObject({ format: 'csv' });
  });

  it('a printable Japanese document, escaped, with no scripts', async () => {
    const links = await linksFor(world.actors.a, world.persons.yamadaTaro.code);
    if (typeof links === 'string') throw new Error(links);
    const res = await fetch(links.html);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain('2026年11月20日');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
  });

  it('Shift_JIS for Excel: the same cells, read back from the bytes', async () => {
    const links = await linksFor(world.actors.a, world.persons.yamadaTaro.code);
    if (typeof links === 'string') throw new Error(links);
    const res = await fetch(links.sjis);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=Shift_JIS');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename=".+_sjis\.csv"/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
    const read = decodeCsv(bytes);
    expect(read.encoding).toBe('cp932');
    expect(read.text).toContain('"ケース番号","区分"');
    expect(read.text).toContain('山田 太郎');
    expect(read.text).toContain('訂正後: 本人と面談<script>');
  });

  it('a paginated A4 PDF: tenant, case code, time of output in JST and who produced it on every page; fonts embedded', async () => {
    const links = await linksFor(world.actors.a, world.persons.yamadaTaro.code);
    if (typeof links === 'string') throw new Error(links);
    const res = await fetch(links.pdf);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toMatch(/^inline; filename="C-\d+_2026-11-22\.pdf"$/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
    // A4 portrait: 595.28 × 841.89 points.
    expect(Buffer.from(bytes).toString('latin1')).toMatch(/\/MediaBox \[0 0 595\.2\d* 841\.8\d*\]/);
    const fonts = embeddedFonts(bytes);
    expect(fonts.names.some((n) => n.startsWith('BIZUDPGothic'))).toBe(true);
    expect(fonts.allEmbedded).toBe(true);
    const pages = await pdfPages(bytes);
    const all = pages.join('\n');
    expect(all).toContain('支援経過記録');
    expect(all).toContain(`${world.persons.yamadaTaro.code}`);
    expect(all).toContain('山田 太郎');
    expect(all).toContain('訂正後: 本人と面談<script>');
    expect(all).toContain('第1版・変更前');
    expect(all).not.toMatch(/生年月日=/);
    pages.forEach((text, i) => {
      expect(text).toContain(`${i + 1} / ${pages.length}`);
      expect(text).toContain('出力 2026年11月22日(日) 10:00（日本時間）');
      expect(text).toContain(`出力者 ${world.actors.a.name}`);
      expect(text).toContain(`ケース番号 ${world.persons.yamadaTaro.code}`);
    });
    const audit = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'export'), eq(auditLog.resourceId, world.persons.yamadaTaro.id)));
    expect(audit.at(-1)?.detail).toMatchObject({ format: 'pdf' });
    expect(JSON.stringify(audit.at(-1)?.detail)).not.toContain('山田');
  });

  it('a long record runs over pages: each page numbered with the furniture; the 二次相談 and the 地域課題 it raised are in it', async () => {
    const hanako = world.persons.yamadaHanako;
    const long = '本人の希望を聞き取り、生活リズムと通所の状況を確認した。'.repeat(40);
    for (let i = 0; i < 40; i++) {
      await logConsultation(
        tdb.db,
        world.actors.a,
        {
          personId: hanako.id,
          occurredOn: `2026-${String(4 + (i % 7)).padStart(2, '0')}-${String(1 + (i % 27)).padStart(2, '0')}`,
          method: '訪問',
          kind: 'モニタリング',
          summary: i === 0 ? long : `第${i + 1}回の面談。`,
        },
        now,
      );
    }
    const at = new Date('2026-10-01T00:00:00Z');
    const [sc] = await tdb.db
      .insert(secondaryConsultations)
      .values({
        tenantId: world.tenantId,
        number: 7,
        requesterId: world.actors.a.staffId,
        requesterOfficeId: world.offices.a,
        personId: hanako.id,
        difficulties: ['支援方針'],
        tried: '家族と面談',
        question: '通所先の調整について',
        urgency: 'normal',
        status: 'closed',
        outcome: '基幹が同席して調整',
        closedAt: at,
        createdAt: at,
        updatedAt: at,
      })
      .returning({ id: secondaryConsultations.id });
    const [issue] = await tdb.db
      .insert(regionalIssues)
      .values({
        tenantId: world.tenantId,
        number: 3,
        title: '夕方の移動支援が足りない',
        finding: '地域に夕方の移動支援がない',
        filedBy: world.actors.kikan.staffId,
        filedByOffice: world.offices.kikan,
        status: 'in_review',
        sourceSecondaryId: sc?.id,
        createdAt: at,
        updatedAt: at,
      })
      .returning({ id: regionalIssues.id });
    await tdb.db
      .update(secondaryConsultations)
      .set({ regionalIssueId: issue?.id })
      .where(eq(secondaryConsultations.id, sc?.id ?? ''));
    await tdb.db.insert(secondaryPosts).values({
      tenantId: world.tenantId,
      secondaryId: sc?.id ?? '',
      authorId: world.actors.kikan.staffId,
      kind: 'advice',
      body: '来週同行します',
      createdAt: at,
    });

    const links = await linksFor(world.actors.a, hanako.code);
    if (typeof links === 'string') throw new Error(links);
    const pdf = new Uint8Array(await (await fetch(links.pdf)).arrayBuffer());
    fs.mkdirSync(path.join(import.meta.dirname, '../../test-results'), { recursive: true });
    fs.writeFileSync(path.join(import.meta.dirname, '../../test-results/record-long.pdf'), pdf); // to look at
    const pages = await pdfPages(pdf);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    pages.forEach((text, i) => {
      expect(text).toContain(`${i + 1} / ${pages.length}`);
      expect(text).toContain(`ケース番号 ${hanako.code}`);
      expect(text).toContain('出力 2026年11月22日(日) 10:00（日本時間）');
    });
    const all = pages.join('\n').replace(/\n/g, '');
    expect(all).toContain('第40回の面談。');
    expect(all).toContain('二次相談 #7');
    expect(all).toContain('通所先の調整について');
    expect(all).toContain('#3 夕方の移動支援が足りない');
    expect(all).toContain('来週同行します');
    expect(all).toContain('助言・');
    // The long summary is wrapped, not cut.
    expect(all.split('生活リズムと通所の状況を確認した。').length - 1).toBe(40);
  });

  it('a forged or altered link gets nothing', async () => {
    const links = await linksFor(world.actors.a, world.persons.yamadaTaro.code);
    if (typeof links === 'string') throw new Error(links);
    const forged = links.csv.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await fetch(forged)).status).toBe(404);
    expect((await fetch(`${app.url}/export?t=nonsense`)).status).toBe(404);
  });

  it('another office, the 基幹 and city hall may not export the person', async () => {
    for (const actor of [world.actors.b, world.actors.kikan, world.actors.city]) {
      const res = await linksFor(actor, world.persons.yamadaTaro.code);
      expect(typeof res).toBe('string');
      expect(res).toMatch(/見つかりません|権限がありません/);
    }
    await expect(exportPerson(tdb.db, world.actors.other, world.persons.yamadaTaro.id, 'csv', now)).rejects.toMatchObject({
      code: 'unknown_person',
    });
  });

  it('the tenant export is for admins only', async () => {
    expect(await linksFor(world.actors.a2, '全件')).toContain('権限がありません');
    const [row] = await tdb.db
      .insert(staff)
      .values({ tenantId: world.tenantId, officeId: world.offices.city, name: '管理者', roles: ['admin'] })
      .returning({ id: staff.id });
    const admin: Actor = { ...world.actors.city, staffId: row?.id ?? '', roles: ['admin'] };
    const links = await linksFor(admin, '全件');
    if (typeof links === 'string') throw new Error(links);
    const text = Buffer.from(await (await fetch(links.csv)).arrayBuffer()).toString('utf8');
    for (const p of [world.persons.yamadaTaro, world.persons.suzukiJiro]) expect(text).toContain(`"${p.code}"`);
    expect(text).not.toContain('山田 三郎'); // the other tenant's person
    // A link outlives nothing: after the admin role is withdrawn, the download is refused.
    const later = await linksFor(admin, '全件');
    if (typeof later === 'string') throw new Error(later);
    await tdb.db
      .update(staff)
      .set({ roles: ['gyosei'] })
      .where(eq(staff.id, admin.staffId));
    expect((await fetch(later.csv)).status).toBe(403);
  });
});
