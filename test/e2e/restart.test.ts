import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { localChatApi } from '../helpers/web-chat';

// The quick start's own path: no DATABASE_URL, so the app starts its embedded PostgreSQL in
// DATA_DIR, loads the demo tenant once, and keeps what was logged across a restart.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soudan-restart-'));
fs.chmodSync(dataDir, 0o755);
const env = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', SCHEDULER: 'false' };
let app: App | null = null;

afterAll(async () => {
  await app?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function post(base: string, staffId: string, input: unknown) {
  const res = await (await localChatApi(base)).post({ staffId, input });
  expect(res.status).toBe(200);
  return (await res.json()) as { replies: unknown[]; fieldErrors?: Record<string, string> };
}

async function aoki(base: string): Promise<string> {
  const staff = await (await localChatApi(base)).staff();
  const found = staff.find((s) => s.name.startsWith('青木'));
  if (!found) throw new Error('demo staff missing');
  return found.id;
}

describe('embedded quick start', () => {
  it('serves /healthz, loads demo data once, and keeps a logged consultation across a restart', async () => {
    app = await startApp(loadConfig(env));
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    const staffId = await aoki(app.url);
    const saved = await post(app.url, staffId, {
      kind: 'form',
      formId: 'soudan:new',
      values: {
        person: 'C-0001',
        occurredOn: '今日',
        method: '電話',
        kind: '専門機関の紹介',
        summary: '再起動テスト用の記録です。',
        abuse: 'no',
      },
    });
    expect(saved.fieldErrors).toBeUndefined();
    await app.stop();
    app = null;

    app = await startApp(loadConfig(env));
    // Same staff id: the demo tenant was not loaded a second time.
    expect(await aoki(app.url)).toBe(staffId);
    const card = await post(app.url, staffId, { kind: 'line', line: 'ケース C-0001' });
    expect(JSON.stringify(card.replies)).toContain('専門機関の紹介');
    await app.stop();
    app = null;
  }, 120_000);
});
