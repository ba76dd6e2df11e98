import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { consultations } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLinkCode, redeemLinkCode, registerWorkspace } from '../../src/core/staff/link';
import { FakeSlack, FORM, interactionBody, postSigned, slashBody, type SlackCall } from '../fakes/slack';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeWorld, type World } from '../helpers/world';

const SECRET = 'commands-signing-secret';
const TEAM = 'T0CMDS';
let tdb: TestDatabase;
let world: World;
let fake: FakeSlack;
let app: App;
let n = 0;

const users = { counselor: 'U0COUNSELOR', kikan: 'U0KIKAN', city: 'U0CITY' } as const;

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
      SLACK_BOT_TOKEN: 'xoxb-cmds',
      SLACK_API_URL: fake.apiUrl,
    }),
  );
  await registerWorkspace(tdb.db, world.tenantId, 'slack', TEAM);
  const link = async (staffId: string, user: string) =>
    redeemLinkCode(tdb.db, 'slack', TEAM, user, await createLinkCode(tdb.db, world.tenantId, staffId, new Date()), new Date());
  await link(world.actors.a.staffId, users.counselor);
  await link(world.actors.kikan.staffId, users.kikan);
  await link(world.actors.city.staffId, users.city);
});
afterAll(async () => {
  await app?.stop();
  await fake?.stop();
  await tdb?.drop();
});
beforeEach(() => fake.clear());

const toChannel = (c: SlackCall) => c.method === 'chat.postMessage' && !String(c.body.channel).startsWith('D');
const inChannel = (c: SlackCall) => c.method === 'response_url' && c.body.response_type === 'in_channel';

async function slash(command: string, text: string, user: string) {
  const hook = `h${n++}`;
  const trigger = `trig-${hook}`;
  const started = Date.now();
  const res = await postSigned(
    app.url,
    SECRET,
    slashBody({ team: TEAM, user, command, text, responseUrl: fake.hook(hook), triggerId: trigger }),
    FORM,
  );
  return { res, hook, trigger, ackMs: Date.now() - started };
}

/** The asker's answer to one command: an ephemeral reply, a modal, or a DM. */
function answerOf(hook: string, trigger: string) {
  return fake.waitFor(
    (c) =>
      (c.method === 'response_url' && c.hook === hook) ||
      (c.method === 'views.open' && c.body.trigger_id === trigger) ||
      (c.method === 'chat.postMessage' && String(c.body.channel).startsWith('D')),
  );
}

describe('every registered command, for every kind of staff', () => {
  it('answers the asker and never posts to a channel', async () => {
    const ids = app.registry.all().map((c) => c.id);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    for (const [role, user] of Object.entries(users)) {
      for (const id of ids) {
        for (const text of ['', '一覧']) {
          const { res, hook, trigger } = await slash(`/${id}`, text, user);
          expect(res.status, `/${id} ${text} as ${role}`).toBe(200);
          const answer = await answerOf(hook, trigger);
          expect(JSON.stringify(answer.body), `/${id} ${text} as ${role}`).not.toContain('エラーが発生しました');
          expect(fake.calls.filter(toChannel), `/${id} ${text} as ${role}`).toEqual([]);
          expect(fake.calls.filter(inChannel), `/${id} ${text} as ${role}`).toEqual([]);
          fake.clear();
        }
      }
    }
  });

  it('every command works under its prefixed name too', async () => {
    for (const spec of app.registry.all()) {
      const { hook, trigger } = await slash(`/soudan-${spec.id}`, '', users.counselor);
      await answerOf(hook, trigger);
      fake.clear();
    }
  });
});

describe('acknowledgement within Slack’s 3 seconds', () => {
  /** Holds an exclusive lock on `table` for `ms`, so that any query touching it waits. */
  async function holdLock(table: string, ms: number): Promise<{ released: Promise<void> }> {
    let locked: () => void = () => {};
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const released = tdb.sql
      .begin(async (tx) => {
        await tx.unsafe(`lock table ${table} in access exclusive mode`);
        locked();
        await new Promise((r) => setTimeout(r, ms));
      })
      .then(() => undefined);
    await isLocked;
    return { released };
  }

  it('a command is acknowledged at once while the database is slow, and answered when it recovers', async () => {
    const { released } = await holdLock('persons', 3_500);
    const { res, hook, ackMs } = await slash('/case', world.persons.yamadaTaro.code, users.counselor);
    expect(res.status).toBe(200);
    expect(ackMs).toBeLessThan(2_000);
    expect(fake.calls.filter((c) => c.hook === hook)).toEqual([]);
    await released;
    const answer = await fake.waitFor((c) => c.hook === hook);
    expect(JSON.stringify(answer.body)).toContain('山田 太郎');
  });

  it('a modal submission is answered before 3 s while the database is slow, and stored afterwards', async () => {
    const { released } = await holdLock('persons', 4_000);
    const started = Date.now();
    const res = await postSigned(
      app.url,
      SECRET,
      interactionBody({
        type: 'view_submission',
        team: { id: TEAM },
        user: { id: users.counselor, team_id: TEAM },
        view: {
          id: 'V0SLOW',
          callback_id: 'soudan:new',
          private_metadata: JSON.stringify({ f: 'soudan:new', r: fake.hook('slow-modal') }),
          blocks: [{ type: 'input', block_id: 'person' }],
          state: {
            values: {
              person: { v: { type: 'plain_text_input', value: world.persons.yamadaTaro.code } },
              occurredOn: { v: { type: 'datepicker', selected_date: '2026-11-20' } },
              method: { v: { type: 'static_select', selected_option: { value: '電話' } } },
              kind: { v: { type: 'static_select', selected_option: { value: '専門機関の紹介' } } },
              summary: { v: { type: 'plain_text_input', value: '紹介先を案内した。' } },
            },
          },
        },
      }),
      FORM,
    );
    const ackMs = Date.now() - started;
    expect(res.status).toBe(200);
    expect(ackMs).toBeLessThan(2_900);
    await released;
    const answer = await fake.waitFor((c) => c.hook === 'slow-modal');
    expect(JSON.stringify(answer.body)).toContain('相談記録を登録しました');
    const rows = await tdb.db.select().from(consultations).where(eq(consultations.kind, '専門機関の紹介'));
    expect(rows).toHaveLength(1);
  });
});
