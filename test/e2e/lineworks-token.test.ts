import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../../db/client';
import { lineworksTokens } from '../../db/schema/index';
import { LineWorksApi } from '../../src/platforms/lineworks/client';
import { RateBudget } from '../../src/platforms/lineworks/rate';
import { LineWorksAuthError, TokenClient, type TokenSettings } from '../../src/platforms/lineworks/token';
import { startFakeLineWorks, type FakeLineWorks } from '../fakes/lineworks';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

let tdb: TestDatabase;
let fake: FakeLineWorks;
let settings: TokenSettings;

beforeAll(async () => {
  tdb = await createTestDatabase();
  fake = await startFakeLineWorks();
  settings = {
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    serviceAccount: fake.serviceAccount,
    privateKey: fake.privateKeyPem,
    authUrl: fake.authUrl,
  };
});
afterAll(async () => {
  await fake.close();
  await tdb.drop();
});
beforeEach(async () => {
  await tdb.db.delete(lineworksTokens);
  fake.tokenRequests.length = 0;
  fake.tokenExpiresIn = 86_400;
  fake.tokenDelayMs = 0;
});

describe('LINE WORKS access token', () => {
  it('signs the service-account JWT, gets a token once and reuses it', async () => {
    const client = new TokenClient(tdb.db, settings);
    const a = await client.getToken();
    const b = await client.getToken();
    expect(a).toBe(b);
    expect(fake.tokenRequests).toEqual([{ iss: fake.clientId, sub: fake.serviceAccount, scope: 'bot' }]);
  });

  it('is refreshed before it expires, and a new process reuses the stored one', async () => {
    fake.tokenExpiresIn = 3600;
    let now = new Date();
    const client = new TokenClient(tdb.db, settings, { now: () => now });
    const first = await client.getToken();
    now = new Date(now.getTime() + 45 * 60_000); // 15 min left: still good
    expect(await client.getToken()).toBe(first);
    const restarted = new TokenClient(tdb.db, settings, { now: () => now });
    expect(await restarted.getToken()).toBe(first);
    now = new Date(now.getTime() + 6 * 60_000); // 9 min left: inside the 10-minute margin
    const second = await client.getToken();
    expect(second).not.toBe(first);
    expect(fake.tokenRequests).toHaveLength(2);
  });

  it('many concurrent callers on two instances cause one token request, not N', async () => {
    fake.tokenDelayMs = 300;
    const other = connect(tdb.url, { max: 5 });
    try {
      const here = new TokenClient(tdb.db, settings);
      const there = new TokenClient(other.db, settings);
      const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? here : there).getToken()));
      expect(new Set(tokens).size).toBe(1);
      expect(fake.tokenRequests).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('a key the platform does not accept fails with an error naming the variables to check', async () => {
    const wrong = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const client = new TokenClient(tdb.db, { ...settings, privateKey: wrong });
    const err = await client.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LineWorksAuthError);
    expect((err as Error).message).toMatch(/invalid_grant.*LINEWORKS_PRIVATE_KEY/);
    expect(await tdb.db.select().from(lineworksTokens)).toHaveLength(0);
  });

  it('a private key that is not a key at all is reported as such', async () => {
    const client = new TokenClient(tdb.db, {
      ...settings,
      privateKey: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----',
    });
    await expect(client.getToken()).rejects.toThrow(/LINEWORKS_PRIVATE_KEY is not a readable RSA private key/);
  });
});

describe('LINE WORKS API client', () => {
  const api = (perMinute = 240, tokens = new TokenClient(tdb.db, settings)) =>
    new LineWorksApi(tokens, new RateBudget(tdb.db, perMinute), { apiUrl: fake.apiUrl, domain: `d-${Math.random()}`, backoffBaseMs: 10 });
  const path = '/bots/b1/users/u1/messages';
  const hello = { content: { type: 'text', text: 'hello' } };

  it('a revoked token is re-issued once and the message still goes out', async () => {
    const tokens = new TokenClient(tdb.db, settings);
    const client = api(240, tokens);
    fake.revoke(await tokens.getToken());
    const before = fake.messages.length;
    const r = await client.post('bot.users.messages', path, hello);
    expect(r.ok).toBe(true);
    expect(fake.messages.length).toBe(before + 1);
    expect(fake.tokenRequests).toHaveLength(2);
  });

  it('a 403 that is not about the token is permanent and costs no new token', async () => {
    const tokens = new TokenClient(tdb.db, settings);
    const client = api(240, tokens);
    await tokens.getToken();
    const issued = fake.tokenRequests.length;
    fake.failNext(1, 403);
    expect(await client.post('bot.users.messages', path, hello)).toMatchObject({ ok: false, status: 403, permanent: true });
    expect(fake.tokenRequests.length).toBe(issued);
  });

  it('a 429 is waited out (Retry-After) for an answer, and handed back to the queue for a bulk send', async () => {
    const client = api();
    fake.failNext(1, 429, { 'retry-after': '0' });
    expect((await client.post('bot.users.messages', path, hello)).ok).toBe(true);
    fake.failNext(1, 429, { 'retry-after': '7' });
    const bulk = await client.post('bot.users.messages', path, hello, 'bulk');
    expect(bulk).toMatchObject({ ok: false, status: 429, permanent: false, retryAfterMs: 7000 });
  });

  it('bulk sends use at most half of the per-minute budget, leaving the rest for answers', async () => {
    const client = api(4);
    expect((await client.post('bot.users.messages', path, hello, 'bulk')).ok).toBe(true);
    expect((await client.post('bot.users.messages', path, hello, 'bulk')).ok).toBe(true);
    const third = await client.post('bot.users.messages', path, hello, 'bulk');
    expect(third).toMatchObject({ ok: false, status: 429, permanent: false });
    expect(third.ok === false && (third.retryAfterMs ?? 0) > 0).toBe(true);
    expect((await client.post('bot.users.messages', path, hello, 'interactive')).ok).toBe(true);
  });

  it('the budget is shared by instances: two clients on two pools draw on one count', async () => {
    const other = connect(tdb.url, { max: 2 });
    try {
      const domain = `d-shared-${Math.random()}`;
      const a = new RateBudget(tdb.db, 3);
      const b = new RateBudget(other.db, 3);
      const taken = await Promise.all([a, b, a, b, a, b].map((x) => x.take(`bot.users.messages@${domain}`, 'interactive')));
      expect(taken.filter((w) => w === 0)).toHaveLength(3);
    } finally {
      await other.close();
    }
  });

  it('a refused request (4xx) is permanent and is not retried', async () => {
    const client = api();
    fake.failNext(1, 400);
    const before = fake.apiRequests.length;
    expect(await client.post('bot.users.messages', path, hello)).toMatchObject({ ok: false, status: 400, permanent: true });
    expect(fake.apiRequests.length).toBe(before + 1);
  });
});
