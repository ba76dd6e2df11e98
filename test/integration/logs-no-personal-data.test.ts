import postgres from 'postgres';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consultations, lineInbox, lineworksInbox } from '../../db/schema/index';
import { createRegistry } from '../../handlers/index';
import { startDialogue, continueDialogue } from '../../src/chat/dialogue/engine';
import { UNSTORABLE_MESSAGE, hasUnstorable } from '../../src/chat/unstorable';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { searchPersons } from '../../src/core/cases/search';
import { registerWorkspace } from '../../src/core/staff/link';
import { captureLogs, safeError, safeErrorText, statementName } from '../../src/log';
import { storeEvents } from '../../src/platforms/line/inbox';
import { routeEvent } from '../../src/platforms/line/route';
import type { LineEvent } from '../../src/platforms/line/events';
import { storeCallback } from '../../src/platforms/lineworks/inbox';
import { repliesFor, callbackSchema } from '../../src/platforms/lineworks/process';
import { soudanForm } from '../../handlers/soudan';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { localChatApi, type LocalChatApi } from '../helpers/web-chat';
import { makeWorld, type World } from '../helpers/world';

// Issue "Nothing personal leaks", item 3: when a database call failed, the "handler failed" line
// carried the query's parameters (names typed into a search, whole summaries); one NUL byte was
// enough, and a PostgreSQL restart wrote lines containing 「%山田%」.

const now = new Date('2026-11-24T01:00:00Z'); // Tuesday 24 November 2026, 10:00 JST
const PHONE = '090-1234-5678';
const SUMMARY = `母（${PHONE}）から電話。山田さんの通所先での様子について相談を受けた。`;
/** Everything personal this file types or stores: none of it may reach a log line. */
const SEEDED = ['山田', '太郎', 'やまだ', 'たろう', PHONE, PHONE.replace(/-/g, ''), '1234-5678', '通所先での様子', '母（', '%山'];

let tdb: TestDatabase;
let world: World;
let app: App;
let chat: LocalChatApi;
let admin: postgres.Sql;

beforeAll(async () => {
  tdb = await createTestDatabase();
  world = await makeWorld(tdb.db);
  app = await startApp(
    loadConfig({ DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'off', LOCAL_CHAT: 'on', SCHEDULER: 'false' }),
    { now: () => now },
  );
  chat = await localChatApi(app.url);
  admin = postgres(tdb.ownerUrl, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await admin?.end();
  await app?.stop();
  await tdb?.drop();
});

type Answer = { replies: { blocks: { type: string; text?: string }[] }[]; fieldErrors?: Record<string, string>; errorId?: string };
async function send(input: unknown): Promise<Answer> {
  const res = await chat.post({ staffId: world.actors.a.staffId, input });
  expect(res.status).toBe(200);
  return (await res.json()) as Answer;
}
const textOf = (a: Answer) => JSON.stringify(a.replies);
const record = (summary: string) => ({
  kind: 'form',
  formId: 'soudan:new',
  values: { person: world.persons.yamadaTaro.code, occurredOn: '今日', method: '電話', kind: '専門機関の紹介', summary, abuse: 'no' },
});
const stored = async () =>
  (await tdb.db.select({ id: consultations.id }).from(consultations).where(eq(consultations.personId, world.persons.yamadaTaro.id))).length;

describe('safeError', () => {
  it('keeps the SQL state and the statement kind of a failed query, never its params nor its message', async () => {
    // What drizzle throws: a wrapper whose message is the query and its params, around postgres.js's error.
    const e = await searchPersons(tdb.db, world.actors.a, `山田\u0000`, now).then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toContain('%山田'); // the leak: what used to be logged
    const safe = safeError(e);
    expect(safe.code).toBe('22021'); // character_not_in_repertoire: the NUL byte
    expect(safe.statement).toBe('select persons');
    for (const s of SEEDED) expect(JSON.stringify(safe)).not.toContain(s);
    expect(safeErrorText(e)).toMatch(/^DrizzleQueryError 22021 select persons$/);
  });

  it('withholds any message that could be personal, keeps plain English ones', () => {
    expect(safeError(new TypeError("Cannot read properties of undefined (reading 'id')")).message).toBe(
      "Cannot read properties of undefined (reading 'id')",
    );
    expect(safeError(new Error(`電話 ${PHONE}`)).message).toBeUndefined();
    expect(safeError(new Error('call 0312345678 back')).message).toBeUndefined();
    expect(safeError(new Error('mail taro@example.jp')).message).toBeUndefined();
    let parseError: unknown;
    try {
      JSON.parse('{"familyName": "yamada"');
    } catch (x) {
      parseError = x;
    }
    expect(JSON.stringify(safeError(parseError))).not.toContain('yamada');
    expect(safeError('山田 太郎').message).toBeUndefined();
    expect(statementName('insert into "consultations" ("id", "summary") values ($1, $2)')).toBe('insert consultations');
    expect(statementName('select audit_append($1::uuid, $2)')).toBe('select audit_append');
    expect(statementName('update "persons" set "family_name" = $1')).toBe('update persons');
  });
});

describe('a whole flow with NUL bytes and PostgreSQL failures: no log line carries a name, a phone number or a summary', () => {
  it('refuses NUL bytes politely at the edge, logs failed queries by SQL state only', async () => {
    const logs = captureLogs('trace');
    try {
      const before = await stored();

      // 1. NUL bytes: in a search, in a record's summary, in a button's value. Refused in Japanese, nothing run.
      const search = await send({ kind: 'line', line: 'ケース 山\u0000田' });
      expect(textOf(search)).toContain(UNSTORABLE_MESSAGE);
      const form = await send(record(`${SUMMARY}\u0000`));
      expect(form.fieldErrors?.summary).toContain('保存できない文字');
      expect(textOf(form)).toContain(UNSTORABLE_MESSAGE);
      const lone = await send(record(`${SUMMARY}\ud800`));
      expect(lone.fieldErrors?.summary).toContain('保存できない文字');
      const action = await send({ kind: 'action', id: 'case:show', value: `${world.persons.yamadaTaro.id}\u0000` });
      expect(textOf(action)).toContain(UNSTORABLE_MESSAGE);
      expect(await stored()).toBe(before);

      // 2. An insert PostgreSQL refuses (a trigger raising, as a full disk or a broken constraint would).
      await admin.unsafe(
        `create function refuse_consultation() returns trigger language plpgsql as $$ begin raise exception 'refused for the test'; end $$`,
      );
      await admin.unsafe(
        `create trigger refuse_consultation before insert on consultations for each row execute function refuse_consultation()`,
      );
      const failed = await send(record(SUMMARY));
      await admin.unsafe(`drop trigger refuse_consultation on consultations; drop function refuse_consultation()`);
      expect(failed.errorId).toMatch(/^[0-9a-f]{8}$/);
      expect(textOf(failed)).toContain('エラー番号');

      // 3. A backend terminated mid-search (what a PostgreSQL restart does): the query's params were 「%山田%」.
      await admin.unsafe('begin');
      await admin.unsafe('lock table persons in access exclusive mode');
      const pending = send({ kind: 'line', line: 'ケース 山田' });
      let pid: number | undefined;
      for (let i = 0; i < 100 && pid === undefined; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const [row] = await tdb.db.execute<{ pid: number }>(
          sql`select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%persons%' and pid <> pg_backend_pid()`,
        );
        pid = row?.pid;
      }
      expect(pid).toBeDefined();
      await tdb.db.execute(sql`select pg_terminate_backend(${pid}::int)`);
      await admin.unsafe('rollback');
      const terminated = await pending;
      expect(textOf(terminated)).toContain('エラー番号');

      // 4. The same search afterwards works (the pool replaced the connection) and is logged by ids only.
      expect(textOf(await send({ kind: 'line', line: 'ケース 山田' }))).toContain('山田');
    } finally {
      logs.stop();
    }

    const lines = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown> & { msg: string; err?: Record<string, unknown> });
    const failures = lines.filter((l) => l.msg === 'handler failed');
    expect(failures.map((l) => l.err?.statement)).toEqual(['insert consultations', 'select persons']);
    expect(failures[0]?.err?.code).toBe('P0001');
    // The server's 57P01 (admin shutdown) or the socket's reset, whichever postgres.js saw first.
    expect(failures[1]?.err?.code).toMatch(/^(57P01|ECONNRESET|CONNECTION_(CLOSED|ENDED|DESTROYED))$/);
    expect(lines.filter((l) => l.msg === 'user error' && l.code === 'unstorable_input')).toHaveLength(4);
    const all = logs.lines.join('\n');
    for (const s of SEEDED) expect(all, `a log line carries 「${s}」`).not.toContain(s);
    expect(hasUnstorable(all)).toBe(false);
  });

  it('a dialogue answer (LINE, LINE WORKS) with a NUL byte is asked again, nothing stored', async () => {
    const deps = { db: tdb.db, registry: createRegistry(), now: () => now };
    const key = { platform: 'line' as const, workspaceId: 'U-dest', userId: 'U-nul' };
    await startDialogue(tdb.db, key, soudanForm('2026-11-24'), now);
    const again = await continueDialogue(deps, key, world.actors.a, `山\u0000田`, now);
    expect(JSON.stringify(again)).toContain('保存できない文字');
  });

  it('LINE and LINE WORKS events with a NUL byte are stored (marked) and answered with the polite refusal', async () => {
    const logs = captureLogs('trace');
    try {
      await registerWorkspace(tdb.db, world.tenantId, 'line', 'U-dest');
      const event = {
        type: 'message',
        webhookEventId: '01NULTEST',
        timestamp: now.getTime(),
        mode: 'active',
        source: { type: 'user', userId: 'U-nul' },
        message: { type: 'text', text: `ケース 山\u0000田 ${PHONE}` },
      } as LineEvent;
      expect(await storeEvents(tdb.db, 'U-dest', [event])).toBe(1);
      const [row] = await tdb.db.select().from(lineInbox).where(eq(lineInbox.eventId, '01NULTEST'));
      const routed = await routeEvent(
        { db: tdb.db, registry: createRegistry(), config: { LINK_SECRET: undefined, PUBLIC_BASE_URL: undefined }, now: () => now },
        'U-dest',
        row?.event as LineEvent,
      );
      expect(JSON.stringify(routed?.replies)).toContain(UNSTORABLE_MESSAGE);

      await registerWorkspace(tdb.db, world.tenantId, 'lineworks', '4242');
      const callback = {
        type: 'message',
        source: { userId: 'lw-nul', domainId: 4242 },
        content: { type: 'text', text: `記録 ${SUMMARY}\u0000` },
      };
      expect(await storeCallback(tdb.db, Buffer.from(JSON.stringify(callback)), callback, '4242:lw-nul')).toBe(true);
      const [lw] = await tdb.db.select().from(lineworksInbox).where(eq(lineworksInbox.userKey, '4242:lw-nul'));
      const replies = await repliesFor(
        { db: tdb.db, registry: createRegistry(), api: {} as never, botId: 'b', domainId: null, now: () => now },
        callbackSchema.parse(lw?.event),
      );
      expect(JSON.stringify(replies)).toContain(UNSTORABLE_MESSAGE);
    } finally {
      logs.stop();
    }
    const all = logs.lines.join('\n');
    for (const s of SEEDED) expect(all).not.toContain(s);
  });
});
