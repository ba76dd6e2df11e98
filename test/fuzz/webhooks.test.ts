import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { registerWorkspace } from '../../src/core/staff/link';
import { FakeLineApi } from '../fakes/line';
import { startFakeLineWorks, type FakeLineWorks } from '../fakes/lineworks';
import { FakeSlack } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

/**
 * Malformed, oversized and forged requests at every POST endpoint the app registers. A new
 * platform endpoint is covered as soon as it is mounted (unsigned and oversized bodies); to have
 * its forged and stale signatures tested too, add how it signs to SIGNERS.
 */
const SLACK_SECRET = 'fuzz-slack-signing-secret';
const LINEWORKS_SECRET = 'fuzz-lineworks-bot-secret';
const LINEWORKS_BOT = '2000099';
const LINE_SECRET = 'fuzz-line-channel-secret';

interface Signer {
  /** Headers that make `body` genuine at `nowSec` (seconds since the epoch). */
  sign(body: Buffer, nowSec: number): Record<string, string>;
  /** The same, with a forged signature. */
  forge(body: Buffer, nowSec: number, forged: string): Record<string, string>;
  contentType: string;
  /** A request this old must be refused (replay window), when the platform signs a timestamp. */
  staleAfterSec?: number;
}

const hmac = (secret: string, data: string | Buffer, enc: 'hex' | 'base64') => createHmac('sha256', secret).update(data).digest(enc);

export const SIGNERS: Record<string, Signer> = {
  '/slack/events': {
    contentType: 'application/json',
    staleAfterSec: 5 * 60,
    sign: (body, ts) => ({
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': `v0=${hmac(SLACK_SECRET, `v0:${ts}:${body.toString('utf8')}`, 'hex')}`,
    }),
    forge: (_b, ts, forged) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${forged}` }),
  },
  '/lineworks/callback': {
    contentType: 'application/json; charset=UTF-8',
    sign: (body) => ({ 'x-works-signature': hmac(LINEWORKS_SECRET, body, 'base64'), 'x-works-botid': LINEWORKS_BOT }),
    forge: (_b, _t, forged) => ({ 'x-works-signature': forged, 'x-works-botid': LINEWORKS_BOT }),
  },
  '/line/webhook': {
    contentType: 'application/json',
    sign: (body) => ({ 'x-line-signature': hmac(LINE_SECRET, body, 'base64') }),
    forge: (_b, _t, forged) => ({ 'x-line-signature': forged }),
  },
};

/** The local chat has no login and is served on loopback only (tested in its own suite). */
const NOT_WEBHOOKS = [/^\/local\//];

let tdb: TestDatabase;
let world: World;
let app: App;
let slack: FakeSlack;
let lineworks: FakeLineWorks;
let line: FakeLineApi;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  slack = await new FakeSlack().start();
  lineworks = await startFakeLineWorks();
  line = await new FakeLineApi().start();
  app = await startApp(
    loadConfig({
      DATABASE_URL: tdb.url,
      PORT: '0',
      DEMO_DATA: 'off',
      LOCAL_CHAT: 'off',
      SCHEDULER: 'false',
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-fuzz',
      SLACK_API_URL: slack.apiUrl,
      LINEWORKS_BOT_ID: LINEWORKS_BOT,
      LINEWORKS_BOT_SECRET: LINEWORKS_SECRET,
      LINEWORKS_CLIENT_ID: lineworks.clientId,
      LINEWORKS_CLIENT_SECRET: lineworks.clientSecret,
      LINEWORKS_SERVICE_ACCOUNT: lineworks.serviceAccount,
      LINEWORKS_PRIVATE_KEY: lineworks.privateKeyPem.replace(/\n/g, '\\n'),
      LINEWORKS_DOMAIN_ID: '40029601',
      LINEWORKS_API_URL: lineworks.apiUrl,
      LINEWORKS_AUTH_URL: lineworks.authUrl,
      LINE_CHANNEL_SECRET: LINE_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: 'fuzz-line-token',
      LINE_API_URL: line.url,
    }),
  );
  // Registered workspaces exist, so a refusal is not merely "nothing configured".
  await registerWorkspace(tdb.db, world.tenantId, 'slack', 'T0FUZZ');
  await registerWorkspace(tdb.db, world.tenantId, 'lineworks', '40029601');
});

afterAll(async () => {
  await app?.stop();
  await slack?.stop();
  await lineworks?.close();
  await line?.stop();
  await tdb?.drop();
});

/**
 * Rows in every table of the schema: "nothing stored" means none of these moved. Outbound
 * bookkeeping is left out: cached platform access tokens and the LINE WORKS per-minute request
 * budget, which the client fetches and counts at start-up (persistent menu), whenever it lands.
 */
async function rowCounts(): Promise<Record<string, number>> {
  const tables = await tdb.sql<
    { tablename: string }[]
  >`select tablename from pg_tables where schemaname = 'public' and tablename not like '%\_tokens' and tablename <> 'lineworks_rate' order by tablename`;
  const out: Record<string, number> = {};
  for (const { tablename } of tables) {
    const [row] = await tdb.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from "${tablename}"`);
    out[tablename] = row?.n ?? 0;
  }
  return out;
}

function webhookRoutes(): { path: string; maxBody: number }[] {
  return app.http.listRoutes().filter((r) => r.method === 'POST' && !NOT_WEBHOOKS.some((re) => re.test(r.path)));
}

async function post(path: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${app.url}${path}`, { method: 'POST', headers, body: new Uint8Array(body) });
  return { status: res.status, text: await res.text() };
}

/** Refused with a 4xx, and the answer names nothing of the inside (no stack, no SQL, no secret). */
function expectRefused(r: { status: number; text: string }, statuses?: number[]): void {
  if (statuses) expect(statuses).toContain(r.status);
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.status).toBeLessThan(500);
  expect(r.text.length).toBeLessThan(300);
  expect(r.text).not.toMatch(/\bat \S+ \(|Error:|select |insert |postgres|secret/i);
}

const nowSec = () => Math.floor(Date.now() / 1000);
const RUNS = { numRuns: 30 };
const junkJson = fc.oneof(
  fc.string({ maxLength: 300 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
  fc.constantFrom('{', '{"type":', '[1,2', '{"events":[{]}', '\u0000\u0001', '{"a":1}}', 'null,', '{"token":"x"'),
);

describe('webhook endpoints refuse what they should, and store nothing', () => {
  let before: Record<string, number>;
  beforeAll(async () => {
    before = await rowCounts();
  });

  it('covers every platform endpoint that is mounted', () => {
    const paths = webhookRoutes().map((r) => r.path);
    for (const p of Object.keys(SIGNERS)) expect(paths).toContain(p);
  });

  it('random bytes without a signature: 4xx', async () => {
    for (const route of webhookRoutes()) {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 4096 }),
          fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'),
          async (bytes, type) => {
            expectRefused(await post(route.path, Buffer.from(bytes), { 'content-type': type }));
          },
        ),
        RUNS,
      );
    }
  });

  it('forged signatures over plausible bodies: 401 or 403', async () => {
    for (const [path, signer] of Object.entries(SIGNERS)) {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ maxLength: 200 }),
          fc.oneof(fc.string({ maxLength: 100 }), fc.stringMatching(/^[0-9a-f]{64}$/), fc.base64String({ minLength: 44, maxLength: 44 })),
          async (text, forged) => {
            const body = Buffer.from(
              JSON.stringify({ type: 'event_callback', team_id: 'T0FUZZ', destination: 'U', events: [], content: { type: 'text', text } }),
            );
            const r = await post(path, body, { 'content-type': signer.contentType, ...signer.forge(body, nowSec(), forged) });
            expectRefused(r, [401, 403]);
          },
        ),
        RUNS,
      );
    }
  });

  it('a genuine signature under a different body (tampered in transit): 401 or 403', async () => {
    for (const [path, signer] of Object.entries(SIGNERS)) {
      await fc.assert(
        fc.asyncProperty(fc.string({ minLength: 1, maxLength: 100 }), async (extra) => {
          const signedBody = Buffer.from('{"events":[]}');
          const sent = Buffer.from(`{"events":[],"x":${JSON.stringify(extra)}}`);
          expectRefused(await post(path, sent, { 'content-type': signer.contentType, ...signer.sign(signedBody, nowSec()) }), [401, 403]);
        }),
        RUNS,
      );
    }
  });

  it('missing signature headers: 401 or 403', async () => {
    for (const [path, signer] of Object.entries(SIGNERS)) {
      expectRefused(await post(path, Buffer.from('{"events":[]}'), { 'content-type': signer.contentType }), [401, 403]);
    }
  });

  it('malformed JSON with a genuine signature: 4xx, never 500', async () => {
    for (const [path, signer] of Object.entries(SIGNERS)) {
      await fc.assert(
        fc.asyncProperty(junkJson, async (text) => {
          const body = Buffer.from(text);
          expectRefused(await post(path, body, { 'content-type': signer.contentType, ...signer.sign(body, nowSec()) }));
        }),
        RUNS,
      );
    }
  });

  it('stale timestamps outside the replay window: 401', async () => {
    for (const [path, signer] of Object.entries(SIGNERS)) {
      if (!signer.staleAfterSec) continue;
      const window = signer.staleAfterSec;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: window + 5, max: 10 * 365 * 86_400 }), fc.boolean(), async (age, future) => {
          const body = Buffer.from(
            JSON.stringify({ type: 'event_callback', team_id: 'T0FUZZ', event_id: `Ev${age}`, event: { type: 'app_mention', text: 'hi' } }),
          );
          const ts = nowSec() + (future ? age : -age);
          expectRefused(await post(path, body, { 'content-type': signer.contentType, ...signer.sign(body, ts) }), [401]);
        }),
        { numRuns: 15 },
      );
    }
  });

  it('oversized bodies: 413 before the body is read, signed or not', async () => {
    for (const route of webhookRoutes()) {
      const body = Buffer.alloc(route.maxBody + 1, 0x7b);
      const signer = SIGNERS[route.path];
      const headers = { 'content-type': 'application/json', ...(signer ? signer.sign(body, nowSec()) : {}) };
      expectRefused(await post(route.path, body, headers), [413]);
    }
  });

  it('the process stays up and nothing was stored anywhere', async () => {
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await rowCounts()).toEqual(before);
  });
});
