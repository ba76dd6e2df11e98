import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { localChatApi, type LocalChatApi } from '../helpers/web-chat';

let tdb: TestDatabase;
let app: App;
const now = new Date('2026-11-22T01:00:00Z'); // Sunday 22 November 2026, 10:00 JST
let staffByName: Record<string, string>;
let chat: LocalChatApi;

beforeAll(async () => {
  tdb = await createTestDatabase();
  app = await startApp(
    loadConfig({ ...process.env, DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'on', LOCAL_CHAT: 'on' }),
    { now: () => now },
  );
  chat = await localChatApi(app.url);
  staffByName = Object.fromEntries((await chat.staff()).map((s) => [s.name, s.id]));
});
afterAll(async () => {
  await app?.stop();
  await tdb?.drop();
});

async function send(staffName: string, input: unknown): Promise<string> {
  const res = await chat.post({ staffId: staffByName[staffName], input });
  expect(res.status).toBe(200);
  return JSON.stringify(await res.json());
}

describe('meetings in the running app (local web chat, demo tenant)', () => {
  it('the secretariat imports the sample year plan and an attendee sees the next meetings', async () => {
    const sample = readFileSync(new URL('../../docs/samples/meeting-plan.csv', import.meta.url), 'utf8');
    expect(await send('小川 ゆい', { kind: 'line', line: '会議 取込' })).toContain('年間計画の取り込み');
    const checked = await send('小川 ゆい', {
      kind: 'form',
      formId: 'kaigi:import',
      values: { fiscalYear: '2026', mode: 'check', csv: sample },
    });
    expect(checked).toContain('誤りはありません');
    const imported = await send('小川 ゆい', {
      kind: 'form',
      formId: 'kaigi:import',
      values: { fiscalYear: '2026', mode: 'import-past', csv: sample },
    });
    expect(imported).toContain('年間計画を取り込みました');
    const list = await send('上田 みのり', { kind: 'line', line: 'かいぎ' });
    expect(list).toContain('2/4(木) 10:00 災害対策部会');
    expect(list).not.toContain('運営会議');
    const agenda = await send('江藤 まこと', { kind: 'line', line: '会議 議題' });
    expect(agenda).toContain('第9回 運営会議 議題');
    expect(agenda).toContain('整理待ちの地域課題');
  });
});
