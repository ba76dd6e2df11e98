import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, lineworksInbox } from '../../db/schema/index';
import { createRegistry } from '../../handlers/index';
import { LineWorksApi } from '../../src/platforms/lineworks/client';
import { claimNext, MAX_ATTEMPTS, storeCallback } from '../../src/platforms/lineworks/inbox';
import { processRow, type ProcessDeps } from '../../src/platforms/lineworks/process';
import { RateBudget } from '../../src/platforms/lineworks/rate';
import { TokenClient } from '../../src/platforms/lineworks/token';
import { createLinkCode, redeemLinkCode, registerWorkspace } from '../../src/core/staff/link';
import { startFakeLineWorks, type FakeLineWorks } from '../fakes/lineworks';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

const DOMAIN = 70007000;
let tdb: TestDatabase;
let world: World;
let fake: FakeLineWorks;
let deps: ProcessDeps;
let seq = 0;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  fake = await startFakeLineWorks();
  await registerWorkspace(tdb.db, world.tenantId, 'lineworks', String(DOMAIN));
  await redeemLinkCode(
    tdb.db,
    'lineworks',
    String(DOMAIN),
    'u-a',
    await createLinkCode(tdb.db, world.tenantId, world.actors.a.staffId, new Date()),
    new Date(),
  );
  const tokens = new TokenClient(tdb.db, {
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    serviceAccount: fake.serviceAccount,
    privateKey: fake.privateKeyPem,
    authUrl: fake.authUrl,
  });
  // No in-call retries: every failure goes back to the inbox, which is what is tested here.
  const api = new LineWorksApi(tokens, new RateBudget(tdb.db, 240), {
    apiUrl: fake.apiUrl,
    domain: String(DOMAIN),
    maxRetries: 0,
    backoffBaseMs: 1,
  });
  deps = { db: tdb.db, registry: createRegistry(), api, botId: 'b1', domainId: String(DOMAIN), now: () => new Date() };
});
afterAll(async () => {
  await fake.close();
  await tdb.drop();
});
beforeEach(async () => {
  await tdb.db.delete(lineworksInbox);
});

async function store(userId: string, text: string): Promise<void> {
  const event = {
    type: 'message',
    source: { userId, domainId: DOMAIN },
    issuedTime: `2026-11-22T01:00:00.${String(++seq).padStart(3, '0')}Z`,
    content: { type: 'text', text },
  };
  const raw = Buffer.from(JSON.stringify(event));
  expect(await storeCallback(tdb.db, raw, event, `${DOMAIN}:${userId}`)).toBe(true);
}

const views = async () =>
  (await tdb.db.select().from(auditLog).where(eq(auditLog.actorStaffId, world.actors.a.staffId))).filter((r) => r.action === 'view').length;
const makeDue = () => tdb.db.execute(sql`update lineworks_inbox set run_at = now() - interval '1 second'`);

describe('LINE WORKS callback inbox', () => {
  it('a failed send is retried later without running the command again', async () => {
    const before = await views();
    await store('u-a', `ケース ${world.persons.yamadaTaro.code}`);
    fake.failNext(1, 503);
    const sentBefore = fake.messages.length;
    const first = await claimNext(tdb.db);
    expect(first).not.toBeNull();
    await processRow(deps, first as NonNullable<typeof first>);
    const [waiting] = await tdb.db.select().from(lineworksInbox);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
    expect(waiting?.replies).not.toBeNull();
    expect(fake.messages.length).toBe(sentBefore);
    expect(await views()).toBe(before + 1);

    await makeDue();
    const second = await claimNext(tdb.db);
    await processRow(deps, second as NonNullable<typeof second>);
    expect(fake.messages.length).toBe(sentBefore + 1);
    expect(JSON.stringify(fake.messages.at(-1)?.content)).toContain('山田 太郎');
    expect(await views()).toBe(before + 1); // the case was looked up (and audited) once
    expect(await tdb.db.select().from(lineworksInbox)).toHaveLength(0); // handled rows leave no text behind
  });

  it("one user's callbacks are handled in order, while other users' go ahead", async () => {
    await store('u-a', 'ヘルプ');
    await store('u-a', 'ケース 山田');
    await store('u-other', 'ヘルプ');
    const first = await claimNext(tdb.db);
    expect(first?.userKey).toBe(`${DOMAIN}:u-a`);
    const next = await claimNext(tdb.db);
    expect(next?.userKey).toBe(`${DOMAIN}:u-other`);
    expect(await claimNext(tdb.db)).toBeNull(); // u-a's second waits for the first
    await processRow(deps, first as NonNullable<typeof first>);
    const third = await claimNext(tdb.db);
    expect(third?.userKey).toBe(`${DOMAIN}:u-a`);
    expect((third?.event as { content: { text: string } }).content.text).toBe('ケース 山田');
  });

  it('a callback left by an instance that died mid-way is taken over after two minutes', async () => {
    await store('u-a', 'ヘルプ');
    const taken = await claimNext(tdb.db);
    expect(taken).not.toBeNull();
    expect(await claimNext(tdb.db)).toBeNull();
    await tdb.db.execute(sql`update lineworks_inbox set locked_at = now() - interval '3 minutes'`);
    const again = await claimNext(tdb.db);
    expect(again?.id).toBe(taken?.id);
    expect(again?.attempts).toBe(2);
  });

  it(`a send that keeps failing is given up after ${MAX_ATTEMPTS} attempts and kept for an operator`, async () => {
    await store('u-a', 'ヘルプ');
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      fake.failNext(1, 503);
      await makeDue();
      const row = await claimNext(tdb.db);
      await processRow(deps, row as NonNullable<typeof row>);
    }
    const [dead] = await tdb.db.select().from(lineworksInbox);
    expect(dead).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS });
    expect(dead?.lastError).toContain('503');
    await makeDue();
    expect(await claimNext(tdb.db)).toBeNull();
  });

  it('the same body stored twice is kept once', async () => {
    const event = {
      type: 'message',
      source: { userId: 'u-a', domainId: DOMAIN },
      issuedTime: '2026-11-22T02:00:00.000Z',
      content: { type: 'text', text: 'ヘルプ' },
    };
    const raw = Buffer.from(JSON.stringify(event));
    expect(await storeCallback(tdb.db, raw, event, `${DOMAIN}:u-a`)).toBe(true);
    expect(await storeCallback(tdb.db, raw, event, `${DOMAIN}:u-a`)).toBe(false);
    expect(await tdb.db.select().from(lineworksInbox)).toHaveLength(1);
  });
});
