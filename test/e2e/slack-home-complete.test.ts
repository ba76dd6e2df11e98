import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consultations, reminders } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { planTenant } from '../../src/scheduler/plan-tenant';
import { FakeSlack, FORM, interactionBody, JSON_TYPE, postSigned, type SlackCall } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';
import { linkedAccount, slackEnv, testAppConfig } from '../helpers/platform-app';

// Issue "A counselor's phone", item 14: Slack App Home after 完了 on an overdue monitoring. The
// app's clock is a Thursday in December (10:00 in Japan): June and September are overdue.
const NOW = new Date('2026-12-10T01:00:00Z');
const SECRET = 'e2e-home-secret';
const TEAM = 'T0HOME';
const USER = 'U0HOMEA';
let tdb: TestDatabase;
let world: World;
let fake: FakeSlack;
let app: App;
let eventN = 0;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  fake = await new FakeSlack().start();
  app = await startApp(testAppConfig(tdb, slackEnv(fake, SECRET, 'xoxb-home')), { now: () => NOW });
  await linkedAccount(tdb, {
    tenantId: world.tenantId,
    staffId: world.actors.a.staffId,
    platform: 'slack',
    workspaceId: TEAM,
    userId: USER,
    now: NOW,
  });
  await planTenant(tdb.db, world.tenantId, NOW, { syncReminders: true });
});
afterAll(async () => {
  await app?.stop();
  await fake?.stop();
  await tdb?.drop();
});

type Block = { type: string; text?: { text?: string }; elements?: { action_id?: string; value?: string; text?: { text?: string } }[] };
const blocksOf = (c: SlackCall) => (c.body.view as { blocks: Block[] }).blocks ?? [];
const homeText = (c: SlackCall) => JSON.stringify(c.body.view);
/** The 完了 button App Home shows for the reminder. */
const doneButton = (c: SlackCall, reminderId: string) =>
  blocksOf(c)
    .flatMap((b) => b.elements ?? [])
    .find((e) => e.action_id?.startsWith('yotei:done') && e.value === reminderId);

async function openHome(): Promise<SlackCall> {
  const before = fake.of('views.publish').length;
  await postSigned(
    app.url,
    SECRET,
    JSON.stringify({
      type: 'event_callback',
      team_id: TEAM,
      event_id: `EvHOME${eventN++}`,
      event: { type: 'app_home_opened', user: USER, channel: 'D0HOMEA', tab: 'home' },
    }),
    JSON_TYPE,
  );
  await expect.poll(() => fake.of('views.publish').length).toBeGreaterThan(before);
  return fake.of('views.publish').at(-1) as SlackCall;
}

/** Presses a button on App Home (Slack sends the home view as the container, no response_url). */
async function pressOnHome(button: { action_id?: string; value?: string }, triggerId: string) {
  return postSigned(
    app.url,
    SECRET,
    interactionBody({
      type: 'block_actions',
      team: { id: TEAM },
      user: { id: USER, team_id: TEAM },
      trigger_id: triggerId,
      container: { type: 'view', view_id: 'VHOME' },
      view: { id: 'VHOME', type: 'home' },
      actions: [{ type: 'button', action_id: button.action_id, value: button.value, block_id: 'b' }],
    }),
    FORM,
  );
}

async function september() {
  const rows = await tdb.db
    .select()
    .from(reminders)
    .where(and(eq(reminders.kind, 'monitoring'), eq(reminders.recipientId, world.actors.a.staffId)));
  const row = rows.find((r) => r.key.endsWith(':2026-09'));
  if (!row) throw new Error('no September monitoring reminder');
  return row;
}

describe('item 14: App Home reflects a 完了 at once', () => {
  it('完了 on an overdue monitoring → record modal → the home is published again without it; a second tap on the old home records nothing', async () => {
    const sep = await september();
    const home = await openHome();
    expect(homeText(home)).toContain('令和8年9月');
    const button = doneButton(home, sep.id);
    expect(button).toBeDefined();

    // 完了 on an overdue month opens the record form as a modal (the real date is asked).
    await pressOnHome(button ?? {}, 'trig-home-1');
    const open = await fake.waitFor((c) => c.method === 'views.open' && c.body.trigger_id === 'trig-home-1');
    const view = open.body.view as {
      callback_id: string;
      private_metadata: string;
      blocks: { block_id?: string; element?: { initial_value?: string } }[];
    };
    expect(view.callback_id).toBe('soudan:new');
    expect(view.blocks.find((b) => b.block_id === 'person')?.element?.initial_value).toBe(world.persons.yamadaTaro.code);

    // The press itself refreshes the home too (it may have changed meanwhile): let it land first.
    await expect.poll(() => fake.of('views.publish').length).toBe(2);
    // The counselor submits it with the real date in September.
    const submitted = await postSigned(
      app.url,
      SECRET,
      interactionBody({
        type: 'view_submission',
        team: { id: TEAM },
        user: { id: USER, team_id: TEAM },
        api_app_id: 'A0APP',
        trigger_id: 'trig-view-home',
        view: {
          id: 'V-home-record',
          type: 'modal',
          callback_id: 'soudan:new',
          private_metadata: view.private_metadata,
          blocks: ['person', 'occurredOn', 'method', 'kind', 'summary'].map((b) => ({ type: 'input', block_id: b })),
          state: {
            values: {
              person: { v: { type: 'plain_text_input', value: world.persons.yamadaTaro.code } },
              occurredOn: { v: { type: 'datepicker', selected_date: '2026-09-24' } },
              method: { v: { type: 'static_select', selected_option: { value: '訪問' } } },
              kind: { v: { type: 'static_select', selected_option: { value: 'モニタリング' } } },
              summary: { v: { type: 'plain_text_input', value: '9月のモニタリング。自宅訪問で本人・家族と面談した。' } },
            },
          },
        },
      }),
      FORM,
    );
    expect(submitted.status).toBe(200);
    const answer = await fake.waitFor((c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes('相談記録を登録しました'));
    expect(answer.body.channel).toMatch(/^D/);

    // At once: the reminder is done, and the home is published again without September's 完了.
    expect((await september()).status).toBe('done');
    await expect.poll(() => fake.of('views.publish').length).toBe(3);
    const fresh = fake.of('views.publish').at(-1) as SlackCall;
    expect(doneButton(fresh, sep.id)).toBeUndefined();
    expect(homeText(fresh)).not.toContain('令和8年9月');
    expect(homeText(fresh)).toContain('令和8年6月'); // the other overdue month is still there
    // Opening the tab again shows the same.
    expect(doneButton(await openHome(), sep.id)).toBeUndefined();

    // A second tap on the stale home (the phone had not refreshed): a polite answer, no second record.
    const seen = new Set(fake.calls);
    await pressOnHome(button ?? {}, 'trig-home-2');
    const again = await fake.waitFor((c) => !seen.has(c) && (c.method === 'views.open' || c.method === 'chat.postMessage'));
    expect(JSON.stringify(again.body)).toContain('すでに完了');
    expect(JSON.stringify(again.body)).not.toContain('soudan:new');
    const records = await tdb.db
      .select()
      .from(consultations)
      .where(and(eq(consultations.personId, world.persons.yamadaTaro.id), eq(consultations.kind, 'モニタリング')));
    expect(records).toHaveLength(1);
  });
});
