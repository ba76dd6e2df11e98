import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { and, eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../handlers/index';
import { auditLog, councilBodies, meetings, reminders, staff } from '../../db/schema/index';
import { dispatch, type DispatchResult } from '../../src/chat/dispatch';
import type { Actor, FormBlock, Input } from '../../src/chat/types';
import { importMeetingPlan } from '../../src/core/meetings/plan-import';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

let tdb: TestDatabase;
let world: World;
const registry = createRegistry();
const now = new Date('2026-11-22T01:00:00Z'); // Sunday 22 November 2026, 10:00 JST
const sample = readFileSync(new URL('../../docs/samples/meeting-plan.csv', import.meta.url), 'utf8');
const sampleRows = sample.trim().split('\n').length - 1;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  // The staff the sample plan names (the demo tenant's), added to the test tenant.
  const names = [
    ['小川 ゆい', 'おがわ ゆい'],
    ['江藤 まこと', 'えとう まこと'],
    ['大野 あかね', 'おおの あかね'],
    ['石田 ひろし', 'いしだ ひろし'],
    ['上田 みのり', 'うえだ みのり'],
  ];
  await tdb.db
    .insert(staff)
    .values(
      names.map(([name, kana]) => ({ tenantId: world.tenantId, officeId: world.offices.kikan, name: name ?? '', kana, roles: ['kikan'] })),
    );
});
afterAll(async () => {
  await tdb.drop();
});

const run = (actor: Actor, input: Input): Promise<DispatchResult> => dispatch({ db: tdb.db, registry, now: () => now }, actor, input);
const submit = (actor: Actor, csv: string, mode: 'check' | 'import' | 'import-past', fiscalYear = '令和8年度') =>
  run(actor, { kind: 'form', formId: 'kaigi:import', values: { fiscalYear, mode, csv } });
const countMeetings = async () => (await tdb.db.select().from(meetings).where(eq(meetings.tenantId, world.tenantId))).length;

describe('importing a year plan', () => {
  it('a file with three bad rows imports nothing and names each line', async () => {
    const lines = sample.trim().split('\n');
    lines[3] = lines[3]?.replace('6/17', '6/31') ?? '';
    lines[8] = lines[8]?.replace('運営会議,運営会議', '運営会議,打ち合わせ') ?? '';
    lines[15] = lines[15]?.replace('江藤 まこと', '江藤 まさと') ?? '';
    const res = await submit(world.actors.city, lines.join('\n'), 'import');
    const text = JSON.stringify(res.replies);
    expect(text).toContain('誤りが3件あります。何も登録していません');
    expect(text).toContain('4行目: 日付「6/31」はありません');
    expect(text).toContain('9行目: 種別「打ち合わせ」は使えません');
    expect(text).toContain('16行目: 参加者「江藤 まさと」が職員として登録されていません');
    expect(await countMeetings()).toBe(0);
    const form = res.replies.flatMap((r) => r.blocks).find((b): b is FormBlock => b.type === 'form');
    expect(form?.fields.find((f) => f.name === 'mode')?.initial).toBe('check');
  });

  it('several errors of one line are listed separately, each with its line number', async () => {
    const csv = '会議名,種別,日付,時間,参加者\n運営会議,打ち合わせ,6/31,25:00,江藤 まさと\n定例会,定例会,7/1,10:00,';
    const res = await submit(world.actors.city, csv, 'check');
    const text = res.replies.flatMap((r) => r.blocks).find((b) => b.type === 'text');
    const lines = (text && 'text' in text ? text.text : '').split('\n').filter((l) => l.startsWith('2行目'));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^2行目: 種別「打ち合わせ」は使えません/);
    expect(lines[1]).toMatch(/^2行目: 日付「6\/31」はありません。$/);
    expect(lines[2]).toMatch(/^2行目: 時間「25:00」: /);
    expect(lines[3]).toMatch(/^2行目: 参加者「江藤 まさと」が職員として登録されていません/);
    expect(JSON.stringify(res.replies)).toContain('誤りが4件あります');
  });

  it('a clean file is checked first without storing anything, with a clear warning about past meetings', async () => {
    const res = await submit(world.actors.city, sample, 'check');
    const text = JSON.stringify(res.replies);
    expect(text).toContain(`2026年度の${sampleRows}件の会議に誤りはありません`);
    // "Now" is 22 November: April to mid-November are past.
    expect(text).toMatch(/⚠ 今日より前の日付の会議が\d+件あります: 2行目（4\/\d+\([日月火水木金土]\)）/);
    expect(text).toContain('過去の会議も含めて取り込む');
    expect(await countMeetings()).toBe(0);
    const form = res.replies.flatMap((r) => r.blocks).find((b): b is FormBlock => b.type === 'form');
    expect(form?.fields.find((f) => f.name === 'mode')?.initial).toBe('import-past');
  });

  it('importing a file with past meetings writes nothing until past meetings are confirmed', async () => {
    const res = await submit(world.actors.city, sample, 'import');
    const text = JSON.stringify(res.replies);
    expect(text).toContain('今日より前の日付の会議が');
    expect(text).toContain('何も登録していません');
    expect(await countMeetings()).toBe(0);
    const form = res.replies.flatMap((r) => r.blocks).find((b): b is FormBlock => b.type === 'form');
    expect(form?.fields.find((f) => f.name === 'mode')?.initial).toBe('import-past');
  });

  it('then imported: meetings in Japan time, bodies per 部会, reminders for future meetings only', async () => {
    const res = await submit(world.actors.city, sample, 'import-past');
    expect(JSON.stringify(res.replies)).toMatch(/うち過去の日付の会議\d+件は記録として登録し、リマインドは送りません/);
    expect(JSON.stringify(res.replies)).toContain(`新しい会議${sampleRows}件`);
    expect(await countMeetings()).toBe(sampleRows);
    const [zentai] = await tdb.db
      .select()
      .from(meetings)
      .where(and(eq(meetings.title, 'みどり市協議会 全体会'), eq(meetings.kind, 'zentai')))
      .orderBy(meetings.startsAt);
    expect(zentai?.startsAt.toISOString()).toBe('2026-07-28T05:00:00.000Z');
    const bodies = await tdb.db
      .select({ name: councilBodies.name, kind: councilBodies.kind })
      .from(councilBodies)
      .where(eq(councilBodies.tenantId, world.tenantId));
    expect(bodies.map((b) => `${b.kind}:${b.name}`).sort()).toEqual(
      [
        'bukai:就労支援部会',
        'bukai:権利擁護部会',
        'bukai:災害対策部会',
        'jimukyoku:事務局会議',
        'jirei:事例検討会',
        'renrakukai:相談支援事業所連絡会',
        'renrakukai:精神分野連絡会',
        'unei:運営会議',
        'zentai:全体会',
      ].sort(),
    );
    const rem = await tdb.db.select().from(reminders).where(eq(reminders.kind, 'meeting'));
    expect(rem.length).toBeGreaterThan(0);
    expect(rem.every((r) => r.dueOn >= '2026-11-22')).toBe(true);
    const [gsv] = await tdb.db
      .select()
      .from(meetings)
      .where(and(eq(meetings.title, '事例検討（GSV）'), isNotNull(meetings.sourceKey)))
      .orderBy(meetings.startsAt)
      .offset(1);
    const gsvRem = rem.filter((r) => r.subjectId === gsv?.id);
    // 2026-11-17 is before "now": no reminder for it.
    expect(gsvRem).toHaveLength(0);
    const audit = await tdb.db.select().from(auditLog).where(eq(auditLog.action, 'import'));
    expect(audit[0]?.detail).toMatchObject({ fiscalYear: 2026, rows: sampleRows, created: sampleRows });
  });

  it('importing the same file again adds nothing and says how many were already registered', async () => {
    const check = await submit(world.actors.city, sample, 'check');
    expect(JSON.stringify(check.replies)).toContain(`登録済みの${sampleRows}件は取り込みません`);
    expect(JSON.stringify(check.replies)).toContain('新しく登録する会議はありません');
    expect(JSON.stringify(check.replies)).not.toContain('今日より前');
    const res = await submit(world.actors.city, sample, 'import');
    expect(JSON.stringify(res.replies)).toContain(`新しい会議0件。登録済みの${sampleRows}件は取り込みません`);
    expect(await countMeetings()).toBe(sampleRows);
    // A file with one more (future) meeting adds only that one.
    const more = `${sample.trim()}\n臨時運営会議,運営会議,運営会議,2027/2/26,14:00-15:00,市役所,\n`;
    const res2 = await submit(world.actors.city, more, 'import');
    expect(JSON.stringify(res2.replies)).toContain(`新しい会議1件。登録済みの${sampleRows}件は取り込みません`);
    expect(await countMeetings()).toBe(sampleRows + 1);
  });

  it('a counselor may not import a plan, by command or by function', async () => {
    const cmd = await run(world.actors.a, { kind: 'command', name: 'kaigi', text: '取込' });
    expect(JSON.stringify(cmd.replies)).toContain('協議会事務局・行政・基幹相談支援センターの職員');
    await expect(importMeetingPlan(tdb.db, world.actors.a, sample, { fiscalYear: 2026, dryRun: true }, now)).rejects.toThrow();
  });

  it('other code can run the check as a function and read the errors', async () => {
    const res = await importMeetingPlan(
      tdb.db,
      world.actors.kikan,
      '会議名,種別,日付,時間\n運営会議,運営会議,4月,10:00',
      { fiscalYear: 2027, dryRun: true },
      now,
    );
    expect(res.errors).toEqual([expect.stringMatching(/^2行目: 日付「4月」を読み取れませんでした/)]);
    expect(res.created).toBe(0);
  });

  it('a file saved by Japanese Excel (Shift_JIS) or as CSV UTF-8 is read from its bytes', async () => {
    const dataUrl = (bytes: Buffer) => `data:text/csv;base64,${bytes.toString('base64')}`;
    const sjis = iconv.encode(sample.replace(/\n/g, '\r\n'), 'cp932');
    const check = await submit(world.actors.city, dataUrl(sjis), 'check');
    expect(JSON.stringify(check.replies)).toContain(`2026年度の${sampleRows}件の会議に誤りはありません`);
    // The form shown again keeps the chosen file (the page says so instead of showing base64).
    const form = check.replies.flatMap((r) => r.blocks).find((b): b is FormBlock => b.type === 'form');
    expect(form?.fields.find((f) => f.name === 'csv')).toMatchObject({ accept: '.csv,text/csv', initial: dataUrl(sjis) });
    const bom = await submit(world.actors.city, dataUrl(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(sample)])), 'check');
    expect(JSON.stringify(bom.replies)).toContain('件の会議に誤りはありません');
  });

  it('a file in another encoding, or Shift_JIS read as UTF-8, is named as such, not as a missing column', async () => {
    const bad = await submit(world.actors.city, `data:text/csv;base64,${Buffer.from([0x89, 0xef, 0x8b]).toString('base64')}`, 'check');
    expect(JSON.stringify(bad.replies)).toContain('文字コードを読み取れませんでした');
    const mojibake = iconv.encode(sample, 'cp932').toString('utf8');
    const pasted = await submit(world.actors.city, mojibake, 'check');
    const text = JSON.stringify(pasted.replies);
    expect(text).toContain('文字化けしています');
    expect(text).not.toContain('がありません。見出しは');
  });
});
