/**
 * One contract, four adapters (issue 14 item 6): Slack, LINE WORKS, LINE and the local web chat
 * are driven from outside, each with requests in its own real format (signed where the platform
 * signs) against one running app, and each must:
 * - give the same reply content for the same logical input: the text 「ケース 山田」 (the same
 *   persons, nothing of another tenant) and the press of the 開く button it rendered (the same
 *   case card), as the platform-free dispatch answers it;
 * - drop a duplicate (the same event id delivered again), where the platform redelivers;
 * - refuse an unknown account and an account of another tenant the same way, without data;
 * - keep every output within that platform's documented limits (LIMITS of its renderer).
 * A new platform is one more entry in ADAPTERS (docs/architecture.md, "Adding a platform").
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAccounts } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { dispatch } from '../../src/chat/dispatch';
import { parseChatLine } from '../../src/chat/parse';
import type { Actor } from '../../src/chat/types';
import { loadConfig } from '../../src/config';
import { createLinkCode, redeemLinkCode, registerWorkspace, UNLINKED_MESSAGE } from '../../src/core/staff/link';
import { LIMITS as LINE_LIMITS } from '../../src/platforms/line/render';
import { MAX_POSTBACK_DATA } from '../../src/platforms/line/postback';
import { MAX_MESSAGES as LINE_MAX_MESSAGES } from '../../src/platforms/line/client';
import { LIMITS as LW_LIMITS } from '../../src/platforms/lineworks/render';
import { MAX_POSTBACK as LW_MAX_POSTBACK } from '../../src/platforms/lineworks/postback';
import { LIMITS as SLACK_LIMITS } from '../../src/platforms/slack/render';
import { FakeLineApi, lineEvent, signedWebhook } from '../fakes/line';
import { postCallback, startFakeLineWorks, type FakeLineWorks } from '../fakes/lineworks';
import { FakeSlack, FORM, interactionBody, JSON_TYPE, postSigned } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { localChatApi, type LocalChatApi } from '../helpers/web-chat';
import { makeWorld, type World } from '../helpers/world';

const SLACK_SECRET = 'contract-signing-secret';
const SLACK_TEAM = 'T0CONTRACT';
const LINE_SECRET = 'contract-line-channel-secret';
const LINE_BOT = 'Ubot00000000000000000000000000c1';
const LW_BOT = '2000077';
const LW_SECRET = 'contract-lineworks-bot-secret-0123';
const LW_DOMAIN = 40029677;

let tdb: TestDatabase;
let world: World;
let slack: FakeSlack;
let line: FakeLineApi;
let lw: FakeLineWorks;
let app: App;
let local: LocalChatApi;

/** Who writes: the linked counselor A, an account never linked, an account linked to another tenant's staff. */
type Who = 'staff' | 'unknown' | 'otherTenant';

/** Every string of a platform's JSON, as a person would see it (and more: ids, URLs). */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}
/** Addressing and delivery fields: who it went to, not what it says. */
const ADDRESSING = new Set(['channel', 'to', 'replyToken', 'thread_ts', 'ts', 'user', 'botId']);
/** The strings of an answer that a person reads (addressing left out), joined. */
function shown(v: unknown): string {
  const walk = (x: unknown): string[] => {
    if (typeof x === 'string') return [x];
    if (Array.isArray(x)) return x.flatMap(walk);
    if (x && typeof x === 'object') return Object.entries(x).flatMap(([k, y]) => (ADDRESSING.has(k) ? [] : walk(y)));
    return [];
  };
  return walk(v).join('\n');
}
/** Objects anywhere in a JSON value. */
function objects(v: unknown): Record<string, unknown>[] {
  if (Array.isArray(v)) return v.flatMap(objects);
  if (v && typeof v === 'object') return [v as Record<string, unknown>, ...Object.values(v).flatMap(objects)];
  return [];
}
const graphemes = (s: string) => [...new Intl.Segmenter('ja', { granularity: 'grapheme' }).segment(s)].length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Delivery ids already sent once (a second send is the platform's retry or redelivery). */
const seen = new Set<string>();
let lwSeq = 0;

/** Waits until `collect` returns something, then a little longer for the rest of the answer. */
async function outputs(collect: () => unknown[], quietMs = 300, timeoutMs = 15_000): Promise<unknown[]> {
  const until = Date.now() + timeoutMs;
  while (collect().length === 0) {
    if (Date.now() > until) return [];
    await sleep(25);
  }
  await sleep(quietMs);
  return collect();
}

interface Adapter {
  name: string;
  /** Whether the platform delivers an event again (retries, redelivery): then duplicates must be dropped. */
  redelivers: boolean;
  /** Whether an account belongs to a workspace of one tenant (not the local chat: it picks staff directly). */
  workspaces: boolean;
  /**
   * Sends the text as `who` and returns what the platform was sent back. With `eventId`, the
   * delivery is identified by it (the same id is the same delivery); `waitMs` bounds the wait
   * when nothing may come.
   */
  say(who: Who, text: string, eventId?: string, waitMs?: number): Promise<unknown[]>;
  /** Presses, as counselor A, the button of `shown` whose value carries `value`. */
  press(shown: unknown[], value: string): Promise<unknown[]>;
  /** The refusal an unknown account gets, as it appears in the platform's output. */
  refusal: string;
  /** Outputs beyond the platform's documented limits, one line each. */
  overLimits(out: unknown[]): string[];
}

const slackUsers: Record<Who, string> = { staff: 'U0CSTAFF', unknown: 'U0CNOBODY', otherTenant: 'U0COTHER' };
const lineUsers: Record<Who, string> = {
  staff: 'U0000000000000000000000000000c0a',
  unknown: 'U0000000000000000000000000000c0b',
  otherTenant: 'U0000000000000000000000000000c0c',
};
const lwUsers: Record<Who, string> = { staff: 'c-a', unknown: 'c-nobody', otherTenant: 'c-other' };

function slackLimits(out: unknown[]): string[] {
  const bad: string[] = [];
  for (const body of out as Record<string, unknown>[]) {
    const blocks = (body.blocks ?? []) as unknown[];
    if (blocks.length > SLACK_LIMITS.messageBlocks) bad.push(`${blocks.length} blocks`);
    for (const o of objects(blocks)) {
      if (o.type === 'section' && o.text && strings(o.text).join('').length > SLACK_LIMITS.sectionText) bad.push('section text');
      if (o.type === 'button') {
        if (strings(o.text).join('').length > SLACK_LIMITS.buttonText) bad.push(`button text ${strings(o.text).join('')}`);
        if (typeof o.value === 'string' && o.value.length > SLACK_LIMITS.buttonValue) bad.push('button value');
        if (typeof o.action_id === 'string' && o.action_id.length > 255) bad.push('action_id');
      }
      if (o.type === 'actions' && Array.isArray(o.elements) && o.elements.length > SLACK_LIMITS.actionsElements)
        bad.push('actions elements');
    }
    if (typeof body.text === 'string' && body.text.length > 40_000) bad.push('message text');
  }
  return bad;
}

function lineLimits(out: unknown[]): string[] {
  const bad: string[] = [];
  for (const messages of out as Record<string, unknown>[][]) {
    if (messages.length > LINE_MAX_MESSAGES) bad.push(`${messages.length} messages in one call`);
    for (const m of messages) {
      if (m.type === 'text' && String(m.text).length > LINE_LIMITS.text) bad.push('text');
      if (typeof m.altText === 'string' && m.altText.length > LINE_LIMITS.altText) bad.push('altText');
      const contents = m.contents as { type?: string; contents?: unknown[] } | undefined;
      if (contents?.type === 'carousel' && (contents.contents?.length ?? 0) > LINE_LIMITS.carouselBubbles) bad.push('carousel bubbles');
      if (m.type === 'flex' && JSON.stringify(m.contents).length > LINE_LIMITS.carouselBytes) bad.push('flex bytes');
      const quick = (m.quickReply as { items?: unknown[] } | undefined)?.items ?? [];
      if (quick.length > LINE_LIMITS.quickReplies) bad.push('quick replies');
      for (const o of objects(m)) {
        if (typeof o.label === 'string' && graphemes(o.label) > LINE_LIMITS.label) bad.push(`label ${o.label}`);
        if (o.type === 'postback' && typeof o.data === 'string' && o.data.length > MAX_POSTBACK_DATA) bad.push('postback data');
        if (o.type === 'text' && typeof o.text === 'string' && m.type === 'flex' && o.text.length > LINE_LIMITS.flexText)
          bad.push('flex text');
      }
    }
  }
  return bad;
}

function lineworksLimits(out: unknown[]): string[] {
  const bad: string[] = [];
  for (const c of out as Record<string, unknown>[]) {
    if (c.type === 'text' && String(c.text).length > LW_LIMITS.text) bad.push('text');
    if (c.type === 'list_template' && Array.isArray(c.elements) && c.elements.length > LW_LIMITS.listElements) bad.push('list elements');
    if (c.type === 'button_template') {
      if (String(c.contentText ?? '').length > LW_LIMITS.buttonText) bad.push('button text');
      if (Array.isArray(c.actions) && c.actions.length > LW_LIMITS.buttons) bad.push('buttons');
    }
    if (c.type === 'carousel' && Array.isArray(c.columns) && c.columns.length > LW_LIMITS.carouselColumns) bad.push('carousel columns');
    if (typeof c.altText === 'string' && c.altText.length > LW_LIMITS.altText) bad.push('altText');
    const quick = (c.quickReply as { items?: unknown[] } | undefined)?.items ?? [];
    if (quick.length > LW_LIMITS.quickReplies) bad.push('quick replies');
    for (const o of objects(c)) {
      if (typeof o.label === 'string' && graphemes(o.label) > LW_LIMITS.label) bad.push(`label ${o.label}`);
      if (typeof o.postback === 'string' && o.postback.length > LW_MAX_POSTBACK) bad.push('postback');
    }
  }
  return bad;
}

const ADAPTERS: Adapter[] = [
  {
    name: 'Slack',
    redelivers: true,
    workspaces: true,
    refusal: UNLINKED_MESSAGE,
    async say(who, text, eventId = `Ev${randomUUID()}`, waitMs) {
      const mark = slack.calls.length;
      const channel = `D0${who.toUpperCase()}`;
      const body = JSON.stringify({
        type: 'event_callback',
        team_id: SLACK_TEAM,
        api_app_id: 'A0APP',
        event_id: eventId,
        event_time: Math.floor(Date.now() / 1000),
        event: { type: 'message', channel_type: 'im', channel, user: slackUsers[who], text, ts: '1700000000.000100' },
      });
      // A second delivery of the same event is Slack's retry, and says so.
      const again = seen.has(eventId) ? { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } } : {};
      seen.add(eventId);
      const res = await postSigned(app.url, SLACK_SECRET, body, JSON_TYPE, again);
      expect(res.status).toBe(200);
      return outputs(
        () =>
          slack.calls
            .slice(mark)
            .filter((c) => c.method === 'chat.postMessage' && c.body.channel === channel)
            .map((c) => c.body),
        300,
        waitMs,
      );
    },
    async press(shown, value) {
      const button = objects(shown).find((o) => o.type === 'button' && typeof o.value === 'string' && o.value.includes(value));
      expect(button, 'a button carrying the value').toBeDefined();
      const hook = `press-${randomUUID()}`;
      const mark = slack.calls.length;
      const res = await postSigned(
        app.url,
        SLACK_SECRET,
        interactionBody({
          type: 'block_actions',
          team: { id: SLACK_TEAM },
          user: { id: slackUsers.staff, team_id: SLACK_TEAM },
          trigger_id: `trig-${randomUUID()}`,
          response_url: slack.hook(hook),
          container: { type: 'message', channel_id: 'D0STAFF', message_ts: '1.1', is_ephemeral: false },
          channel: { id: 'D0STAFF' },
          actions: [{ type: 'button', action_id: button?.action_id, value: button?.value, block_id: 'b' }],
        }),
        FORM,
      );
      expect(res.status).toBe(200);
      return outputs(() =>
        slack.calls
          .slice(mark)
          .filter((c) => c.method === 'chat.postMessage' || c.hook === hook)
          .map((c) => c.body),
      );
    },
    overLimits: slackLimits,
  },
  {
    name: 'LINE WORKS',
    redelivers: true,
    workspaces: true,
    refusal: UNLINKED_MESSAGE,
    async say(who, text, eventId, waitMs) {
      // LINE WORKS has no event id: a callback is known again by its body (user, time issued,
      // content), so the delivery id is the issued time.
      const issuedTime = eventId
        ? new Date(Date.UTC(2026, 10, 22) + (parseInt(eventId.slice(-8), 36) % 86_400_000)).toISOString()
        : new Date(Date.now() + ++lwSeq).toISOString();
      const mark = lw.messages.length;
      const event = {
        type: 'message',
        source: { userId: lwUsers[who], channelId: 'room-c', domainId: LW_DOMAIN },
        issuedTime,
        content: { type: 'text', text },
      };
      const res = await postCallback(app.url, event, { botId: LW_BOT, botSecret: LW_SECRET });
      expect(res.status).toBe(200);
      return outputs(
        () =>
          lw.messages
            .slice(mark)
            .filter((m) => m.to === lwUsers[who])
            .map((m) => m.content),
        300,
        waitMs,
      );
    },
    async press(shown, value) {
      const action = objects(shown).find((o) => typeof o.postback === 'string' && o.postback.includes(value));
      expect(action, 'a button carrying the value').toBeDefined();
      const mark = lw.messages.length;
      // A template button comes back as a message event carrying its postback.
      const event = {
        type: 'message',
        source: { userId: lwUsers.staff, channelId: 'room-c', domainId: LW_DOMAIN },
        issuedTime: new Date().toISOString(),
        content: { type: 'text', text: String(action?.label ?? ''), postback: action?.postback },
      };
      const res = await postCallback(app.url, event, { botId: LW_BOT, botSecret: LW_SECRET });
      expect(res.status).toBe(200);
      return outputs(() =>
        lw.messages
          .slice(mark)
          .filter((m) => m.to === lwUsers.staff)
          .map((m) => m.content),
      );
    },
    overLimits: lineworksLimits,
  },
  {
    name: 'LINE',
    redelivers: true,
    workspaces: true,
    refusal: UNLINKED_MESSAGE,
    async say(who, text, eventId, waitMs) {
      const again = eventId !== undefined && seen.has(eventId);
      if (eventId) seen.add(eventId);
      const event = {
        ...lineEvent.text(lineUsers[who], text),
        ...(eventId ? { webhookEventId: eventId, replyToken: `r${eventId.toLowerCase()}`, deliveryContext: { isRedelivery: again } } : {}),
      };
      return lineSend(event, lineUsers[who], waitMs);
    },
    async press(shown, value) {
      const action = objects(shown).find((o) => o.type === 'postback' && typeof o.data === 'string' && o.data.includes(value));
      expect(action, 'a button carrying the value').toBeDefined();
      return lineSend(lineEvent.postback(lineUsers.staff, String(action?.data)), lineUsers.staff);
    },
    overLimits: lineLimits,
  },
  {
    name: 'local web chat',
    redelivers: false,
    workspaces: false,
    refusal: 'その職員は登録されていません。',
    async say(who, text) {
      const staffId = who === 'staff' ? world.actors.a.staffId : who === 'otherTenant' ? world.actors.other.staffId : randomUUID();
      const res = await local.post({ staffId, input: { kind: 'line', line: text } });
      const body = (await res.json()) as { replies?: unknown[]; error?: string };
      return body.replies ?? [body];
    },
    async press(shown, value) {
      const b = objects(shown).find((o) => o.kind === 'action' && typeof o.value === 'string' && o.value.includes(value));
      expect(b, 'a button carrying the value').toBeDefined();
      const res = await local.post({ staffId: world.actors.a.staffId, input: { kind: 'action', id: b?.id, value: b?.value } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { replies: unknown[] }).replies;
    },
    // The page renders a Reply with DOM APIs; no platform limit applies beyond the API's body size.
    overLimits: (out) => (JSON.stringify(out).length > 256 * 1024 ? ['answer over 256 KB'] : []),
  },
];

async function lineSend(event: { replyToken: string }, to: string, waitMs?: number): Promise<unknown[]> {
  const mark = line.requests.length;
  const signed = signedWebhook(LINE_SECRET, LINE_BOT, [event]);
  const res = await fetch(`${app.url}/line/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-line-signature': signed.signature },
    body: signed.body,
  });
  expect(res.status).toBe(200);
  return outputs(
    () =>
      line.requests
        .slice(mark)
        .filter(
          (r) =>
            r.status < 300 &&
            ((r.path === '/v2/bot/message/reply' && r.body.replyToken === event.replyToken) ||
              (r.path === '/v2/bot/message/push' && r.body.to === to)),
        )
        .map((r) => r.body.messages as unknown[]),
    300,
    waitMs,
  );
}

/** The platform-free answer: what dispatch gives counselor A for the same input. */
async function canonical(actor: Actor, input: Parameters<typeof dispatch>[2]): Promise<string[]> {
  const r = await dispatch({ db: app.database.db, registry: app.registry, now: () => new Date() }, actor, input);
  return strings(r.replies);
}

const NAMES = ['山田 太郎', '山田 花子', '山本 一郎', '鈴木 次郎'];
const namesIn = (out: unknown[]) => {
  const all = strings(out).join('\n');
  return NAMES.filter((n) => all.includes(n));
};

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  slack = await new FakeSlack().start();
  line = await new FakeLineApi().start();
  lw = await startFakeLineWorks();
  app = await startApp(
    loadConfig({
      DATABASE_URL: tdb.url,
      PORT: '0',
      HOST: '127.0.0.1',
      DEMO_DATA: 'off',
      LOCAL_CHAT: 'on',
      SCHEDULER: 'false',
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-contract',
      SLACK_API_URL: slack.apiUrl,
      LINE_CHANNEL_SECRET: LINE_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: 'test-access-token',
      LINE_API_URL: line.url,
      LINEWORKS_BOT_ID: LW_BOT,
      LINEWORKS_BOT_SECRET: LW_SECRET,
      LINEWORKS_CLIENT_ID: lw.clientId,
      LINEWORKS_CLIENT_SECRET: lw.clientSecret,
      LINEWORKS_SERVICE_ACCOUNT: lw.serviceAccount,
      LINEWORKS_PRIVATE_KEY: lw.privateKeyPem.replace(/\n/g, '\\n'),
      LINEWORKS_DOMAIN_ID: String(LW_DOMAIN),
      LINEWORKS_API_URL: lw.apiUrl,
      LINEWORKS_AUTH_URL: lw.authUrl,
      PUBLIC_BASE_URL: 'https://bot.example.jp',
      LINK_SECRET: 'a-contract-link-secret-of-at-least-32-chars',
    }),
  );
  local = await localChatApi(app.url);
  const otherTenant = world.actors.other;
  for (const [platform, workspaceId, users] of [
    ['slack', SLACK_TEAM, slackUsers],
    ['lineworks', String(LW_DOMAIN), lwUsers],
    ['line', LINE_BOT, lineUsers],
  ] as const) {
    await registerWorkspace(tdb.db, world.tenantId, platform, workspaceId);
    await redeemLinkCode(
      tdb.db,
      platform,
      workspaceId,
      users.staff,
      await createLinkCode(tdb.db, world.tenantId, world.actors.a.staffId, new Date()),
      new Date(),
    );
    // An account of this tenant's workspace bound to another municipality's staff member: the link
    // flow cannot make one (codes are per tenant), so it is written as if a gate had let it through.
    await tdb.owner.db
      .insert(chatAccounts)
      .values({ tenantId: otherTenant.tenantId, staffId: otherTenant.staffId, platform, workspaceId, userId: users.otherTenant });
  }
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await slack?.stop();
  await line?.stop();
  await lw?.close();
  await tdb?.drop();
});

describe.each(ADAPTERS)('adapter contract: $name', (adapter) => {
  let list: unknown[] = [];

  it('「ケース 山田」 answers the persons dispatch answers, nothing of another tenant, within the limits', async () => {
    const cmd = parseChatLine(app.registry, 'ケース 山田');
    expect(cmd).not.toBeNull();
    if (!cmd) return;
    const expected = await canonical(world.actors.a, cmd);
    list = await adapter.say('staff', 'ケース 山田');
    expect(namesIn(list).sort()).toEqual(NAMES.filter((n) => expected.join('\n').includes(n)).sort());
    expect(namesIn(list).sort()).toEqual(['山田 太郎', '山田 花子']);
    // The other tenant's 山田 (same family name, same case number there) is not among them.
    expect(shown(list)).not.toContain('山田 三郎');
    expect(shown(list)).not.toContain(world.persons.otherYamada.id);
    expect(adapter.overLimits(list)).toEqual([]);
  });

  it('the 開く button it rendered opens the same case card as dispatch', async () => {
    const taro = world.persons.yamadaTaro;
    const r = await dispatch({ db: app.database.db, registry: app.registry, now: () => new Date() }, world.actors.a, {
      kind: 'action',
      id: 'case:show',
      value: taro.id,
    });
    // Every field label of the card dispatch answers (short, never truncated by a renderer).
    const labels = objects(r.replies)
      .filter((o) => o.type === 'card')
      .flatMap((c) => ((c.fields ?? []) as { label: string }[]).map((f) => f.label));
    expect(labels).toContain('次回モニタリング');
    const card = await adapter.press(list, taro.id);
    const text = shown(card);
    expect(text).toContain('山田 太郎');
    expect(namesIn(card)).toEqual(['山田 太郎']);
    for (const label of labels) expect(text, label).toContain(label);
    expect(adapter.overLimits(card)).toEqual([]);
  });

  it.runIf(adapter.redelivers)('drops a duplicate: the same event delivered twice is answered once', async () => {
    const id = `DUP${randomUUID().replace(/-/g, '').slice(0, 20).toUpperCase()}`;
    const first = await adapter.say('staff', 'ヘルプ', id);
    expect(strings(first).join('\n')).toContain('使えるコマンド');
    expect(await adapter.say('staff', 'ヘルプ', id, 1500)).toEqual([]);
  });

  it('refuses an unknown account with the platform’s refusal and no data', async () => {
    const out = await adapter.say('unknown', 'ケース 山田');
    const shown = strings(out).join('\n');
    expect(shown).toContain(adapter.refusal);
    expect(namesIn(out)).toEqual([]);
  });

  it.runIf(adapter.workspaces)('refuses an account of another tenant exactly like an unknown one', async () => {
    const unknown = shown(await adapter.say('unknown', 'ヘルプ'));
    const other = shown(await adapter.say('otherTenant', 'ヘルプ'));
    expect(other).toContain(adapter.refusal);
    expect(other).toBe(unknown);
    expect(namesIn(await adapter.say('otherTenant', 'ケース 山田'))).toEqual([]);
  });

  it.runIf(!adapter.workspaces)('another tenant’s staff member sees none of this tenant’s persons', async () => {
    const out = await adapter.say('otherTenant', 'ケース 山田');
    expect(namesIn(out)).toEqual([]);
    expect(shown(out)).not.toContain(world.persons.yamadaTaro.id);
    expect(shown(out)).not.toContain(world.persons.yamadaHanako.id);
  });
});
