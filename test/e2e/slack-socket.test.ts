import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLinkCode, redeemLinkCode, registerWorkspace } from '../../src/core/staff/link';
import { FakeSlack } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

/** Socket Mode: the bot connects out to Slack; requests arrive as envelopes over a WebSocket. */
const TEAM = 'T0SOCK';
const USER = 'U0SOCK';
let tdb: TestDatabase;
let world: World;
let fake: FakeSlack;
let wss: WebSocketServer;
let socket: Promise<WebSocket>;
let app: App;
const acks: { envelope_id: string }[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  await registerWorkspace(tdb.db, world.tenantId, 'slack', TEAM);
  await redeemLinkCode(
    tdb.db,
    'slack',
    TEAM,
    USER,
    await createLinkCode(tdb.db, world.tenantId, world.actors.a.staffId, new Date()),
    new Date(),
  );
  fake = await new FakeSlack().start();
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  fake.socketUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link`;
  socket = new Promise((resolve) => {
    wss.once('connection', (ws) => {
      ws.on('message', (data) => acks.push(JSON.parse(String(data)) as { envelope_id: string }));
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0APP' } }));
      resolve(ws);
    });
  });
  app = await startApp(
    loadConfig({
      DATABASE_URL: tdb.url,
      PORT: '0',
      DEMO_DATA: 'off',
      LOCAL_CHAT: 'off',
      SCHEDULER: 'false',
      SLACK_APP_TOKEN: 'xapp-test',
      SLACK_BOT_TOKEN: 'xoxb-sock',
      SLACK_API_URL: fake.apiUrl,
    }),
  );
});
afterAll(async () => {
  await app?.stop();
  for (const c of wss?.clients ?? []) c.terminate();
  await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
  await fake?.stop();
  await tdb?.drop();
});

describe('Socket Mode', () => {
  it('connects with the app token and answers a slash command sent over the socket, acknowledging the envelope', async () => {
    const ws = await socket;
    expect(fake.of('apps.connections.open')[0]?.token).toBe('xapp-test');
    ws.send(
      JSON.stringify({
        envelope_id: 'env-1',
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: {
          team_id: TEAM,
          user_id: USER,
          command: '/case',
          text: world.persons.yamadaTaro.code,
          response_url: fake.hook('sock'),
          trigger_id: 'trig-sock',
          channel_id: 'C0PUBLIC',
        },
      }),
    );
    const answer = await fake.waitFor((c) => c.hook === 'sock');
    expect(answer.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(answer.body)).toContain('山田 太郎');
    expect(acks.map((a) => a.envelope_id)).toContain('env-1');
  });

  it('serves no /slack/events route: nothing can be sent to it', async () => {
    const res = await fetch(`${app.url}/slack/events`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(404);
  });
});
