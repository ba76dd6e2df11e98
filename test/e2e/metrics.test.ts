/**
 * What an operator watches (issue "Ready for a municipality's operator", item 5): /metrics in
 * Prometheus format with webhook, dispatch, outbox and pool figures; one access-log line per
 * request without personal data; forged webhooks counted and logged at most once a minute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAccounts, deliveries } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { registerWorkspace } from '../../src/core/staff/link';
import { captureLogs } from '../../src/log';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { localChatApi } from '../helpers/web-chat';
import { makeWorld, type World } from '../helpers/world';

const SECRET = 'slack-signing-secret-for-metrics';
const TOKEN = 'metrics-token-0123456789';
let tdb: TestDatabase;
let world: World;
let app: App;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  await registerWorkspace(tdb.db, world.tenantId, 'slack', 'T0METRICS');
  await tdb.db.insert(chatAccounts).values({
    tenantId: world.tenantId,
    staffId: world.actors.a.staffId,
    platform: 'slack',
    workspaceId: 'T0METRICS',
    userId: 'U0METRICS',
  });
  // A message that cannot be sent (no Slack sender in this process): dead, by platform.
  await tdb.db.insert(deliveries).values({
    tenantId: world.tenantId,
    idempotencyKey: 'metrics:dead',
    recipientId: world.actors.a.staffId,
    kind: 'notice',
    payload: {},
    status: 'dead',
    runAt: new Date(),
    createdAt: new Date(),
  });
  app = await startApp(
    loadConfig({
      DATABASE_URL: tdb.url,
      PORT: '0',
      HOST: '127.0.0.1',
      SCHEDULER: 'false',
      LOCAL_CHAT: 'on',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-metrics',
      METRICS_TOKEN: TOKEN,
    }),
  );
});
afterAll(async () => {
  await app?.stop();
  await tdb?.drop();
});

const scrape = async () => {
  const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
};

describe('/metrics', () => {
  it('wants the token when one is configured', async () => {
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-000000000' } })).status).toBe(401);
  });

  it('counts requests by route, commands by outcome, forged webhooks, the outbox and the pools; no personal data', async () => {
    const logs = captureLogs('debug');
    try {
      const chat = await localChatApi(app.url);
      const res = await chat.post({ staffId: world.actors.a.staffId, input: { kind: 'line', line: 'ケース 山田' } });
      expect(res.status).toBe(200);
      // A flood of forged Slack requests: each refused, counted, logged once.
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`${app.url}/slack/events`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-slack-signature': 'v0=forged',
            'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
          },
          body: JSON.stringify({ type: 'event_callback', team_id: 'T0METRICS', event: { type: 'app_mention', text: '山田太郎' } }),
        });
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
      }
      const text = await scrape();
      expect(text).toMatch(/soudan_http_request_duration_seconds_count\{route="\/slack\/events",method="POST",status="4\d\d"\} 20/);
      expect(text).toMatch(/soudan_webhook_refused_total\{route="\/slack\/events",status="4\d\d"\} 20/);
      expect(text).toMatch(/soudan_dispatch_duration_seconds_count\{command="case",outcome="ok"\} [1-9]/);
      expect(text).toMatch(/soudan_outbox_deliveries\{status="dead",platform="unrouted"\} 1/);
      expect(text).toMatch(/soudan_db_connections\{application="soudan-bot"\} [1-9]/);
      expect(text).toContain('soudan_process_cpu_seconds_total');
      expect(text).not.toContain('山田');

      const lines = logs.lines;
      const refusedWarnings = lines.filter((l) => l.includes('webhook refused'));
      expect(refusedWarnings).toHaveLength(1);
      const access = lines.filter((l) => l.includes('"msg":"request"'));
      expect(access.some((l) => l.includes('"route":"/local/api/input"'))).toBe(true);
      expect(access.some((l) => l.includes('"route":"/slack/events"'))).toBe(true);
      for (const l of lines) {
        expect(l).not.toContain('山田');
        expect(l).not.toContain(world.persons.yamadaTaro.code);
      }
    } finally {
      logs.stop();
    }
  });
});
