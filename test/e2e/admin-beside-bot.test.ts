/**
 * The operator CLI beside a running embedded bot (issue "Ready for a municipality's operator",
 * item 9): `DATA_DIR=<the bot's dir> npm run admin -- …` finds the server the bot started and
 * uses it (the bot keeps running), and a failure is one message, never a stack.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';

const root = path.resolve(__dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soudan-admin-beside-'));
fs.chmodSync(dataDir, 0o755);
let app: App | null = null;

const admin = (args: string[], env: NodeJS.ProcessEnv) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/admin.ts'), ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

beforeAll(async () => {
  // The quick start's bot: embedded server in DATA_DIR, demo tenant loaded.
  app = await startApp(loadConfig({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', SCHEDULER: 'false', LOCAL_CHAT: 'off' }));
}, 120_000);
afterAll(async () => {
  await app?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run admin beside a running embedded bot', () => {
  it("lists the demo staff through the bot's own server, and the bot keeps answering", async () => {
    const r = await admin(['staff:list', '--tenant', 'demo-midori'], { DATA_DIR: dataDir, DATABASE_URL: '' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('青木');
    expect((await fetch(`${app?.url}/readyz`)).status).toBe(200);
  }, 60_000);

  it('an unreachable database is one message, not a stack trace', async () => {
    const r = await admin(['staff:list', '--tenant', 'demo'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      DB_CONNECT_TIMEOUT_MS: '1000',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^admin: failed: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
