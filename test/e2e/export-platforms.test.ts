import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app';
import { FakeLineApi, lineEvent, signedWebhook } from '../fakes/line';
import { postCallback, startFakeLineWorks, type FakeLineWorks } from '../fakes/lineworks';
import { FakeSlack, FORM, postSigned, slashBody } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';
import { linkedAccount, lineWorksEnv, slackEnv, testAppConfig } from '../helpers/platform-app';

/**
 * Issue "A counselor's phone", item 6, on Slack, LINE WORKS and LINE: 出力 answers with absolute
 * links one can tap (PUBLIC_BASE_URL, never a relative `/export?t=…` as text), and the times it
 * names are Japan time. The app's clock is 16:04 UTC on 3 December, already 01:04 on 4 December
 * in Japan: a UTC time would show the wrong day.
 */
const NOW = new Date('2026-12-03T16:04:00Z');
const BASE = 'https://bot.example.jp';
const SLACK_SECRET = 'export-slack-secret';
const SLACK_TEAM = 'T0EXPORT';
const SLACK_USER = 'U0EXPORT';
const LINE_SECRET = 'export-line-channel-secret';
const LINE_BOT = 'Ubot00000000000000000000000000e1';
const LINE_USER = 'U1111111111111111111111111111e01';
const LW_BOT = '2000077';
const LW_SECRET = 'lw-bot-secret-for-export-tests-01';
const LW_DOMAIN = 40029677;
let tdb: TestDatabase;
let world: World;
let slack: FakeSlack;
let line: FakeLineApi;
let works: FakeLineWorks;
let app: App;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  slack = await new FakeSlack().start();
  line = await new FakeLineApi().start();
  works = await startFakeLineWorks();
  const link = (platform: 'slack' | 'line' | 'lineworks', workspaceId: string, userId: string) =>
    linkedAccount(tdb, { tenantId: world.tenantId, staffId: world.actors.a.staffId, platform, workspaceId, userId, now: NOW });
  await link('slack', SLACK_TEAM, SLACK_USER);
  await link('line', LINE_BOT, LINE_USER);
  await link('lineworks', String(LW_DOMAIN), 'u-export');
  app = await startApp(
    testAppConfig(tdb, {
      PUBLIC_BASE_URL: BASE,
      LINK_SECRET: 'an-export-test-link-secret-of-32-chars-or-more',
      ...slackEnv(slack, SLACK_SECRET, 'xoxb-export'),
      LINE_CHANNEL_SECRET: LINE_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: 'test-access-token',
      LINE_API_URL: line.url,
      ...lineWorksEnv(works, { botId: LW_BOT, botSecret: LW_SECRET, domainId: LW_DOMAIN }),
    }),
    { now: () => NOW },
  );
});
afterAll(async () => {
  await app?.stop();
  await slack?.stop();
  await line?.stop();
  await works?.close();
  await tdb?.drop();
});

const EXPORT_URL = /https:\/\/bot\.example\.jp\/export\?t=[\w.-]+/g;
/** The link served by this test's app (PUBLIC_BASE_URL names the public address). */
const local = (url: string) => url.replace(BASE, app.url);

/** The expiry the message names: ten minutes on, in Japan time (01:14 on Friday 4 December). */
function expectJapanTime(text: string): void {
  expect(text).toContain('12/4(金) 01:14まで');
  expect(text).not.toMatch(/2026-12-0[34]T|\d\d:\d\dZ|12\/3\(木\)/);
  // Never a relative link shown as text: every /export?t= is part of an absolute https link.
  expect(text.replace(EXPORT_URL, '')).not.toContain('/export?t=');
}

async function theHtmlSaysJapanTime(url: string): Promise<void> {
  const html = await (await fetch(local(url))).text();
  expect(html).toContain('01:04（日本時間）');
  expect(html).toMatch(/2026年12月4日/);
  expect(html).not.toMatch(/2026-12-03T16:04|16:04/);
}

describe('出力 gives tappable absolute links and Japan time on every platform', () => {
  it('Slack: links in Slack syntax (<url|label>), expiry in JST; the phone view says 01:04（日本時間）', async () => {
    const res = await postSigned(
      app.url,
      SLACK_SECRET,
      slashBody({
        team: SLACK_TEAM,
        user: SLACK_USER,
        command: '/shutsuryoku',
        text: world.persons.yamadaTaro.code,
        responseUrl: slack.hook('export'),
      }),
      FORM,
    );
    expect(res.status).toBe(200);
    const answer = await slack.waitFor((c) => c.method === 'response_url' && c.hook === 'export');
    expect(answer.body.response_type).toBe('ephemeral');
    const text = JSON.stringify(answer.body);
    const links = [...text.matchAll(/<(https:\/\/bot\.example\.jp\/export\?t=[\w.-]+)\|([^>]+)>/g)];
    expect(links.map((m) => m[2])).toEqual(['印刷用PDF（A4）', 'スマートフォンで読む', 'Excel用CSV（Shift_JIS）', 'Excel用CSV（UTF-8）']);
    expectJapanTime(text);
    await theHtmlSaysJapanTime(links[1]?.[1] ?? '');
    // The CSV's dates are Japan dates, never UTC instants.
    const csv = (await (await fetch(local(links[3]?.[1] ?? ''))).text()).replace(/^\uFEFF/, '');
    expect(csv.split('\r\n')[0]).toContain('ケース番号');
    expect(csv).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
  });

  it('LINE: each link is a uri action (a button), expiry in JST', async () => {
    const event = lineEvent.text(LINE_USER, `出力 ${world.persons.yamadaTaro.code}`);
    const signed = signedWebhook(LINE_SECRET, LINE_BOT, [event]);
    const res = await fetch(`${app.url}/line/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-line-signature': signed.signature },
      body: signed.body,
    });
    expect(res.status).toBe(200);
    await line.waitFor(() => line.calls('/v2/bot/message/reply').some((r) => r.body.replyToken === event.replyToken), 'export reply');
    const messages = line.calls('/v2/bot/message/reply').find((r) => r.body.replyToken === event.replyToken)?.body.messages;
    const text = JSON.stringify(messages);
    const uris = [...text.matchAll(/"type":"uri","label":"([^"]+)","uri":"(https:\/\/bot\.example\.jp\/export\?t=[\w.-]+)"/g)];
    expect(uris.map((m) => m[1])).toEqual(expect.arrayContaining(['スマートフォンで読む', '印刷用PDF（A4）']));
    expect(uris).toHaveLength(4);
    expectJapanTime(text);
    await theHtmlSaysJapanTime(uris.find((m) => m[1] === 'スマートフォンで読む')?.[2] ?? '');
  });

  it('LINE WORKS: a button template of uri actions, expiry in JST', async () => {
    const before = works.messages.length;
    const res = await postCallback(
      app.url,
      {
        type: 'message',
        source: { userId: 'u-export', channelId: 'room-x', domainId: LW_DOMAIN },
        issuedTime: NOW.toISOString(),
        content: { type: 'text', text: `出力 ${world.persons.yamadaTaro.code}` },
      },
      { botId: LW_BOT, botSecret: LW_SECRET },
    );
    expect(res.status).toBe(200);
    await expect
      .poll(() => JSON.stringify(works.messages.slice(before).map((m) => m.content)), { timeout: 15_000 })
      .toMatch(/export\?t=[\s\S]*有効/);
    const sent = works.messages.slice(before);
    expect(sent.every((m) => m.kind === 'user' && m.to === 'u-export')).toBe(true);
    const text = JSON.stringify(sent.map((m) => m.content));
    const uris = [...text.matchAll(/"type":"uri","label":"([^"]+)","uri":"(https:\/\/bot\.example\.jp\/export\?t=[\w.-]+)"/g)];
    expect(uris).toHaveLength(4);
    expect(text.match(EXPORT_URL)?.length).toBe(4);
    expectJapanTime(text);
    await theHtmlSaysJapanTime(uris.find((m) => m[1] === 'スマートフォンで読む')?.[2] ?? '');
  });
});
