import { and, desc, eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, consultations, persons, reminders, staff, tenants } from '../../db/schema/index';
import { createMeeting } from '../../src/core/meetings/schedule';
import { actorForStaff } from '../../src/core/staff/actor';
import { planTenant } from '../../src/scheduler/plan-tenant';
import type { TestDatabase } from '../helpers/db';
import { localChatApi, openWebChat, type WebChat } from '../helpers/web-chat';

// Issue "A counselor's phone": what a user meets in the local web chat, in a real browser, on the
// demo tenant 「みどり市（デモ）」. The app's clock is injected (a Thursday in December, 10:00 in
// Japan) so that nothing depends on the day the suite runs; a test may move it.
const START = new Date('2026-12-10T01:00:00Z');
let at = START;
let chat: WebChat;
let tdb: TestDatabase;
let page: Page;
const chooseStaff = (name: string) => chat.chooseStaff(name);
const send = (line: string) => chat.send(line);
const lastBot = () => page.locator('#chat .msg.bot').last();
/** Sends a line and waits for the answer to it (one more bot message); returns its text. */
async function ask(line: string): Promise<string> {
  const before = await page.locator('#chat .msg.bot').count();
  await send(line);
  await expect.poll(() => page.locator('#chat .msg.bot').count()).toBeGreaterThan(before);
  return (await lastBot().innerText()).trim();
}

beforeAll(async () => {
  chat = await openWebChat({ now: () => at });
  ({ tdb, page } = chat);
});

afterAll(async () => {
  await chat?.close();
});

/** Moves the app's clock; the page is opened again (its session token is only good for hours). */
async function moveClock(to: Date): Promise<void> {
  at = to;
  await page.reload();
  await page.waitForSelector('#staff option', { state: 'attached' });
}

async function staffId(name: string): Promise<string> {
  const [row] = await tdb.db.select({ id: staff.id }).from(staff).where(eq(staff.name, name));
  if (!row) throw new Error(`no staff ${name}`);
  return row.id;
}

describe('item 4: 管理 閲覧許可 is honoured for its duration', () => {
  it('the grantee finds, opens, lists the history of and exports the case; audited; not after it ends', async () => {
    // 田中 一郎 (C-0006) is こもれび's, with no consent to share: the city official sees nothing of him.
    await chooseStaff('小川');
    expect(await ask('ケース C-0006')).toContain('見つかりません');

    await chooseStaff('管理 担当');
    expect(await ask('管理 閲覧許可 小川ゆい C-0006 7 虐待対応の事実確認のため')).toContain('閲覧を7日間許可しました');

    await chooseStaff('小川');
    // ケース: by code, by name and by kana, straight to the card.
    for (const q of ['ケース C-0006', 'ケース 田中一郎', 'ケース たなか']) {
      const text = await ask(q);
      expect(text, q).toContain('田中 一郎');
      expect(text, q).toContain('相談支援事業所こもれび');
    }
    // Other persons stay hidden.
    expect(await ask('ケース 山田')).toContain('見つかりません');
    // 履歴: the records list, and a record's versions.
    const history = await ask('履歴 C-0006');
    expect(history).toContain('相談記録（新しい順）');
    await lastBot().getByRole('button', { name: '履歴' }).first().click();
    await expect.poll(async () => (await lastBot().innerText()).includes('第1版（現在）')).toBe(true);
    // 出力: the one-time links (tappable), and the download itself works.
    const exported = await ask('出力 C-0006');
    expect(exported).toContain('C-0006 の記録の出力');
    const link = await lastBot().getByRole('link', { name: 'スマートフォンで読む' }).getAttribute('href');
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/export\?t=[\w.-]+$/);
    const res = await fetch(link ?? '');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('田中');

    // Every use is audited for the grantee, with the grant named on the view.
    const [tanaka] = await tdb.db.select({ id: persons.id }).from(persons).where(eq(persons.code, 'C-0006'));
    const rows = await tdb.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.actorStaffId, await staffId('小川 ゆい')));
    const actions = rows.map((r) => `${r.action}:${r.resourceType}`);
    for (const a of [
      'search:person',
      'view:person',
      'view:person_history',
      'view:consultation_history',
      'export_link:person',
      'export:person',
    ])
      expect(actions).toContain(a);
    expect(rows.find((r) => r.action === 'view' && r.resourceType === 'person')).toMatchObject({
      resourceId: tanaka?.id,
      detail: { grant: 'granted' },
    });
    expect(rows.find((r) => r.action === 'export')?.detail).toMatchObject({ grant: 'granted' });
    expect(JSON.stringify(rows.map((r) => r.detail))).not.toMatch(/田中|たなか/);

    // Eight days later the grant has ended: the case is unknown again, everywhere.
    await moveClock(new Date(START.getTime() + 8 * 86_400_000));
    try {
      await chooseStaff('小川');
      for (const q of ['ケース C-0006', '履歴 C-0006', '出力 C-0006']) expect(await ask(q), q).toMatch(/見つかりません/);
    } finally {
      await moveClock(START);
    }
    const [grant] = await tdb.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'grant'), eq(auditLog.resourceId, tanaka?.id ?? '')));
    expect(grant?.detail).toMatchObject({ days: 7 });
  });
});

describe('item 5: 「記録する」 only for those who may record; a refused record keeps its text', () => {
  const recordButtons = () => lastBot().getByRole('button', { name: '記録する' });

  it('the card offers 「記録する」 to the case’s own office only: not to the 基幹, nor to a grantee', async () => {
    await chooseStaff('青木');
    expect(await ask('ケース C-0001')).toContain('山田 太郎');
    expect(await recordButtons().count()).toBe(1);

    // The 基幹 sees 山田 太郎 by his consent, but records are his office's to write.
    await chooseStaff('江藤');
    expect(await ask('ケース C-0001')).toContain('同意に基づく閲覧');
    expect(await recordButtons().count()).toBe(0);

    await chooseStaff('管理 担当');
    expect(await ask('管理 閲覧許可 小川ゆい C-0008 3 事実確認のため')).toContain('許可しました');
    await chooseStaff('小川');
    expect(await ask('ケース C-0008')).toContain('渡辺 大輔');
    expect(await recordButtons().count()).toBe(0);
    // Nor a form that could only be refused; her 履歴 offers no 編集 / 削除 either.
    const refused = await ask('記録');
    expect(refused).toContain('相談記録を登録する権限がありません');
    expect(await lastBot().locator('form').count()).toBe(0);
    await ask('履歴 C-0008');
    await lastBot().getByRole('button', { name: '履歴' }).first().click();
    await expect.poll(async () => (await lastBot().innerText()).includes('第1版')).toBe(true);
    expect(
      await lastBot()
        .getByRole('button', { name: /編集する|削除する/ })
        .count(),
    ).toBe(0);
  });

  it('a record the asker may not write is refused on the form itself, with everything typed still there', async () => {
    await chooseStaff('江藤');
    const before = (await tdb.db.select({ id: persons.id }).from(persons)).length;
    await send('記録');
    const form = page.locator('#chat form.bot-form').last();
    await form.waitFor();
    const summary = '本人と面談。就労継続支援B型の見学を希望。来週に事業所へ同行予定。';
    await form.locator('input[name=person]').fill('C-0001');
    await form.locator('select[name=kind]').selectOption('福祉サービスの利用援助');
    await form.locator('textarea[name=summary]').fill(summary);
    await form.locator('input[name=nextAction]').fill('見学の日程調整');
    await form.getByRole('button', { name: '記録する' }).click();
    await expect.poll(() => form.locator('[data-error-for=person]').textContent()).toContain('担当事業所の職員だけが登録できます');
    expect(await form.isVisible()).toBe(true);
    expect(await form.locator('textarea[name=summary]').inputValue()).toBe(summary);
    expect(await form.locator('input[name=nextAction]').inputValue()).toBe('見学の日程調整');
    const stored = await tdb.db.select().from(consultations).where(eq(consultations.summary, summary));
    expect(stored).toEqual([]);
    expect((await tdb.db.select({ id: persons.id }).from(persons)).length).toBe(before);

    // Left blank, it is a 一般相談 of the 基幹's own, and goes through with the same text.
    await form.locator('input[name=person]').fill('');
    await form.getByRole('button', { name: '記録する' }).click();
    await page.locator('#chat .msg.bot', { hasText: '相談記録を登録しました' }).waitFor();
    expect(await tdb.db.select().from(consultations).where(eq(consultations.summary, summary))).toHaveLength(1);
  });
});

describe('item 9: a next-action due date in the past is refused on its field', () => {
  it('「８月１日」 typed on 10 December is refused like minutes refuse it, the rest kept; a date ahead is stored', async () => {
    await chooseStaff('青木');
    await send('記録 C-0001');
    const form = page.locator('#chat form.bot-form').last();
    await form.waitFor();
    const summary = '通所先で面談。作業内容の変更を希望。';
    await form.locator('select[name=kind]').selectOption('福祉サービスの利用援助');
    await form.locator('textarea[name=summary]').fill(summary);
    await form.locator('input[name=nextAction]').fill('通所先と作業内容を相談');
    await form.locator('input[name=nextActionDue]').fill('８月１日');
    await form.getByRole('button', { name: '記録する' }).click();
    const error = form.locator('[data-error-for=nextActionDue]');
    await expect.poll(() => error.textContent()).toContain('過去の日付です');
    // Which date it was read as, today in Japan, and how to say next year's.
    expect(await error.textContent()).toContain('2026年8月1日');
    expect(await error.textContent()).toContain('今日（2026年12月10日(木)）以降');
    expect(await error.textContent()).toContain('2027年8月1日');
    expect(await form.locator('textarea[name=summary]').inputValue()).toBe(summary);
    expect(await tdb.db.select().from(consultations).where(eq(consultations.summary, summary))).toEqual([]);

    await form.locator('input[name=nextActionDue]').fill('12/20');
    await form.getByRole('button', { name: '記録する' }).click();
    await page.locator('#chat .msg.bot', { hasText: '相談記録を登録しました' }).waitFor();
    const [row] = await tdb.db.select().from(consultations).where(eq(consultations.summary, summary));
    expect(row?.nextActionDue).toBe('2026-12-20');
  });
});

describe('item 13: a bare name, kana, romaji or case code is a case lookup', () => {
  const listTitles = () => lastBot().locator('.list li').allInnerTexts();

  it('「山田」, 「C-0001」, 「やまだ たろう」 and romaji find cases with no command word', async () => {
    await chooseStaff('青木');
    expect(await ask('山田')).toContain('2件見つかりました');
    expect((await listTitles()).join('\n')).toMatch(/山田 太郎[\s\S]*山田 花子|山田 花子[\s\S]*山田 太郎/);
    await lastBot().locator('li', { hasText: '山田 太郎' }).getByRole('button', { name: '開く' }).click();
    await expect.poll(() => lastBot().locator('.card h3').textContent()).toBe('山田 太郎');

    for (const [typed, name] of [
      ['C-0001', '山田 太郎'],
      ['ｃ０００３', '佐藤 健一'],
      ['やまだ たろう', '山田 太郎'],
      ['yamada tarou', '山田 太郎'],
      ['Satō', '佐藤 健一'],
      ['SUZUKI', '鈴木 美咲'],
    ] as const) {
      const text = await ask(typed);
      expect(text, typed).toContain(name);
      expect(await lastBot().locator('.card h3').textContent(), typed).toBe(name);
    }
    expect(await ask('yamada')).toContain('2件見つかりました');
  });

  it('near misses get 「もしかして」: a kanji typed as kana (山だ), a wrong kanji (山田太朗)', async () => {
    await chooseStaff('青木');
    for (const typed of ['山だ', 'やま田', '山田太朗']) {
      const text = await ask(typed);
      expect(text, typed).toContain('もしかして');
      expect(await listTitles(), typed).toEqual(expect.arrayContaining([expect.stringContaining('山田 太郎')]));
      // Only persons the asker may see: こもれび's are never suggested.
      expect(text, typed).not.toMatch(/田中|伊藤|渡辺/);
    }
  });

  it('anything else is still an unknown command, and so is a name for whoever may not search cases', async () => {
    await chooseStaff('青木');
    expect(await ask('こんにちは')).toContain('コマンドが分かりませんでした');
    expect(await ask('今日の予定は？')).toContain('コマンドが分かりませんでした');
    await chooseStaff('管理 担当');
    const admin = await staffId('管理 担当');
    const searches = async () =>
      (
        await tdb.db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.actorStaffId, admin), eq(auditLog.action, 'search')))
      ).length;
    const before = await searches();
    const text = await ask('山田');
    expect(text).toContain('コマンドが分かりませんでした');
    expect(text).not.toContain('見つかりません');
    expect(await searches()).toBe(before);

    // A city official looks up by free text only while a grant is in force, and only that case.
    await chooseStaff('管理 担当');
    expect(await ask('管理 閲覧許可 小川ゆい C-0007 1 事実確認のため')).toContain('許可しました');
    await chooseStaff('小川');
    expect(await ask('C-0007')).toContain('伊藤 さやか');
    expect(await ask('いとう')).toContain('伊藤 さやか');
    expect(await ask('山田')).not.toContain('山田 太郎');
  });
});

describe('item 3: 予定 keeps snoozed items, and 完了 / スヌーズ update the list in place', () => {
  it('a snoozed item stays in 予定 with 「再通知」; the list is updated where it was pressed, nothing else lost', async () => {
    const [tenant] = await tdb.db.select({ id: tenants.id }).from(tenants);
    await planTenant(tdb.db, tenant?.id ?? '', at, { syncReminders: true });
    await chooseStaff('青木');
    await ask('予定');
    const list = lastBot();
    const cards = list.locator('.card');
    const titles = async () => (await cards.locator('h3').allInnerTexts()).sort();
    const before = await titles();
    expect(before.length).toBeGreaterThanOrEqual(2);
    const messages = await page.locator('#chat .msg').count();

    // Snooze this month's monitoring of one person: the same message now says so and still lists it.
    const target = cards.filter({ hasText: '令和8年12月' }).first();
    const title = (await target.locator('h3').innerText()).trim();
    await target.getByRole('button', { name: '翌営業日に再通知' }).click();
    await expect.poll(() => list.innerText()).toContain('再通知を設定しました');
    expect(await page.locator('#chat .msg').count()).toBe(messages);
    expect(await titles()).toEqual(before);
    const snoozed = cards.filter({ has: page.locator('h3', { hasText: title }) });
    expect(await snoozed.innerText()).toMatch(/再通知\s*12\/11\(金\)/);

    // Asked again, 予定 still lists it (the case card still says 今月・未実施).
    await ask('予定');
    expect(await lastBot().locator('.card', { hasText: title }).innerText()).toMatch(/再通知\s*12\/11\(金\)/);
    const code = /C-\d{4}/.exec(title)?.[0] ?? '';
    expect(await ask(`ケース ${code}`)).toContain('今月・未実施');

    // 完了 on it asks for the date and method first (today, 訪問); then recorded, gone from the
    // list, every other item still there, and 取り消す offered for a few minutes.
    await ask('予定');
    await lastBot().locator('.card', { hasText: title }).getByRole('button', { name: '完了' }).click();
    const doneForm = () => page.locator('#chat form.bot-form').last();
    await expect.poll(() => doneForm().count()).toBe(1);
    await doneForm().getByRole('button', { name: '完了にする' }).click();
    await expect.poll(() => lastBot().innerText()).toContain('完了にしました');
    const fresh = lastBot();
    expect(await fresh.getByRole('button', { name: '取り消す' }).count()).toBe(1);
    expect((await fresh.locator('.card h3').allInnerTexts()).filter((t) => !t.includes('完了にしました')).sort()).toEqual(
      before.filter((t) => t !== title),
    );
    const card = await ask(`ケース ${code}`);
    expect(card).not.toContain('今月・未実施');
    expect(card).toContain('モニタリングを実施した');
  });
});

describe('item 12: meetings once, 履歴 with its text, one set of role names, a sensible 年度', () => {
  it('a meeting with a reminder the day before and one on the day is one line in 予定; 確認済み acknowledges both', async () => {
    const eto = await actorForStaff(tdb.db, await staffId('江藤 まこと'));
    const aoki = await staffId('青木 さくら');
    if (!eto) throw new Error('no actor');
    const m = await createMeeting(
      tdb.db,
      eto,
      {
        kind: 'teireikai',
        bodyName: null,
        title: '12月 定例会',
        date: '2026-12-15',
        start: { hour: 14, minute: 0 },
        end: null,
        place: '市役所',
        attendeeIds: [aoki, eto.staffId],
      },
      at,
    );
    const rows = await tdb.db
      .select()
      .from(reminders)
      .where(and(eq(reminders.subjectId, m.id), eq(reminders.recipientId, aoki)));
    expect(rows).toHaveLength(2);
    await chooseStaff('青木');
    const text = await ask('予定');
    expect(text.split('12月 定例会')).toHaveLength(2);
    const card = lastBot().locator('.card', { hasText: '12月 定例会' });
    expect(await card.innerText()).toContain('2026年12月15日');
    await card.getByRole('button', { name: '確認済み' }).click();
    await expect.poll(() => lastBot().innerText()).toContain('完了にしました');
    expect(await lastBot().locator('.card', { hasText: '12月 定例会' }).count()).toBe(0);
    const after = await tdb.db
      .select()
      .from(reminders)
      .where(and(eq(reminders.subjectId, m.id), eq(reminders.recipientId, aoki)));
    expect(after.map((r) => r.status)).toEqual(['done', 'done']);
    // Acknowledged, it is listed once among the meetings she attends.
    expect((await ask('予定')).split('12月 定例会')).toHaveLength(2);
  });

  it('履歴 shows what the current version says', async () => {
    await chooseStaff('青木');
    await ask('履歴 C-0002');
    await lastBot().getByRole('button', { name: '履歴' }).first().click();
    await expect.poll(() => lastBot().innerText()).toContain('第1版（現在）');
    const current = await lastBot().locator('.card', { hasText: '第1版（現在）' }).innerText();
    for (const label of ['状態', '相談日', '方法', '種別', '内容']) expect(current).toContain(label);
    const [row] = await tdb.db
      .select({ summary: consultations.summary })
      .from(consultations)
      .innerJoin(persons, eq(persons.id, consultations.personId))
      .where(eq(persons.code, 'C-0002'))
      .orderBy(desc(consultations.occurredOn))
      .limit(1);
    expect(current).toContain(row?.summary.slice(0, 20));
  });

  it('the staff picker and 管理 職員 name roles alike; 管理 役割 takes the Japanese names', async () => {
    const option = async (name: string) =>
      page.$eval('#staff', (sel, n) => [...(sel as HTMLSelectElement).options].find((o) => o.text.includes(n))?.text ?? '', name);
    expect(await option('石田')).toContain('相談支援専門員・主任相談支援専門員・事業所管理者');
    expect(await option('管理 担当')).toContain('管理者');
    await chooseStaff('管理 担当');
    const list = await ask('管理 職員');
    expect(list).toMatch(/石田 ひろし[\s\S]*相談支援専門員・主任相談支援専門員・事業所管理者/);
    expect(await ask('管理 役割 上田みのり 相談支援専門員・主任・事業所管理者')).toContain(
      '相談支援専門員・主任相談支援専門員・事業所管理者 にしました',
    );
    const [ueda] = await tdb.db.select({ roles: staff.roles }).from(staff).where(eq(staff.name, '上田 みのり'));
    expect(ueda?.roles).toEqual(['counselor', 'chief', 'office_manager']);
    expect(await ask('管理 役割 上田みのり counselor,office_manager')).toContain('相談支援専門員・事業所管理者 にしました');
    expect(await ask('管理 役割 上田みのり 魔法使い')).toContain('不明: 魔法使い');
  });

  it('指標 refuses a fiscal year outside the last ten and this one', async () => {
    await chooseStaff('江藤');
    expect(await ask('指標 令和99年度')).toContain('令和99年度の指標は出せません');
    expect(await ask('指標 令和99年度')).toContain('令和8年度（今年度）まで');
    expect(await ask('指標 2099')).toContain('出せません');
    expect(await ask('指標 令和8年度')).toContain('令和8年度（2026年4月〜2027年3月）');
    expect(await ask('指標 2015')).toContain('2015年度の指標は出せません');
  });
});

describe('item 8: a 宿題 says what and by when, and 予定 lists it however far its due date', () => {
  it('the owner’s DM names each task and its due date; a task due in two weeks is in 予定', async () => {
    const eto = await actorForStaff(tdb.db, await staffId('江藤 まこと'));
    const aoki = await staffId('青木 さくら');
    if (!eto) throw new Error('no actor');
    const m = await createMeeting(
      tdb.db,
      eto,
      {
        kind: 'jimukyoku',
        bodyName: null,
        title: '12月 事務局会議',
        date: '2026-12-09',
        start: { hour: 10, minute: 0 },
        end: null,
        place: null,
        attendeeIds: [aoki, eto.staffId],
      },
      new Date('2026-12-01T01:00:00Z'),
    );
    // The minutes, as the web chat's form sends them (the page's own API and token).
    const api = await localChatApi(chat.app.url);
    const res = await api.post({
      staffId: eto.staffId,
      input: {
        kind: 'form',
        formId: 'kaigi:minutes',
        context: m.id,
        values: {
          summary: '就労部会の報告を受けた。',
          decisions: '',
          actionItems: '就労アンケートの集計 / 青木 さくら / 12/24\n研修案内の送付 / 青木 さくら / 12/14',
        },
      },
    });
    expect(JSON.stringify(await res.json())).toContain('宿題2件');

    await chooseStaff('青木');
    await page.locator('#tab-inbox').click();
    const dm = page.locator('#inbox .msg.bot', { hasText: '会議の宿題が割り当てられました' }).last();
    await dm.waitFor();
    const text = await dm.innerText();
    expect(text).toContain('12月 事務局会議（12/9(水)）');
    expect(text).toMatch(/研修案内の送付\s*期限: 2026年12月14日\(月\)[\s\S]*就労アンケートの集計\s*期限: 2026年12月24日\(木\)/);

    // 予定: the task due in four days and the one due in two weeks.
    const listed = await ask('予定');
    expect(listed).toContain('研修案内の送付');
    expect(listed).toContain('就労アンケートの集計');
    expect(await lastBot().locator('.card', { hasText: '就労アンケートの集計' }).innerText()).toContain('2026年12月24日');
  });
});

describe('item 7: the filer’s notices about a 地域課題 are sentences', () => {
  const lastCard = () => page.locator('#chat .msg.bot .card').last();
  const lastForm = () => page.locator('#chat form.bot-form').last();
  const botSays = (words: string) => page.locator('#chat .msg.bot', { hasText: words }).last().waitFor();

  it('「…」に「うちでも同じ」が登録されました, 「…」が「…」になりました, 「…」に記録が追加されました', async () => {
    await chooseStaff('青木');
    await send('地域課題');
    await lastForm().waitFor();
    await lastForm().locator('input[name=title]').fill('夜間に相談できる窓口がない');
    await lastForm().locator('textarea[name=finding]').fill('夜間の不安の訴えに対応できる窓口が市内にない。');
    await lastForm().getByRole('button', { name: '提出する' }).click();
    const filed = /地域課題 #(\d+) を提出しました/.exec(
      (await page.locator('#chat .msg.bot', { hasText: 'を提出しました' }).last().innerText()) ?? '',
    );
    const n = filed?.[1] ?? '';
    expect(n).not.toBe('');

    await chooseStaff('上田');
    await send(`地域課題 #${n}`);
    await lastCard().getByRole('button', { name: 'うちでも同じ' }).click();
    await lastForm().locator('input[name=count]').fill('2');
    await lastForm().getByRole('button', { name: '登録する' }).click();
    await botSays('「うちでも同じ」（2件）を登録しました');

    await chooseStaff('小川');
    await send(`地域課題 #${n}`);
    await lastCard().getByRole('button', { name: '整理（優先度・振り分け）' }).click();
    await lastForm().locator('select[name=routing]').selectOption('bukai');
    await lastForm().locator('select[name=councilBodyId]').selectOption({ label: '権利擁護部会' });
    await lastForm().getByRole('button', { name: '記録する' }).click();
    await botSays('運営会議での整理を記録しました');
    // The first note moves it on (a status); a second one only adds to it.
    for (const note of ['部会で事例を集めることにした。', '部会で夜間の相談件数を確認した。']) {
      const done = page.locator('#chat .msg.bot', { hasText: '検討状況を記録しました' });
      const before = await done.count();
      await lastCard().getByRole('button', { name: '検討状況を記録' }).click();
      await lastForm().locator('textarea[name=note]').fill(note);
      await lastForm().getByRole('button', { name: '記録する' }).click();
      await expect.poll(() => done.count()).toBe(before + 1);
    }

    await chooseStaff('青木');
    await page.locator('#tab-inbox').click();
    const head = `地域課題 #${n}「夜間に相談できる窓口がない」`;
    await page.locator('#inbox .msg.bot', { hasText: `${head}に「うちでも同じ」が登録されました` }).waitFor();
    await page.locator('#inbox .msg.bot', { hasText: `${head}に記録が追加されました` }).waitFor();
    const inbox = await page.locator('#inbox').innerText();
    expect(inbox).toMatch(new RegExp(`地域課題 #${n}「夜間に相談できる窓口がない」が「[^」]+」になりました`));
    // No sentence with two subjects (…が「うちでも同じ」が…, …が記録が…).
    expect(inbox).not.toMatch(/」が「うちでも同じ」が|」が記録が/);
  });
});
