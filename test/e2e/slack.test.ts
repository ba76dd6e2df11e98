import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consultations } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLinkCode, redeemLinkCode, registerWorkspace, UNLINKED_MESSAGE } from '../../src/core/staff/link';
import { UNKNOWN_TEAM_MESSAGE } from '../../src/platforms/slack/identity';
import { FakeSlack, FORM, interactionBody, JSON_TYPE, postSigned, slashBody, type SlackCall } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

const SECRET = 'e2e-signing-secret';
const TEAM = 'T0TEST';
const USER = 'U0STAFFA';
let tdb: TestDatabase;
let world: World;
let fake: FakeSlack;
let app: App;
let hookN = 0;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  fake = await new FakeSlack().start();
  app = await startApp(
    loadConfig({
      DATABASE_URL: tdb.url,
      PORT: '0',
      DEMO_DATA: 'off',
      LOCAL_CHAT: 'off',
      SCHEDULER: 'false',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-e2e',
      SLACK_API_URL: fake.apiUrl,
    }),
  );
  await registerWorkspace(tdb.db, world.tenantId, 'slack', TEAM);
  const code = await createLinkCode(tdb.db, world.tenantId, world.actors.a.staffId, new Date());
  await redeemLinkCode(tdb.db, 'slack', TEAM, USER, code, new Date());
});
afterAll(async () => {
  await app?.stop();
  await fake?.stop();
  await tdb?.drop();
});
beforeEach(() => fake.clear());

/** Sends a slash command and returns the HTTP answer plus the hook its answers go to. */
async function slash(command: string, text = '', p: { user?: string; team?: string } = {}) {
  const hook = `cmd${hookN++}`;
  const res = await postSigned(
    app.url,
    SECRET,
    slashBody({ team: p.team ?? TEAM, user: p.user ?? USER, command, text, responseUrl: fake.hook(hook) }),
    FORM,
  );
  return { res, hook };
}

/** Presses a button of an ephemeral message in C0PUBLIC; returns the HTTP answer and the hook its answers go to. */
async function press(button: { action_id?: string; value?: string } | undefined, triggerId: string, messageTs: string, hookName = 'press') {
  const hook = `${hookName}${hookN++}`;
  const res = await postSigned(
    app.url,
    SECRET,
    interactionBody({
      type: 'block_actions',
      team: { id: TEAM },
      user: { id: USER, team_id: TEAM },
      trigger_id: triggerId,
      response_url: fake.hook(hook),
      container: { type: 'message', channel_id: 'C0PUBLIC', message_ts: messageTs, is_ephemeral: true },
      channel: { id: 'C0PUBLIC' },
      actions: [{ type: 'button', action_id: button?.action_id, value: button?.value, block_id: 'b' }],
    }),
    FORM,
  );
  return { res, hook };
}

const answerTo = (hook: string) => fake.waitFor((c) => c.method === 'response_url' && c.hook === hook);
const toChannel = (c: SlackCall) => c.method === 'chat.postMessage' && String(c.body.channel).startsWith('C');
const text = (c: SlackCall) => JSON.stringify(c.body);

function viewSubmission(viewId: string, values: Record<string, unknown>, meta: string) {
  return interactionBody({
    type: 'view_submission',
    team: { id: TEAM },
    user: { id: USER, team_id: TEAM },
    api_app_id: 'A0APP',
    trigger_id: 'trig-view',
    view: {
      id: viewId,
      type: 'modal',
      callback_id: 'soudan:new',
      private_metadata: meta,
      blocks: ['person', 'occurredOn', 'method', 'kind', 'summary', 'minutes', 'nextAction', 'nextActionDue', 'abuse'].map((b) => ({
        type: 'input',
        block_id: b,
      })),
      state: { values },
    },
  });
}

const soudanValues = (over: Record<string, unknown> = {}) => ({
  person: { v: { type: 'plain_text_input', value: world.persons.yamadaTaro.code } },
  occurredOn: { v: { type: 'datepicker', selected_date: '2026-11-20' } },
  method: { v: { type: 'static_select', selected_option: { value: '訪問' } } },
  kind: { v: { type: 'static_select', selected_option: { value: '福祉サービスの利用援助' } } },
  summary: { v: { type: 'plain_text_input', value: '通所先の見学に同行した。' } },
  minutes: { v: { type: 'number_input', value: '45' } },
  nextAction: { v: { type: 'plain_text_input', value: null } },
  nextActionDue: { v: { type: 'datepicker', selected_date: null } },
  abuse: { v: { type: 'static_select', selected_option: { value: 'no' } } },
  ...over,
});

describe('slash commands', () => {
  it('/case answers only to the asker, never in the channel', async () => {
    const { res, hook } = await slash('/case', world.persons.yamadaTaro.code);
    expect(res.status).toBe(200);
    const answer = await answerTo(hook);
    expect(answer.body.response_type).toBe('ephemeral');
    expect(text(answer)).toContain('山田 太郎');
    await app.database.sql`select 1`;
    expect(fake.calls.filter(toChannel)).toEqual([]);
  });

  it('a search with several hits lists them with buttons, and a button opens the case', async () => {
    const { hook } = await slash('/case', '山田');
    const list = await answerTo(hook);
    const blocks = list.body.blocks as { accessory?: { action_id: string; value: string } }[];
    const button = blocks.find((b) => b.accessory?.action_id.startsWith('case:show'))?.accessory;
    expect(button).toBeDefined();
    const { res, hook: pressHook } = await press(button, 'trig-press', '1.1');
    expect(res.status).toBe(200);
    const card = await answerTo(pressHook);
    expect(card.body.response_type).toBe('ephemeral');
    expect(text(card)).toMatch(/山田 (太郎|花子)/);
    expect(fake.calls.filter(toChannel)).toEqual([]);
  });

  it('/help lists the commands', async () => {
    const { hook } = await slash('/help');
    const answer = await answerTo(hook);
    expect(text(answer)).toContain('/case');
    expect(text(answer)).toContain('/soudan');
  });

  it('a name prefixed to avoid a clash (/soudan-case) works the same', async () => {
    const { hook } = await slash('/soudan-case', world.persons.yamadaTaro.code);
    expect(text(await answerTo(hook))).toContain('山田 太郎');
  });
});

describe('the consultation modal', () => {
  it('/soudan opens a modal with the form, prefilled', async () => {
    const { res } = await slash('/soudan', world.persons.yamadaTaro.code);
    expect(res.status).toBe(200);
    const open = await fake.waitFor((c) => c.method === 'views.open');
    const view = open.body.view as {
      callback_id: string;
      blocks: { block_id?: string; element?: { initial_value?: string } }[];
      private_metadata: string;
    };
    expect(open.body.trigger_id).toMatch(/^trig-/);
    expect(view.callback_id).toBe('soudan:new');
    expect(view.blocks.find((b) => b.block_id === 'person')?.element?.initial_value).toBe(world.persons.yamadaTaro.code);
    expect(JSON.parse(view.private_metadata)).toMatchObject({ f: 'soudan:new' });
  });

  it('a bad date is shown on the field in Japanese and nothing is stored', async () => {
    const meta = JSON.stringify({ f: 'soudan:new', r: fake.hook('modal-bad') });
    const res = await postSigned(
      app.url,
      SECRET,
      viewSubmission('V-bad', soudanValues({ occurredOn: { v: { type: 'datepicker', selected_date: '2026-02-30' } } }), meta),
      FORM,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors.occurredOn).toMatch(/日/);
    const rows = await tdb.db.select().from(consultations).where(eq(consultations.tenantId, world.tenantId));
    expect(rows).toHaveLength(0);
  });

  it('a valid submission is stored once, even when Slack sends it again, and answered privately', async () => {
    const meta = JSON.stringify({ f: 'soudan:new', r: fake.hook('modal-ok') });
    const payload = viewSubmission('V-ok', soudanValues(), meta);
    const first = await postSigned(app.url, SECRET, payload, FORM);
    expect(first.status).toBe(200);
    expect(await first.text()).toBe('');
    const answer = await answerTo('modal-ok');
    expect(answer.body.response_type).toBe('ephemeral');
    expect(text(answer)).toContain('相談記録を登録しました');
    const again = await postSigned(app.url, SECRET, payload, FORM);
    expect(again.status).toBe(200);
    const rows = await tdb.db.select().from(consultations).where(eq(consultations.personId, world.persons.yamadaTaro.id));
    expect(rows).toHaveLength(1);
    expect(fake.of('response_url').filter((c) => c.hook === 'modal-ok')).toHaveLength(1);
  });
});

describe('「記録する」 on a case card', () => {
  /** Every plain_text / mrkdwn string in a view, the way Slack would show them. */
  const shownTexts = (v: unknown): string[] => {
    if (Array.isArray(v)) return v.flatMap(shownTexts);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const own = (o.type === 'plain_text' || o.type === 'mrkdwn') && typeof o.text === 'string' ? [o.text] : [];
      return [...own, ...Object.values(o).flatMap(shownTexts)];
    }
    return [];
  };

  it('opens the modal with the case code (not the internal id), no text reading null, and records that person', async () => {
    const { hook } = await slash('/case', world.persons.yamadaTaro.code);
    const card = await answerTo(hook);
    const buttons = (card.body.blocks as { elements?: { action_id?: string; value?: string }[] }[]).flatMap((b) => b.elements ?? []);
    const record = buttons.find((e) => e.action_id?.startsWith('soudan:new'));
    expect(record).toBeDefined();
    const { res } = await press(record, 'trig-record', '1.2', 'record');
    expect(res.status).toBe(200);
    const open = await fake.waitFor((c) => c.method === 'views.open');
    expect(open.body.trigger_id).toBe('trig-record');
    const view = open.body.view as {
      callback_id: string;
      private_metadata: string;
      blocks: { type: string; block_id?: string; hint?: unknown; element?: { initial_value?: string } }[];
    };
    expect(view.callback_id).toBe('soudan:new');
    const person = view.blocks.find((b) => b.block_id === 'person')?.element?.initial_value;
    expect(person).toBe(world.persons.yamadaTaro.code);
    expect(JSON.stringify(view)).not.toContain(world.persons.yamadaTaro.id);
    const texts = shownTexts(view.blocks);
    expect(texts.length).toBeGreaterThan(0);
    for (const t of texts) expect(t).not.toMatch(/null|undefined/i);
    // No hint object where the field has none (a date's hint is left to the date picker).
    for (const b of view.blocks.filter((x) => x.type === 'input')) if ('hint' in b) expect(shownTexts(b.hint).join('')).not.toBe('');

    // Submitting the modal as opened stores the consultation for that person.
    const submitted = await postSigned(
      app.url,
      SECRET,
      viewSubmission(
        'V-card',
        soudanValues({
          person: { v: { type: 'plain_text_input', value: person } },
          summary: { v: { type: 'plain_text_input', value: 'カードから開いたモーダルの記録。' } },
        }),
        view.private_metadata,
      ),
      FORM,
    );
    expect(submitted.status).toBe(200);
    await expect
      .poll(async () =>
        (await tdb.db.select().from(consultations).where(eq(consultations.summary, 'カードから開いたモーダルの記録。'))).map(
          (r) => r.personId,
        ),
      )
      .toEqual([world.persons.yamadaTaro.id]);
  });
});

describe('who may use the bot', () => {
  it('a workspace that is not registered is refused', async () => {
    const { res, hook } = await slash('/case', '山田', { team: 'T0UNKNOWN' });
    expect(res.status).toBe(200);
    const answer = await answerTo(hook);
    expect(text(answer)).toContain(UNKNOWN_TEAM_MESSAGE);
    expect(text(answer)).not.toContain('山田 太郎');
  });

  it('an unlinked user is asked to link, links with a code, and can then search', async () => {
    const { hook } = await slash('/case', '山田', { user: 'U0NEW' });
    expect(text(await answerTo(hook))).toContain(UNLINKED_MESSAGE);
    const code = await createLinkCode(tdb.db, world.tenantId, world.actors.a2.staffId, new Date());
    const link = await slash('/soudan-link', code, { user: 'U0NEW' });
    expect(text(await answerTo(link.hook))).toContain('連携しました');
    const after = await slash('/case', world.persons.yamadaTaro.code, { user: 'U0NEW' });
    expect(text(await answerTo(after.hook))).toContain('山田 太郎');
  });
});

describe('request verification', () => {
  const body = () => slashBody({ team: TEAM, user: USER, command: '/help', responseUrl: fake.hook('never') });

  it('a forged signature is refused', async () => {
    const res = await postSigned(app.url, SECRET, body(), FORM, { signature: `v0=${'0'.repeat(64)}` });
    expect(res.status).toBe(401);
  });

  it('a body signed with another secret is refused', async () => {
    const res = await postSigned(app.url, 'not-the-secret', body(), FORM);
    expect(res.status).toBe(401);
  });

  it('a request older than five minutes is refused', async () => {
    const res = await postSigned(app.url, SECRET, body(), FORM, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(res.status).toBe(401);
  });

  it('an oversized body is refused unread', async () => {
    const res = await postSigned(app.url, SECRET, `text=${'あ'.repeat(600_000)}`, FORM);
    expect(res.status).toBe(413);
  });

  it('a genuine request sent again (a replay) is answered only once', async () => {
    const raw = slashBody({
      team: TEAM,
      user: USER,
      command: '/case',
      text: world.persons.yamadaTaro.code,
      responseUrl: fake.hook('replay'),
      triggerId: 'trig-replay',
    });
    const timestamp = Math.floor(Date.now() / 1000);
    expect((await postSigned(app.url, SECRET, raw, FORM, { timestamp })).status).toBe(200);
    await fake.waitFor((c) => c.hook === 'replay');
    expect((await postSigned(app.url, SECRET, raw, FORM, { timestamp })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.of('response_url').filter((c) => c.hook === 'replay')).toHaveLength(1);
  });

  it('the URL verification challenge is answered', async () => {
    const res = await postSigned(app.url, SECRET, JSON.stringify({ type: 'url_verification', challenge: 'abc123' }), JSON_TYPE);
    expect(await res.json()).toEqual({ challenge: 'abc123' });
    expect(fake.of('response_url').filter((c) => c.hook === 'never')).toEqual([]);
  });
});

describe('events', () => {
  const dm = (eventId: string, words: string) =>
    JSON.stringify({
      type: 'event_callback',
      team_id: TEAM,
      api_app_id: 'A0APP',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      event: { type: 'message', channel_type: 'im', channel: 'D0STAFFA', user: USER, text: words, ts: '2.2' },
    });

  it('a retried event is handled once', async () => {
    const payload = dm('Ev0RETRY', 'ヘルプ');
    const first = await postSigned(app.url, SECRET, payload, JSON_TYPE);
    expect(first.status).toBe(200);
    await fake.waitFor((c) => c.method === 'chat.postMessage' && c.body.channel === 'D0STAFFA');
    const retry = await postSigned(app.url, SECRET, payload, JSON_TYPE, {
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retry.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.of('chat.postMessage').filter((c) => c.body.channel === 'D0STAFFA')).toHaveLength(1);
  });

  it('a direct message to the bot answers in the DM', async () => {
    await postSigned(app.url, SECRET, dm('Ev0CASE', `ケース ${world.persons.yamadaTaro.code}`), JSON_TYPE);
    const msg = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.body.channel === 'D0STAFFA');
    expect(text(msg)).toContain('山田 太郎');
  });

  it('opening App Home publishes the viewer’s home', async () => {
    const res = await postSigned(
      app.url,
      SECRET,
      JSON.stringify({
        type: 'event_callback',
        team_id: TEAM,
        event_id: 'Ev0HOME',
        event: { type: 'app_home_opened', user: USER, channel: 'D0STAFFA', tab: 'home' },
      }),
      JSON_TYPE,
    );
    expect(res.status).toBe(200);
    const pub = await fake.waitFor((c) => c.method === 'views.publish');
    expect(pub.body.user_id).toBe(USER);
    expect((pub.body.view as { type: string }).type).toBe('home');
    expect(text(pub)).toContain(world.actors.a.name);
  });
});
