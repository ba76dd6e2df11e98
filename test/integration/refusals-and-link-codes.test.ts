import { createHash, randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, exportLinks, linkCodes } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { dispatch } from '../../src/chat/dispatch';
import type { Actor, Input, LinksBlock } from '../../src/chat/types';
import { loadConfig } from '../../src/config';
import { breakGlassOpen } from '../../src/core/abuse/break-glass';
import { delayAfter, FIRST_DELAY_MS, FREE_TRIES, MAX_DELAY_MS } from '../../src/core/admin/link-attempts';
import { NOT_FOUND_MESSAGE } from '../../src/core/cases/view';
import { logConsultation } from '../../src/core/consultations/log';
import { recordsOf } from '../../src/core/versions/history';
import { createLinkCode, redeemLinkCode, registerWorkspace, useLinkCodeSecret } from '../../src/core/staff/link';
import { serverSecret } from '../../src/core/server-secret';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

// Issue "Nothing personal leaks", item 5.

let tdb: TestDatabase;
let world: World;
let app: App;
const now = new Date('2026-11-24T01:00:00Z'); // Tuesday 24 November 2026, 10:00 JST
const at = (ms: number) => new Date(now.getTime() + ms);

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  app = await startApp(loadConfig({ DATABASE_URL: tdb.url, PORT: '0', DEMO_DATA: 'off', LOCAL_CHAT: 'off', SCHEDULER: 'false' }), {
    now: () => now,
  });
  await logConsultation(
    tdb.db,
    world.actors.a,
    { personId: world.persons.yamadaTaro.id, occurredOn: '2026-11-20', method: '訪問', kind: 'モニタリング', summary: '本人と面談した。' },
    now,
  );
});
afterAll(async () => {
  await app?.stop();
  await tdb?.drop();
});

const run = (actor: Actor, input: Input) => dispatch({ db: tdb.db, registry: app.registry, now: () => now }, actor, input);
const audits = (action: string, actor?: Actor) =>
  tdb.db
    .select()
    .from(auditLog)
    .where(actor ? and(eq(auditLog.action, action), eq(auditLog.actorStaffId, actor.staffId)) : eq(auditLog.action, action));

describe('HEAD on a one-time export link (link previewers)', () => {
  it('neither uses the link up nor builds or audits an export; the GET after it still works, once', async () => {
    const res = await run(world.actors.a, { kind: 'command', name: 'shutsuryoku', text: world.persons.yamadaTaro.code });
    const block = res.replies[0]?.blocks[0] as LinksBlock;
    const csv = (block.links.find((l) => l.label === 'Excel用CSV（UTF-8）')?.url ?? '').replace(app.url, '');
    expect(csv).toMatch(/^\/export\?t=/);
    const exportsBefore = (await audits('export')).length;

    for (let i = 0; i < 3; i++) {
      const head = await fetch(`${app.url}${csv}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-disposition')).toBeNull();
    }
    expect((await audits('export')).length).toBe(exportsBefore);
    const id = /t=([0-9a-f-]{36})\./.exec(csv)?.[1] ?? '';
    const [link] = await tdb.db.select().from(exportLinks).where(eq(exportLinks.id, id));
    expect(link?.usedAt).toBeNull();

    const get = await fetch(`${app.url}${csv}`);
    expect(get.status).toBe(200);
    expect(await get.text()).toContain('山田 太郎');
    expect((await audits('export')).length).toBe(exportsBefore + 1);
    expect((await fetch(`${app.url}${csv}`)).status).toBe(410);
    // A forged token is refused to HEAD as to GET.
    expect((await fetch(`${app.url}${csv.slice(0, -4)}AAAA`, { method: 'HEAD' })).status).toBe(404);
  });
});

describe('a refused view of a person is audited, and tells the asker nothing', () => {
  const show = (actor: Actor, value: string) => run(actor, { kind: 'action', id: 'case:show', value });
  const text = (r: Awaited<ReturnType<typeof show>>) => JSON.stringify(r.replies);

  it('the 基幹 opening a non-consented case by id: same answer as an unknown id, a view_refused row (who, which id, why)', async () => {
    const unknownId = randomUUID();
    const refused = await show(world.actors.kikan, world.persons.yamadaTaro.id);
    const unknown = await show(world.actors.kikan, unknownId);
    expect(text(refused)).toBe(text(unknown));
    expect(text(refused)).toContain(NOT_FOUND_MESSAGE);
    expect(text(refused)).not.toContain('山田');

    const rows = await audits('view_refused', world.actors.kikan);
    expect(rows.map((r) => [r.resourceType, r.resourceId, r.detail])).toEqual([
      ['person', world.persons.yamadaTaro.id, { reason: 'no_consent', via: 'case_card' }],
      ['person', unknownId, { reason: 'not_found', via: 'case_card' }],
    ]);
    expect(rows.every((r) => r.platform === 'local')).toBe(true);
    // A consented case opens and is audited as a view, not a refusal.
    expect(text(await show(world.actors.kikan, world.persons.yamadaHanako.id))).toContain('山田 花子');
    expect((await audits('view_refused', world.actors.kikan)).length).toBe(2);
  });

  it('another office, another tenant, a forged id, 履歴, 出力, 緊急閲覧 by a counselor: each refusal has its row', async () => {
    await show(world.actors.b, world.persons.yamadaTaro.id);
    await show(world.actors.b, world.persons.otherYamada.id);
    await show(world.actors.b, 'not-an-id');
    await expect(recordsOf(tdb.db, world.actors.kikan, world.persons.suzukiJiro.id, now)).rejects.toMatchObject({ code: 'unknown_person' });
    await expect(
      breakGlassOpen(tdb.db, world.actors.a, world.persons.suzukiJiro.id, '緊急の確認が必要なため（テスト）', now),
    ).rejects.toMatchObject({ code: 'unknown_person' });

    const byB = await audits('view_refused', world.actors.b);
    expect(byB.map((r) => [r.resourceId, r.detail])).toEqual([
      [world.persons.yamadaTaro.id, { reason: 'other_office', via: 'case_card' }],
      // Another tenant's person is not told apart from no person at all.
      [world.persons.otherYamada.id, { reason: 'not_found', via: 'case_card' }],
      [null, { reason: 'malformed_id', via: 'case_card' }],
    ]);
    const byKikan = await audits('view_refused', world.actors.kikan);
    expect(byKikan.at(-1)?.detail).toEqual({ reason: 'no_consent', via: 'history' });
    const byA = await audits('view_refused', world.actors.a);
    expect(byA.map((r) => [r.resourceId, r.detail])).toEqual([
      [world.persons.suzukiJiro.id, { reason: 'not_permitted', via: 'break_glass' }],
    ]);
    // Nothing but ids and reasons.
    const all = JSON.stringify(await audits('view_refused'));
    for (const s of ['山田', '鈴木', '太郎', 'やまだ']) expect(all).not.toContain(s);
  });
});

describe('link-code tries: per account and per source, a delay that grows, never a lock for the whole workspace', () => {
  beforeAll(async () => {
    await registerWorkspace(tdb.db, world.tenantId, 'slack', 'T-guard');
    await registerWorkspace(tdb.db, world.tenantId, 'line', 'U-line-dest');
  });
  const wrong = (i: number) => String(20_000_000 + i);
  const redeem = (user: string, code: string, when: Date, source?: string) =>
    redeemLinkCode(tdb.db, 'slack', 'T-guard', user, code, when, { source });

  it('the delay doubles after the free tries and is capped; a try refused inside it does not count', async () => {
    expect([0, 1, 2, 3, 4, 5, 10, 30].map(delayAfter)).toEqual([
      0,
      0,
      0,
      FIRST_DELAY_MS,
      2 * FIRST_DELAY_MS,
      4 * FIRST_DELAY_MS,
      MAX_DELAY_MS,
      MAX_DELAY_MS,
    ]);
    expect(FREE_TRIES).toBe(3);
    for (let i = 0; i < 3; i++) await expect(redeem('U-typo', wrong(i), now)).rejects.toMatchObject({ code: 'bad_link_code' });
    await expect(redeem('U-typo', wrong(3), at(1_000))).rejects.toMatchObject({
      code: 'too_many_link_attempts',
      userMessage: expect.stringContaining('約1分後'),
    });
    // Asking again and again inside the delay does not lengthen it.
    for (let i = 0; i < 10; i++)
      await expect(redeem('U-typo', wrong(4), at(2_000 + i))).rejects.toMatchObject({ code: 'too_many_link_attempts' });
    await expect(redeem('U-typo', wrong(5), at(31_000))).rejects.toMatchObject({ code: 'bad_link_code' });
    // Now 4 tries: 60 s after the last one.
    await expect(redeem('U-typo', wrong(6), at(31_000 + 59_000))).rejects.toMatchObject({ code: 'too_many_link_attempts' });
    const code = await createLinkCode(tdb.db, world.tenantId, world.actors.a2.staffId, now);
    await expect(redeem('U-typo', code, at(31_000 + 61_000))).resolves.toMatchObject({ staffId: world.actors.a2.staffId });
  });

  it('sixty wrong tries from twenty accounts of one workspace do not stop a colleague with the right code', async () => {
    for (let u = 0; u < 20; u++) {
      for (let i = 0; i < 3; i++) await expect(redeem(`U-guesser-${u}`, wrong(100 + u * 3 + i), now)).rejects.toBeInstanceOf(Error);
    }
    const code = await createLinkCode(tdb.db, world.tenantId, world.actors.b.staffId, now);
    await expect(redeem('U-colleague', code, now)).resolves.toMatchObject({ staffId: world.actors.b.staffId });
    // Each guesser waits on their own.
    await expect(redeem('U-guesser-7', wrong(999), now)).rejects.toMatchObject({ code: 'too_many_link_attempts' });
  });

  it('tries from one group count for the group: a fourth account there waits, the same account in its own chat does not', async () => {
    const line = (user: string, code: string, source?: string) =>
      redeemLinkCode(tdb.db, 'line', 'U-line-dest', user, code, now, { source });
    for (let u = 0; u < 3; u++)
      await expect(line(`U-member-${u}`, wrong(500 + u), 'C-group')).rejects.toMatchObject({ code: 'bad_link_code' });
    await expect(line('U-member-3', wrong(600), 'C-group')).rejects.toMatchObject({ code: 'too_many_link_attempts' });
    await expect(line('U-member-3', wrong(601))).rejects.toMatchObject({ code: 'bad_link_code' });
  });
});

describe('link codes are stored under an HMAC with the server secret', () => {
  it('the stored value is not the SHA-256 of the code; another secret does not match; an old SHA-256 row stops working', async () => {
    const code = await createLinkCode(tdb.db, world.tenantId, world.actors.city.staffId, now);
    const sha = createHash('sha256').update(code).digest('hex');
    const rows = await tdb.db
      .select({ codeHash: linkCodes.codeHash })
      .from(linkCodes)
      .where(eq(linkCodes.staffId, world.actors.city.staffId));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.codeHash).not.toBe(sha);
    expect(rows[0]?.codeHash).toMatch(/^[0-9a-f]{64}$/);

    // Made under another secret (another instance without the same LINK_SECRET): refused.
    useLinkCodeSecret('a-different-link-secret-of-32-characters');
    const foreign = await createLinkCode(tdb.db, world.tenantId, world.actors.city.staffId, now);
    useLinkCodeSecret(serverSecret(undefined));
    await expect(redeemLinkCode(tdb.db, 'slack', 'T-guard', 'U-city-1', foreign, now)).rejects.toMatchObject({ code: 'bad_link_code' });

    // A code stored before this change (unsalted SHA-256), still unexpired: it no longer works.
    const old = '31415926';
    await tdb.db.insert(linkCodes).values({
      codeHash: createHash('sha256').update(old).digest('hex'),
      tenantId: world.tenantId,
      staffId: world.actors.city.staffId,
      expiresAt: at(10 * 60_000),
    });
    await expect(redeemLinkCode(tdb.db, 'slack', 'T-guard', 'U-city-2', old, now)).rejects.toMatchObject({ code: 'bad_link_code' });

    await expect(redeemLinkCode(tdb.db, 'slack', 'T-guard', 'U-city-3', code, now)).resolves.toMatchObject({
      staffId: world.actors.city.staffId,
    });
    const [linked] = await tdb.db.execute<{ n: number }>(
      sql`select count(*)::int as n from chat_accounts where user_id in ('U-city-1', 'U-city-2', 'U-city-3')`,
    );
    expect(Number(linked?.n)).toBe(1);
    expect(
      (
        await tdb.db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.action, 'link_account'), inArray(auditLog.actorStaffId, [world.actors.city.staffId])))
      ).length,
    ).toBe(1);
  });
});
