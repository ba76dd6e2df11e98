import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, chatAccounts, offices, persons, servicePlans, staff, tenants } from '../../db/schema/index';
import { createRegistry } from '../../handlers/index';
import { adminCommand } from '../../src/cli/admin';
import { dispatch } from '../../src/chat/dispatch';
import type { Actor } from '../../src/chat/types';
import { openPerson } from '../../src/core/admin/grants';
import { redeemLinkCode } from '../../src/core/staff/link';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
const now = new Date('2026-11-22T01:00:00Z');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'admin-test-'));

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
});
afterAll(async () => {
  await tdb.drop();
});

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await adminCommand(tdb.db, argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, now);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function csvFile(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `\ufeff${text}`);
  return file;
}

const HEADER = '事業所,担当者,姓,名,せい,めい,生年月日,障害種別,受給者証番号,基幹への同意';

describe('importing persons from CSV', () => {
  it('a file with 3 bad rows imports nothing and names the 3 lines', async () => {
    const file = csvFile(
      'bad.csv',
      [
        HEADER,
        '事業所A,職員A,佐藤,一,さとう,はじめ,1980-01-02,知的,1234567890,はい',
        '事業所Z,,田中,二,たなか,じろう,1981-02-03,精神,,いいえ', // line 3: unknown office
        '事業所A,,高橋,三,たかはし,さぶろう,1982-02-30,身体,,いいえ', // line 4: no such date
        '事業所A,,伊藤,四,いとう,しろう,1983-04-05,身体,,いいえ',
        '事業所A,,渡辺,五,Watanabe,ごろう,1984-05-06,魔法,12345,たぶん', // line 6: kana, category, number, consent
      ].join('\n'),
    );
    const before = await tdb.db.select().from(persons);
    const res = await run('import:persons', '--tenant', 'test-a', '--file', file);
    expect(res.code).toBe(1);
    const lines = res.err.split('\n').filter((l) => /^\d+行目/.test(l));
    expect(lines.map((l) => l.split('行目')[0])).toEqual(['3', '4', '6']);
    expect(res.err).toContain('事業所「事業所Z」が登録されていません');
    expect(res.err).toContain('生年月日「1982-02-30」');
    expect(res.err).toContain('ひらがなかカタカナ');
    expect(res.err).toContain('何も取り込んでいません');
    expect(await tdb.db.select().from(persons)).toHaveLength(before.length);
  });

  it('a dry run of a clean file reports it clean and imports nothing; the real run imports all in one go', async () => {
    const file = csvFile(
      'good.csv',
      [HEADER, '事業所A,職員A,佐藤,一,さとう,はじめ,昭和55年1月2日,知的;精神,1234567890,はい', '事業所B,,中村,六,ナカムラ,ロク,,,,'].join(
        '\r\n',
      ),
    );
    const before = (await tdb.db.select().from(persons)).length;
    const dry = await run('import:persons', '--tenant', 'test-a', '--file', file, '--dry-run');
    expect(dry).toMatchObject({ code: 0 });
    expect(dry.out).toContain('2行すべて取り込めます');
    expect(await tdb.db.select().from(persons)).toHaveLength(before);
    const real = await run('import:persons', '--tenant', 'test-a', '--file', file);
    expect(real.out).toContain('2件を取り込みました');
    const [sato] = await tdb.db
      .select()
      .from(persons)
      .where(and(eq(persons.familyName, '佐藤'), eq(persons.tenantId, world.tenantId)));
    expect(sato).toMatchObject({
      birthDate: '1980-01-02',
      consentKikan: true,
      disabilityCategories: ['知的', '精神'],
      counselorId: world.actors.a.staffId,
    });
    const audit = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'import'), eq(auditLog.tenantId, world.tenantId)));
    expect(audit.at(-1)?.detail).toEqual({ rows: 2 });
    // The same file again: every row is now a duplicate.
    const again = await run('import:persons', '--tenant', 'test-a', '--file', file);
    expect(again.code).toBe(1);
    expect(again.err).toContain('既に登録されている');
  });

  it('a person list saved by Japanese Excel (Shift_JIS) imports from its bytes; an .xlsx or other bytes are refused with what to do', async () => {
    const sjis = path.join(dir, 'excel-sjis.csv');
    fs.writeFileSync(sjis, iconv.encode([HEADER, '事業所A,職員A,髙橋,①子,たかはし,まるこ,S60.3.4,身体,,いいえ'].join('\r\n'), 'cp932'));
    const real = await run('import:persons', '--tenant', 'test-a', '--file', sjis);
    expect(real).toMatchObject({ code: 0 });
    const [takahashi] = await tdb.db
      .select()
      .from(persons)
      .where(and(eq(persons.familyName, '髙橋'), eq(persons.tenantId, world.tenantId)));
    expect(takahashi).toMatchObject({ givenName: '①子', birthDate: '1985-03-04' });
    const xlsx = path.join(dir, 'book.xlsx');
    fs.writeFileSync(xlsx, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]));
    const refused = await run('import:persons', '--tenant', 'test-a', '--file', xlsx);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('Excelのブック（.xlsx）はそのまま読み込めません');
    expect(refused.err).not.toContain('見出し');
  });

  it('plans import by case code with the same all-or-nothing rule', async () => {
    const file = csvFile(
      'plans.csv',
      [
        'ケース番号,開始日,終了日,頻度,標準月,受給者証期限,起算',
        `${world.persons.yamadaHanako.code},2026-05-01,2027-04-30,,7;10;1;4,2027-04-30,当月`,
        'C-9999,2026-05-01,2026-04-30,4,,,',
      ].join('\n'),
    );
    const bad = await run('import:plans', '--tenant', 'test-a', '--file', file);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^3行目: .*C-9999.*開始日が終了日より後.*頻度は/m);
    const good = csvFile(
      'plans-ok.csv',
      [
        'ケース番号,開始日,終了日,頻度,標準月,受給者証期限,起算',
        `${world.persons.yamadaHanako.code},2026-05-01,2027-04-30,,7;10;1;4,2027-04-30,当月`,
      ].join('\n'),
    );
    expect((await run('import:plans', '--tenant', 'test-a', '--file', good)).code).toBe(0);
    const [plan] = await tdb.db.select().from(servicePlans).where(eq(servicePlans.personId, world.persons.yamadaHanako.id));
    expect(plan?.standardMonths).toEqual([7, 10, 1, 4]);
  });

  it('a file that is not CSV at all is one clear error', async () => {
    const file = csvFile('broken.csv', `${HEADER}\n"事業所A,未閉じ`);
    const res = await run('import:persons', '--tenant', 'test-a', '--file', file);
    expect(res.code).toBe(1);
    expect(res.err).toContain('CSVとして読めません');
  });
});

describe('operator commands', () => {
  it('tenant, office, staff and roles, each audited', async () => {
    expect((await run('tenant:add', '--code', 'new-city', '--name', '新市', '--retention-years', '5')).code).toBe(0);
    expect((await run('office:add', '--tenant', 'new-city', '--name', '新市基幹', '--kind', 'kikan')).code).toBe(0);
    expect(
      (await run('staff:add', '--tenant', 'new-city', '--office', '新市基幹', '--name', '新 職員', '--roles', 'kikan,chief')).code,
    ).toBe(0);
    expect((await run('staff:roles', '--tenant', 'new-city', '--staff', '新 職員', '--roles', 'kikan,abuse_contact')).code).toBe(0);
    const [t] = await tdb.db.select().from(tenants).where(eq(tenants.code, 'new-city'));
    expect(t?.settings).toEqual({ retentionYears: 5 });
    const [s] = await tdb.db
      .select()
      .from(staff)
      .where(eq(staff.tenantId, t?.id ?? ''));
    expect(s?.roles).toEqual(['kikan', 'abuse_contact']);
    const [o] = await tdb.db
      .select()
      .from(offices)
      .where(eq(offices.tenantId, t?.id ?? ''));
    expect(o?.kind).toBe('kikan');
    const audit = await tdb.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.tenantId, t?.id ?? ''));
    expect(audit.map((a) => `${a.action}:${a.resourceType}`)).toEqual(['create:tenant', 'create:office', 'create:staff', 'update:staff']);
    const list = await run('staff:list', '--tenant', 'new-city');
    expect(list.out).toContain('新 職員');
  });

  it('refuses bad input with a clear message and a non-zero code', async () => {
    expect((await run('staff:add', '--tenant', 'test-a', '--office', '事業所A', '--name', 'x', '--roles', 'wizard')).err).toContain(
      '役割は',
    );
    expect((await run('office:add', '--tenant', 'nowhere', '--name', 'x', '--kind', 'kikan')).err).toContain('登録されていません');
    expect((await run('office:add', '--tenant', 'test-a')).err).toContain('--name');
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('--help')).out).toContain('import:persons');
  });

  it('workspace and link code: the printed code links the chat account once', async () => {
    expect(
      (await run('workspace:add', '--tenant', 'test-a', '--platform', 'slack', '--workspace', 'T123', '--channel', 'kikan-queue=C1')).code,
    ).toBe(0);
    const res = await run('link-code', '--tenant', 'test-a', '--staff', '職員B');
    const code = /「連携 (\d{8})」/.exec(res.out)?.[1] ?? '';
    await redeemLinkCode(tdb.db, 'slack', 'T123', 'U-b', code, now);
    const [acc] = await tdb.db.select().from(chatAccounts).where(eq(chatAccounts.userId, 'U-b'));
    expect(acc?.staffId).toBe(world.actors.b.staffId);
  });

  it('guessing codes is slowed per account in PostgreSQL, even for the right code; never for the whole workspace', async () => {
    const code = await (async () =>
      /「連携 (\d{8})」/.exec((await run('link-code', '--tenant', 'test-a', '--staff', '職員A')).out)?.[1] ?? '')();
    for (let i = 0; i < 3; i++) {
      await expect(redeemLinkCode(tdb.db, 'slack', 'T123', 'U-guesser', String(10_000_000 + i), now)).rejects.toMatchObject({
        code: 'bad_link_code',
      });
    }
    await expect(redeemLinkCode(tdb.db, 'slack', 'T123', 'U-guesser', code, now)).rejects.toMatchObject({ code: 'too_many_link_attempts' });
    // Another account of the workspace is not locked out, and the code is still good.
    await expect(redeemLinkCode(tdb.db, 'slack', 'T123', 'U-honest', code, now)).resolves.toMatchObject({
      staffId: world.actors.a.staffId,
    });
  });
});

describe('the admin chat command', () => {
  const chat = (actor: Actor, text: string) =>
    dispatch({ db: tdb.db, registry: createRegistry(), now: () => now }, actor, { kind: 'command', name: 'admin', text });
  let admin: Actor;
  beforeAll(async () => {
    const [row] = await tdb.db
      .insert(staff)
      .values({ tenantId: world.tenantId, officeId: world.offices.city, name: '管理者', roles: ['admin'] })
      .returning({ id: staff.id });
    admin = { ...world.actors.city, staffId: row?.id ?? '', name: '管理者', roles: ['admin'] };
  });

  it('is refused to everyone but admins', async () => {
    for (const actor of [world.actors.a, world.actors.a2, world.actors.kikan, world.actors.city]) {
      expect(JSON.stringify((await chat(actor, '職員')).replies)).toContain('権限がありません');
    }
  });

  it('lists staff, issues a link code and changes roles', async () => {
    expect(JSON.stringify((await chat(admin, '職員')).replies)).toContain('職員B');
    expect(JSON.stringify((await chat(admin, '連携コード 職員B')).replies)).toMatch(/連携 \d{8}/);
    await chat(admin, '役割 職員B counselor,chief');
    const [b] = await tdb.db.select().from(staff).where(eq(staff.id, world.actors.b.staffId));
    expect(b?.roles).toEqual(['counselor', 'chief']);
  });

  it('a grant lets a city official read one case for a limited time, audited', async () => {
    const city = world.actors.city;
    await expect(openPerson(tdb.db, city, world.persons.suzukiJiro.id, now)).rejects.toMatchObject({ code: 'unknown_person' });
    const res = await chat(admin, `閲覧許可 市職員 ${world.persons.suzukiJiro.code} 7 事実確認のため`);
    expect(JSON.stringify(res.replies)).toContain('7日間許可しました');
    const view = await openPerson(tdb.db, city, world.persons.suzukiJiro.id, now);
    expect(view.grant).toBe('granted');
    await expect(openPerson(tdb.db, city, world.persons.suzukiJiro.id, new Date(now.getTime() + 8 * 86_400_000))).rejects.toMatchObject({
      code: 'unknown_person',
    });
    await expect(openPerson(tdb.db, city, world.persons.yamadaTaro.id, now)).rejects.toMatchObject({ code: 'unknown_person' });
  });

  it('checks the audit chain of its own tenant', async () => {
    expect(JSON.stringify((await chat(admin, '監査')).replies)).toContain('改ざんされていません');
  });
});
