/**
 * What an operator's load balancer and monitoring see (issue "Ready for a municipality's
 * operator", items 3 and 6): /healthz is liveness and never touches the database; /readyz
 * answers within 2 s whatever PostgreSQL is doing; the pool has statement and
 * idle-in-transaction timeouts; under NODE_ENV=production nothing trial-only starts by itself.
 * PostgreSQL is "frozen" by a TCP proxy in front of it that stops passing bytes, the way a
 * stopped server or a dead network looks to the bot.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenants } from '../../db/schema/index';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

/** A TCP proxy to PostgreSQL that can stop passing bytes (both ways, new and open connections). */
class FreezableProxy {
  private server = net.createServer((client) => this.accept(client));
  private sockets = new Set<net.Socket>();
  frozen = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
    }
    const pass = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        if (!this.frozen) to.write(chunk);
      });
    pass(client, upstream);
    pass(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let tdb: TestDatabase;
let proxy: FreezableProxy;
let app: App;

beforeAll(async () => {
  tdb = await createTestDatabase();
  const u = new URL(tdb.url);
  proxy = await new FreezableProxy({ host: u.hostname, port: Number(u.port || 5432) }).start();
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  app = await startApp(
    loadConfig({
      DATABASE_URL: u.toString(),
      PORT: '0',
      HOST: '127.0.0.1',
      SCHEDULER: 'false',
      LOCAL_CHAT: 'off',
      DB_STATEMENT_TIMEOUT_MS: '300',
    }),
  );
});
afterAll(async () => {
  proxy.frozen = false;
  await app?.stop();
  await proxy?.stop();
  await tdb?.drop();
});

async function timed(path: string): Promise<{ status: number; body: unknown; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${app.url}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.json(), ms: performance.now() - t0 };
}

describe('probes', () => {
  it('with PostgreSQL answering, both probes say so', async () => {
    expect(await timed('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await timed('/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('with PostgreSQL frozen, /healthz stays 200 and /readyz answers 503 within 2 s; both recover', async () => {
    proxy.frozen = true;
    try {
      const live = await timed('/healthz');
      expect(live.status).toBe(200);
      expect(live.ms).toBeLessThan(2000);
      const ready = await timed('/readyz');
      expect(ready).toMatchObject({ status: 503, body: { status: 'database unreachable' } });
      expect(ready.ms).toBeLessThan(2000);
    } finally {
      proxy.frozen = false;
    }
    expect(await timed('/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });
});

describe('pool timeouts', () => {
  it('a statement longer than DB_STATEMENT_TIMEOUT_MS is cancelled by PostgreSQL', async () => {
    const [row] = await app.database.sql<{ v: string }[]>`select current_setting('statement_timeout') as v`;
    expect(row?.v).toBe('300ms');
    // PostgreSQL's own timer does not fire under libfaketime (CI's moved-clock run preloads it
    // into the server): there the setting above is what is checked; on a real clock, the cancel.
    if (!process.env.FAKETIME) await expect(app.database.sql`select pg_sleep(2)`).rejects.toMatchObject({ code: '57014' });
  });

  it('a transaction left idle is ended by PostgreSQL (idle_in_transaction_session_timeout is set)', async () => {
    const [row] = await app.database.sql<{ v: string }[]>`select current_setting('idle_in_transaction_session_timeout') as v`;
    expect(row?.v).toBe('1min');
  });
});

describe('production guard', () => {
  it('without DATABASE_URL, production refuses to start an embedded server and says what to set', async () => {
    await expect(startApp(loadConfig({ NODE_ENV: 'production', PORT: '0', SCHEDULER: 'false' }))).rejects.toThrow(
      /DATABASE_URL is not set.*EMBEDDED_DB=on/s,
    );
  });

  it('production with a database: no demo tenant, no local web chat unless enabled', async () => {
    const other = await createTestDatabase();
    let prod: App | null = null;
    try {
      prod = await startApp(
        loadConfig({
          NODE_ENV: 'production',
          DATABASE_URL: other.url,
          PORT: '0',
          HOST: '127.0.0.1',
          SCHEDULER: 'false',
          DEMO_DATA: 'auto',
        }),
      );
      expect(await other.db.select().from(tenants)).toEqual([]);
      const home = await fetch(`${prod.url}/`);
      expect(await home.text()).toBe('soudan-bot');
    } finally {
      await prod?.stop();
      await other.drop();
    }
  });
});
