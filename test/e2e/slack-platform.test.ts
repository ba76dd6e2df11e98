import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SenderRegistry } from '../../src/chat/adapter';
import { CommandRegistry, type CommandSpec } from '../../src/chat/registry';
import { button, card, reply, textReply } from '../../src/chat/replies';
import type { Reply } from '../../src/chat/types';
import { loadConfig } from '../../src/config';
import { createLinkCode, redeemLinkCode, registerWorkspace } from '../../src/core/staff/link';
import { HttpServer } from '../../src/http/server';
import { mountSlack, type SlackMount } from '../../src/platforms/slack/index';
import { FakeSlack, FORM, interactionBody, JSON_TYPE, postSigned, slashBody, type SlackCall } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

/**
 * Platform behaviour that no registered command shows yet, with small commands of its own:
 * a reminder with 完了 / スヌーズ, a long list, oversized text, a form asked for in a DM.
 */
const SECRET = 'platform-signing-secret';
const TEAM = 'T0PLAT';
const USER = 'U0PLAT';
let tdb: TestDatabase;
let world: World;
let fake: FakeSlack;
let http: HttpServer;
let slack: SlackMount;
let url = '';
let n = 0;

const reminder = (state: string): Reply => ({
  visibility: 'dm',
  summary: 'モニタリングの期限が近づいています',
  blocks: [
    card(
      'モニタリング期限',
      [
        { label: 'ケース', value: 'C-0001' },
        { label: '状態', value: state },
      ],
      state === '未対応' ? [button('完了', 'tsuchi:done', 'r1', 'primary'), button('スヌーズ', 'tsuchi:snooze', 'r1')] : undefined,
    ),
  ],
});

const testCommands: CommandSpec[] = [
  {
    id: 'tsuchi',
    aliases: [],
    label: '通知',
    description: 'test reminder',
    usage: '通知',
    async onCommand() {
      return [{ ...reminder('未対応'), visibility: 'ephemeral' }];
    },
    async onAction(_ctx, action) {
      const state = action.id === 'tsuchi:done' ? '完了しました' : '明日（次の営業日）にもう一度お知らせします';
      return [{ ...reminder(state), visibility: 'ephemeral', replaceOriginal: true }];
    },
  },
  {
    id: 'nagai',
    aliases: [],
    label: '長い一覧',
    description: 'test list',
    usage: '長い一覧',
    async onCommand() {
      const items = Array.from({ length: 25 }, (_, i) => ({
        title: `項目${i + 1}`,
        description: `説明${i + 1}`,
        button: button('開く', 'nagai:open', String(i + 1)),
      }));
      return [reply('25件', [{ type: 'list', title: '25件あります', items }])];
    },
    async onAction(_ctx, action) {
      return [textReply(`項目${action.value}を開きました`)];
    },
  },
  {
    id: 'kigou',
    aliases: [],
    label: '長文',
    description: 'test long text',
    usage: '長文',
    async onCommand() {
      const long = '𠮷野家👨‍👩‍👧'.repeat(2000);
      return [reply(long, [{ type: 'text', text: long }, card(long, [{ label: long, value: long }], [button(long, 'kigou:x', 'v')])])];
    },
  },
  {
    id: 'fomu',
    aliases: ['フォーム'],
    label: 'フォーム',
    description: 'test form',
    usage: 'フォーム',
    async onCommand() {
      return [
        reply('入力', [
          {
            type: 'form',
            formId: 'fomu:new',
            title: 'テスト入力',
            fields: [{ name: 'memo', label: 'メモ', type: 'text', required: true }],
          },
        ]),
      ];
    },
  },
];

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  fake = await new FakeSlack().start();
  const registry = new CommandRegistry(testCommands);
  http = new HttpServer();
  const config = loadConfig({
    DATABASE_URL: tdb.url,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: 'xoxb-platform',
    SLACK_API_URL: fake.apiUrl,
  });
  const mounted = mountSlack(http, new SenderRegistry(), { db: tdb.db, registry, config }, { now: () => new Date() });
  if (!mounted) throw new Error('slack not mounted');
  slack = mounted;
  const addr = await http.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${addr.port}`;
  await registerWorkspace(tdb.db, world.tenantId, 'slack', TEAM);
  await redeemLinkCode(
    tdb.db,
    'slack',
    TEAM,
    USER,
    await createLinkCode(tdb.db, world.tenantId, world.actors.a.staffId, new Date()),
    new Date(),
  );
});
afterAll(async () => {
  await http?.close();
  await slack?.stop();
  await fake?.stop();
  await tdb?.drop();
});
beforeEach(() => fake.clear());

async function slash(command: string, text = '') {
  const hook = `p${n++}`;
  await postSigned(url, SECRET, slashBody({ team: TEAM, user: USER, command, text, responseUrl: fake.hook(hook) }), FORM);
  return hook;
}

function press(actionId: string, value: string, where: { channel: string; ts: string; ephemeral: boolean; hook: string }) {
  return postSigned(
    url,
    SECRET,
    interactionBody({
      type: 'block_actions',
      team: { id: TEAM },
      user: { id: USER, team_id: TEAM },
      trigger_id: `trig-${where.hook}`,
      response_url: fake.hook(where.hook),
      container: { type: 'message', channel_id: where.channel, message_ts: where.ts, is_ephemeral: where.ephemeral },
      channel: { id: where.channel },
      actions: [{ type: 'button', action_id: actionId, value, block_id: 'b' }],
    }),
    FORM,
  );
}

type Btn = { action_id: string; value: string; text: { text: string } };
function buttons(c: SlackCall): Btn[] {
  const blocks = c.body.blocks as { elements?: Btn[]; accessory?: Btn }[];
  return blocks.flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]).filter((e) => e.action_id);
}

describe('reminders by direct message', () => {
  it('arrive as a DM with 完了 / スヌーズ, and 完了 updates that message in place', async () => {
    const sent = await slack.sender.send({ kind: 'user', workspaceId: TEAM, userId: USER }, reminder('未対応'), 'reminder:1');
    expect(sent.ok).toBe(true);
    expect(fake.of('conversations.open')[0]?.body.users).toBe(USER);
    const post = fake.of('chat.postMessage')[0];
    expect(post?.body.channel).toBe('D0PLAT');
    expect(post?.token).toBe('xoxb-platform');
    expect(buttons(post as SlackCall).map((b) => b.text.text)).toEqual(['完了', 'スヌーズ']);
    const done = buttons(post as SlackCall)[0] as Btn;
    const ts = sent.ok ? ((sent.messageId ?? '').split(':')[1] ?? '') : '';
    const res = await press(done.action_id, done.value, { channel: 'D0PLAT', ts, ephemeral: false, hook: 'rem' });
    expect(res.status).toBe(200);
    const update = await fake.waitFor((c) => c.method === 'chat.update');
    expect(update.body).toMatchObject({ channel: 'D0PLAT', ts });
    expect(JSON.stringify(update.body)).toContain('完了しました');
    expect(buttons(update)).toEqual([]);
    expect(fake.of('chat.postMessage')).toHaveLength(1);
  });

  it('スヌーズ on an ephemeral message replaces it through its response_url', async () => {
    const hook = await slash('/tsuchi');
    const shown = await fake.waitFor((c) => c.hook === hook);
    const snooze = buttons(shown)[1] as Btn;
    await press(snooze.action_id, snooze.value, { channel: 'C0X', ts: '9.9', ephemeral: true, hook: 'snz' });
    const replaced = await fake.waitFor((c) => c.hook === 'snz');
    expect(replaced.body.replace_original).toBe(true);
    expect(JSON.stringify(replaced.body)).toContain('次の営業日');
  });
});

describe('the rate-limited Web API client', () => {
  it('a 429 gives the delivery queue its Retry-After, and later sends wait it out without calling Slack', async () => {
    fake.rateLimit('chat.postMessage', 30);
    const first = await slack.sender.send(
      { kind: 'channel', workspaceId: 'T0RL', channelId: 'C0RL' },
      textReply('お知らせ', 'channel'),
      'rl:1',
    );
    expect(first).toMatchObject({ ok: false, permanent: false, retryAfterMs: 30_000 });
    const second = await slack.sender.send(
      { kind: 'channel', workspaceId: 'T0RL', channelId: 'C0RL' },
      textReply('お知らせ', 'channel'),
      'rl:2',
    );
    expect(second).toMatchObject({ ok: false, permanent: false });
    expect(fake.of('chat.postMessage')).toHaveLength(1);
  });

  it('errors a retry cannot fix are permanent; others are retried', async () => {
    fake.fail('chat.postMessage', 'channel_not_found');
    const gone = await slack.sender.send({ kind: 'channel', workspaceId: TEAM, channelId: 'C0GONE' }, textReply('x', 'channel'), 'p:1');
    expect(gone).toMatchObject({ ok: false, permanent: true, error: 'channel_not_found' });
    fake.fail('chat.postMessage', 'internal_error');
    const flaky = await slack.sender.send({ kind: 'channel', workspaceId: TEAM, channelId: 'C0FLAKY' }, textReply('x', 'channel'), 'p:2');
    expect(flaky).toMatchObject({ ok: false, permanent: false });
  });

  it('messages to one channel go about one per second', async () => {
    const to = { kind: 'channel' as const, workspaceId: TEAM, channelId: 'C0PACE' };
    await slack.sender.send(to, textReply('1', 'channel'), 'pace:1');
    await slack.sender.send(to, textReply('2', 'channel'), 'pace:2');
    const [a, b] = fake.of('chat.postMessage');
    expect((b?.at ?? 0) - (a?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });
});

describe('Block Kit limits', () => {
  it('a long list is paginated, and 次へ replaces the message with the next page', async () => {
    const hook = await slash('/nagai');
    const page1 = await fake.waitFor((c) => c.hook === hook);
    expect(JSON.stringify(page1.body)).toContain('項目10');
    expect(JSON.stringify(page1.body)).not.toContain('項目11"');
    const next = buttons(page1).find((b) => b.text.text === '次へ') as Btn;
    await press(next.action_id, next.value, { channel: 'C0X', ts: '1.1', ephemeral: true, hook: 'page2' });
    const page2 = await fake.waitFor((c) => c.hook === 'page2');
    expect(page2.body.replace_original).toBe(true);
    expect(JSON.stringify(page2.body)).toContain('項目11');
    expect(JSON.stringify(page2.body)).toContain('11〜20件目 / 全25件');
  });

  it('oversized text is cut at the limits without breaking a character', async () => {
    const hook = await slash('/kigou');
    const msg = await fake.waitFor((c) => c.hook === hook);
    const raw = JSON.stringify(msg.body);
    expect(raw).not.toMatch(/\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])/i);
    const blocks = msg.body.blocks as {
      type: string;
      text?: { text: string };
      fields?: { text: string }[];
      elements?: { text: { text: string } }[];
    }[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks) {
      if (b.type === 'header') expect(b.text?.text.length).toBeLessThanOrEqual(150);
      if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
      if (b.type === 'actions') for (const e of b.elements ?? []) expect(e.text.text.length).toBeLessThanOrEqual(75);
    }
    expect(String(msg.body.text).length).toBeLessThanOrEqual(3000);
  });
});

describe('a modal that cannot open in time', () => {
  it('is offered as a button that opens it (expired trigger)', async () => {
    fake.fail('views.open', 'expired_trigger_id');
    const hook = await slash('/fomu');
    const answer = await fake.waitFor((c) => c.hook === hook);
    expect(answer.body.response_type).toBe('ephemeral');
    expect(buttons(answer)[0]?.text.text).toContain('テスト入力');
  });
});

describe('forms asked for in a direct message', () => {
  it('come as a button that opens the modal', async () => {
    await postSigned(
      url,
      SECRET,
      JSON.stringify({
        type: 'event_callback',
        team_id: TEAM,
        event_id: 'Ev0FORM',
        event: { type: 'message', channel_type: 'im', channel: 'D0PLAT', user: USER, text: 'フォーム', ts: '3.3' },
      }),
      JSON_TYPE,
    );
    const msg = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.body.channel === 'D0PLAT');
    const open = buttons(msg)[0] as Btn;
    expect(open.text.text).toContain('テスト入力');
    await press(open.action_id, open.value, { channel: 'D0PLAT', ts: '3.4', ephemeral: false, hook: 'open' });
    const modal = await fake.waitFor((c) => c.method === 'views.open');
    expect((modal.body.view as { callback_id: string }).callback_id).toBe('fomu:new');
  });
});
