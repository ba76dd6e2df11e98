/**
 * `npm run build` (issue "Ready for a municipality's operator", item 4): the bundle in dist/
 * imports production dependencies only (tsx, esbuild and the test tools are devDependencies),
 * and `node dist/main.js` runs the bot: migrations, HTTP, readiness, the web chat's pages.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

let tdb: TestDatabase;
let bot: ChildProcess | null = null;

beforeAll(async () => {
  tdb = await createTestDatabase();
  await promisify(execFile)('npm', ['run', 'build'], { cwd: root });
}, 120_000);
afterAll(async () => {
  bot?.kill('SIGTERM');
  await tdb?.drop();
});

/** The package an import specifier names: `@scope/name/x` → `@scope/name`, `name/x` → `name`. */
const packageOf = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

describe('npm run build', () => {
  it('the bundle imports only Node built-ins and production dependencies', () => {
    const meta = JSON.parse(fs.readFileSync(path.join(root, 'dist', 'meta.json'), 'utf8')) as {
      outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
    };
    const external = new Set(Object.values(meta.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)));
    const packages = [...external].filter((p) => !p.startsWith('node:')).map(packageOf);
    expect(packages.length).toBeGreaterThan(0);
    expect(packages.filter((p) => !(p in pkg.dependencies))).toEqual([]);
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
  });

  it('node dist/main.js starts the bot: ready, and the web chat page is served', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: tdb.url,
      PORT: '0',
      HOST: '127.0.0.1',
      SCHEDULER: 'false',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
    };
    const child = spawn(process.execPath, [path.join(root, 'dist', 'main.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    bot = child;
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no start-up line: ${out}`)), 60_000);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html lang="ja">');
  }, 90_000);
});
