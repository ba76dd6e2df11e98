/**
 * Issue 15 on Slack: a change of monitoring frequency of a 支給決定 entered in a modal opened
 * from a button. The first submission turns the modal into its confirmation (one choice, the
 * months on it); the second saves, and the answer is the case card with the new rule.
 * Signed requests in, a fake Slack API on loopback records what goes out.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicePlans } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { FakeSlack, FORM, interactionBody, postSigned } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';
import { linkedAccount, slackEnv, testAppConfig } from '../helpers/platform-app';

// Thursday 3 December 2026, 10:00 JST. 山田太郎 (C-0001): 2026-04-01 – 2027-03-31, 3か月ごと.
const NOW = new Date('2026-12-03T01:00:00Z');
const SECRET = 'e2e-decision-secret';
const TEAM = 'T0DECIDE';
const USER = 'U0DECIDEA';
let tdb: TestDatabase;
let world: World;
let fake: FakeSlack;
let app: App;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  fake = await new FakeSlack().start();
  app = await startApp(testAppConfig(tdb, slackEnv(fake, SECRET, 'xoxb-decide')), { now: () => NOW });
  await linkedAccount(tdb, {
    tenantId: world.tenantId,
    staffId: world.actors.a.staffId,
    platform: 'slack',
    workspaceId: TEAM,
    userId: USER,
    now: NOW,
  });
});
afterAll(async () => {
  await app?.stop();
  await fake?.stop();
  await tdb?.drop();
});

type View = { callback_id: string; private_metadata: string; blocks: { type: string; block_id?: string; hint?: { text?: string } }[] };

function submitView(view: View, id: string, values: Record<string, Record<string, unknown>>) {
  return postSigned(
    app.url,
    SECRET,
    interactionBody({
      type: 'view_submission',
      team: { id: TEAM },
      user: { id: USER, team_id: TEAM },
      api_app_id: 'A0APP',
      trigger_id: `trig-${id}`,
      view: {
        id,
        type: 'modal',
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        blocks: view.blocks,
        state: { values },
      },
    }),
    FORM,
  );
}

describe('支給決定 on Slack', () => {
  it('変更 in a modal: the confirmation replaces the form with the months, 保存 saves, the answer shows 毎月', async () => {
    const taro = world.persons.yamadaTaro;
    const pressed = await postSigned(
      app.url,
      SECRET,
      interactionBody({
        type: 'block_actions',
        team: { id: TEAM },
        user: { id: USER, team_id: TEAM },
        trigger_id: 'trig-open-decision',
        container: { type: 'view', view_id: 'VHOME' },
        view: { id: 'VHOME', type: 'home' },
        actions: [{ type: 'button', action_id: 'shikyu:form', value: `change:${taro.id}`, block_id: 'b' }],
      }),
      FORM,
    );
    expect(pressed.status).toBe(200);
    const open = await fake.waitFor((c) => c.method === 'views.open' && c.body.trigger_id === 'trig-open-decision');
    const form = open.body.view as View;
    expect(form.callback_id).toBe('shikyu:change');

    const first = await submitView(form, 'V-decision-1', {
      person: { v: { type: 'plain_text_input', value: taro.code } },
      changeFrom: { v: { type: 'plain_text_input', value: '令和9年1月' } },
      frequency: { v: { type: 'static_select', selected_option: { value: '1' } } },
    });
    expect(first.status).toBe(200);
    const ack = (await first.json()) as { response_action: string; view: View };
    expect(ack.response_action).toBe('update');
    expect(ack.view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id)).toEqual(['step']);
    expect(JSON.stringify(ack.view)).toContain('2026年12月・2027年1月・2027年2月・2027年3月');
    expect((await tdb.db.select().from(servicePlans).where(eq(servicePlans.personId, taro.id)))[0]?.version).toBe(1);

    const second = await submitView(ack.view, 'V-decision-2', {
      step: { v: { type: 'static_select', selected_option: { value: 'save' } } },
    });
    expect(second.status).toBe(200);
    const answer = await fake.waitFor(
      (c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes('支給決定（変更）を保存しました'),
    );
    expect(JSON.stringify(answer.body)).toContain('毎月');
    expect(String(answer.body.channel)).toMatch(/^D|^U/);
    const [plan] = await tdb.db.select().from(servicePlans).where(eq(servicePlans.personId, taro.id));
    expect(plan?.segments).toEqual([{ from: '2027-01', frequencyMonths: 1 }]);
  });
});
