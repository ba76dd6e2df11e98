import { timingSafeEqual } from 'node:crypto';
import { connect, type Database } from '../db/client';
import { startEmbedded, type EmbeddedServer } from '../db/embedded';
import { runMigrations } from '../db/migrate';
import { createRegistry } from '../handlers/index';
import { SenderRegistry } from './chat/adapter';
import type { CommandRegistry } from './chat/registry';
import { ConfigError, isLoopback, type Config } from './config';
import { seedDemo } from './demo/seed';
import { checkReadiness, shippedMigrations } from './http/probes';
import { HttpServer, json, text } from './http/server';
import { log } from './log';
import { databaseGauges, METRICS_CONTENT_TYPE, metricsText } from './metrics';
import { mountLine } from './platforms/line/webhook';
import { mountLineWorks } from './platforms/lineworks/index';
import { mountLocalChat } from './platforms/local/routes';
import { mountSlack } from './platforms/slack/index';
import { mountWebForm } from './platforms/webform/routes';
import { mountExport } from './http/outputs/routes';
import { localSender } from './platforms/local/sender';
import { schedulerSettingsOf, startScheduler } from './scheduler/index';
import { appClock } from './core/clock';
import { anchorSettingsOf } from './core/audit/anchors';
import { serverSecret } from './core/server-secret';
import { useLinkCodeSecret } from './core/staff/link';

export interface App {
  database: Database;
  registry: CommandRegistry;
  http: HttpServer;
  /** Outbound senders of the platforms configured in this process (the delivery queue uses them). */
  senders: SenderRegistry;
  url: string;
  stop(): Promise<void>;
}

/** Constant-time comparison of two header values. */
function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Where the database is: the configured server, or an embedded one under DATA_DIR. The embedded
 * server is for trying the bot and for development: under NODE_ENV=production it starts only
 * when EMBEDDED_DB=on says so.
 */
export async function openDatabase(config: Config): Promise<{ url: string; embedded: EmbeddedServer | null }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, embedded: null };
  if (config.EMBEDDED_DB === 'off' || (config.EMBEDDED_DB === 'auto' && config.NODE_ENV === 'production')) {
    throw new ConfigError([
      config.EMBEDDED_DB === 'off'
        ? 'DATABASE_URL is not set and EMBEDDED_DB=off: set DATABASE_URL to the PostgreSQL server (postgres://user:pass@host:5432/soudan)'
        : 'DATABASE_URL is not set: under NODE_ENV=production the bot needs its PostgreSQL server (postgres://user:pass@host:5432/soudan); EMBEDDED_DB=on starts the embedded one anyway (trials only: no backups, no replicas)',
    ]);
  }
  log.info({ dir: config.DATA_DIR }, 'starting embedded PostgreSQL');
  const embedded = await startEmbedded(config.DATA_DIR);
  return { url: embedded.url, embedded };
}

/**
 * Builds and starts everything: database, migrations, demo data, HTTP routes. `stop` undoes it
 * in reverse order. Tests start the same app against their own database.
 */
export async function startApp(config: Config, opts: { now?: () => Date } = {}): Promise<App> {
  const { url, embedded } = await openDatabase(config);
  try {
    // The bot's role (soudan_app) has no DDL: migrations are the owner's separate step
    // (`npm run db:migrate`), except on the embedded default or when MIGRATE_ON_START says so.
    if (config.MIGRATE_ON_START ?? embedded !== null) await runMigrations(url);
    const database = connect(url, {
      max: config.DB_POOL_MAX,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
      idleInTransactionTimeoutMs: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    });
    // One clock for the whole process: handlers, platforms, the scheduler and housekeeping.
    const clock = appClock(config.SCHEDULER_CLOCK, () => database.db, opts.now);
    await clock.refresh();
    const now = () => clock.now();
    // The shared simulated clock is re-read here too, for processes that run no scheduler.
    const clockTimer =
      config.SCHEDULER_CLOCK === 'database' && !opts.now ? setInterval(() => void clock.refresh().catch(() => {}), 1000) : null;
    clockTimer?.unref();
    // The fictional demo tenant: with the embedded server, never by default in production.
    const seedWanted = config.DEMO_DATA === 'on' || (config.DEMO_DATA === 'auto' && embedded !== null && config.NODE_ENV !== 'production');
    if (seedWanted && (await seedDemo(database.db, now()))) log.info('demo tenant loaded (みどり市（デモ）)');

    // Link codes are stored under an HMAC with this secret (src/core/staff/link.ts).
    useLinkCodeSecret(serverSecret(config.LINK_SECRET));
    const registry = createRegistry();
    const http = new HttpServer();
    const senders = new SenderRegistry();
    // Liveness: the process answers (no database: a frozen server must not get the bot restarted).
    http.add({ method: 'GET', path: '/healthz', handler: async () => json(200, { status: 'ok' }) });
    // Metrics (Prometheus): route, command, platform and outcome labels only, never personal data.
    databaseGauges(async () => {
      const [outbox, connections] = await Promise.all([
        database.sql<
          { status: string; platform: string; n: number }[]
        >`select status, coalesce(platform, 'unrouted') as platform, count(*)::int as n
          from deliveries where status in ('pending', 'dead') group by 1, 2`,
        database.sql<{ app: string; n: number }[]>`select coalesce(nullif(application_name, ''), 'other') as app, count(*)::int as n
          from pg_stat_activity where datname = current_database() group by 1`,
      ]);
      return { outbox: [...outbox], connections: [...connections] };
    });
    http.add({
      method: 'GET',
      path: '/metrics',
      handler: async (req) => {
        const auth = req.headers.authorization;
        if (config.METRICS_TOKEN && !(typeof auth === 'string' && safeEqual(auth, `Bearer ${config.METRICS_TOKEN}`)))
          return text(401, 'unauthorized');
        return { status: 200, headers: { 'content-type': METRICS_CONTENT_TYPE }, body: await metricsText() };
      },
    });
    // Readiness: the database answers within 1 s and holds every migration this build ships.
    const migrations = shippedMigrations();
    http.add({
      method: 'GET',
      path: '/readyz',
      handler: async () => {
        const r = await checkReadiness(url, migrations, 1000);
        return r.ready ? json(200, { status: 'ready' }) : json(503, { status: r.reason });
      },
    });
    // No login: loopback only, and never by default in production (LOCAL_CHAT=on there says so).
    const localChat =
      config.LOCAL_CHAT === 'on' || (config.LOCAL_CHAT === 'auto' && isLoopback(config.HOST) && config.NODE_ENV !== 'production');
    if (localChat && !isLoopback(config.HOST)) {
      throw new Error('LOCAL_CHAT=on needs a loopback HOST: the local chat has no login');
    }
    if (localChat) {
      mountLocalChat(http, { db: database.db, registry, now, config, port: () => http.address()?.port });
      senders.add(localSender);
    }
    // Platform adapters mount here, each adding its routes and its sender when configured.
    else http.add({ method: 'GET', path: '/', handler: async () => text(200, 'soudan-bot') });
    const lineworks = mountLineWorks(http, senders, { db: database.db, registry, config }, { now });
    const slack = mountSlack(http, senders, { db: database.db, registry, config }, { now });
    const line = mountLine(http, senders, { db: database.db, registry, config }, { now });
    mountWebForm(http, { db: database.db, registry, config, now });
    mountExport(http, { db: database.db, config, now });
    const anchors = { ...anchorSettingsOf(config), intervalMs: config.AUDIT_ANCHOR_INTERVAL_MS };
    if (config.SCHEDULER && !anchors.key)
      log.warn('AUDIT_ANCHOR_KEY is not set: no audit anchors are written, so audit:verify cannot detect a re-hashed chain');
    const scheduler = config.SCHEDULER
      ? await startScheduler({ url, senders, settings: schedulerSettingsOf(config), clock, anchors })
      : null;

    const addr = await http.listen(config.PORT, config.HOST);
    const shownHost = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
    const appUrl = `http://${shownHost}:${addr.port}`;
    log.info({ url: appUrl, localChat }, 'listening');
    if (config.NODE_ENV === 'production') {
      const off = [
        ...(localChat ? [] : ['local web chat (no login; LOCAL_CHAT=on on a loopback HOST enables it)']),
        ...(seedWanted ? [] : ['demo tenant (DEMO_DATA=on loads it into an empty database)']),
      ];
      if (off.length > 0) log.info({ off }, 'production: off by default');
    }
    return {
      database,
      registry,
      http,
      senders,
      url: appUrl,
      async stop() {
        await http.close();
        await lineworks?.stop();
        await slack?.stop();
        await line?.stop();
        await scheduler?.stop();
        if (clockTimer) clearInterval(clockTimer);
        await database.close();
        await embedded?.stop();
      },
    };
  } catch (e) {
    await embedded?.stop();
    throw e;
  }
}
