import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackInstallations } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { textReply } from '../../src/chat/replies';
import { loadConfig } from '../../src/config';
import { createLinkCode, redeemLinkCode, registerWorkspace } from '../../src/core/staff/link';
import { FakeSlack, FORM, JSON_TYPE, postSigned, slashBody } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

const SECRET = 'oauth-signing-secret';
const TEAM = 'T0OAUTH';
const BOT_TOKEN = `xoxb-installed-${randomBytes(6).toString('hex')}`;
let tdb: TestDatabase;
let world: World;
let fake: FakeSlack;
let app: App;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  fake = await new FakeSlack().start();
  fake.oauthAnswer = {
    app_id: 'A0APP',
    authed_user: { id: 'U0INSTALLER' },
    scope: 'commands,chat:write,im:write,im:history',
    token_type: 'bot',
    access_token: BOT_TOKEN,
    bot_user_id: 'U0BOT',
    team: { id: TEAM, name: 'テスト市' },
    enterprise: null,
    is_enterprise_install: false,
  };
  app = await startApp(
    loadConfig({
      DATABASE_URL: tdb.url,
      PORT: '0',
      DEMO_DATA: 'off',
      LOCAL_CHAT: 'off',
      SCHEDULER: 'false',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_CLIENT_ID: '123.456',
      SLACK_CLIENT_SECRET: 'client-secret',
      SLACK_STATE_SECRET: 'state-secret-for-tests',
      SLACK_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SLACK_API_URL: fake.apiUrl,
    }),
  );
});
afterAll(async () => {
  await app?.stop();
  await fake?.stop();
  await tdb?.drop();
});

async function beginInstall(): Promise<{ state: string; cookie: string; location: string }> {
  const res = await fetch(`${app.url}/slack/install`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = res.headers.get('location') ?? '';
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { state: new URL(location).searchParams.get('state') ?? '', cookie, location };
}

describe('installing into several workspaces (OAuth)', () => {
  it('a callback with a state from another browser is refused and stores nothing', async () => {
    const { state } = await beginInstall();
    const res = await fetch(`${app.url}/slack/oauth_redirect?code=c0de&state=${encodeURIComponent(state)}`, {
      headers: { cookie: 'slack-app-oauth-state=someone-else' },
    });
    expect(res.status).toBe(400);
    expect(await tdb.db.select().from(slackInstallations)).toEqual([]);
  });

  it('installs, stores the token only encrypted, and answers the workspace once an admin registers it', async () => {
    const { state, cookie, location } = await beginInstall();
    expect(location).toContain('client_id=123.456');
    expect(location).toContain('scope=commands');
    const res = await fetch(`${app.url}/slack/oauth_redirect?code=c0de&state=${encodeURIComponent(state)}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('登録待ち');
    const [row] = await tdb.db.select().from(slackInstallations);
    expect(row?.id).toBe(TEAM);
    expect(row?.sealed).not.toContain(BOT_TOKEN);
    expect(row?.sealed).not.toContain('xoxb');

    // Installed but not yet mapped to a tenant: refused.
    const early = await postSigned(
      app.url,
      SECRET,
      slashBody({ team: TEAM, user: 'U0OA', command: '/help', responseUrl: fake.hook('early') }),
      FORM,
    );
    expect(early.status).toBe(200);
    expect(JSON.stringify((await fake.waitFor((c) => c.hook === 'early')).body)).toContain('登録されていません');

    await registerWorkspace(tdb.db, world.tenantId, 'slack', TEAM);
    await redeemLinkCode(
      tdb.db,
      'slack',
      TEAM,
      'U0OA',
      await createLinkCode(tdb.db, world.tenantId, world.actors.a.staffId, new Date()),
      new Date(),
    );
    await postSigned(
      app.url,
      SECRET,
      slashBody({ team: TEAM, user: 'U0OA', command: '/soudan', responseUrl: fake.hook('oa'), triggerId: 'trig-oa' }),
      FORM,
    );
    const open = await fake.waitFor((c) => c.method === 'views.open' && c.body.trigger_id === 'trig-oa');
    expect(open.token).toBe(BOT_TOKEN);

    const sent = await app.senders
      .get('slack')
      ?.send({ kind: 'user', workspaceId: TEAM, userId: 'U0OA' }, textReply('お知らせ', 'dm'), 'oauth:1');
    expect(sent?.ok).toBe(true);
    expect(fake.of('chat.postMessage').at(-1)?.token).toBe(BOT_TOKEN);
  });

  it('removing the app from a workspace deletes its stored tokens', async () => {
    const res = await postSigned(
      app.url,
      SECRET,
      JSON.stringify({
        type: 'event_callback',
        team_id: TEAM,
        api_app_id: 'A0APP',
        event_id: 'Ev0UNINSTALL',
        event: { type: 'app_uninstalled' },
      }),
      JSON_TYPE,
    );
    expect(res.status).toBe(200);
    for (let i = 0; i < 100 && (await tdb.db.select().from(slackInstallations)).length > 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await tdb.db.select().from(slackInstallations)).toEqual([]);
    const sent = await app.senders.get('slack')?.send({ kind: 'user', workspaceId: TEAM, userId: 'U0OA' }, textReply('x', 'dm'), 'oauth:3');
    expect(sent).toMatchObject({ ok: false, permanent: true });
  });

  it('a workspace that never installed the app cannot be sent to', async () => {
    const sent = await app.senders
      .get('slack')
      ?.send({ kind: 'user', workspaceId: 'T0NEVER', userId: 'U1' }, textReply('x', 'dm'), 'oauth:2');
    expect(sent).toMatchObject({ ok: false, permanent: true });
  });
});
