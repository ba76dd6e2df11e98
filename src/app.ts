import { connect, type Database } from '../db/client';
import { startEmbedded, type EmbeddedServer } from '../db/embedded';
import { runMigrations } from '../db/migrate';
import { createRegistry } from '../handlers/index';
import { SenderRegistry } from './chat/adapter';
import type { CommandRegistry } from './chat/registry';
import { isLoopback, type Config } from './config';
import { seedDemo } from './demo/seed';
import { HttpServer, json, text } from './http/server';
import { log } from './log';
import { mountLine } from './platforms/line/webhook';
import { mountLineWorks } from './platforms/lineworks/index';
import { mountLocalChat } from './platforms/local/routes';
import { mountSlack } from './platforms/slack/index';
import { mountWebForm } from './platforms/webform/routes';
import { mountExport } from './platforms/export/routes';
import { localSender } from './platforms/local/sender';
import { schedulerSettingsOf, startScheduler } from './scheduler/index';
import { appClock } from './core/clock';
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

/** Where the database is: the configured server, or an embedded one under DATA_DIR. */
export async function openDatabase(config: Config): Promise<{ url: string; embedded: EmbeddedServer | null }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, embedded: null };
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
    await runMigrations(url);
    const database = connect(url, { max: config.DB_POOL_MAX });
    // One clock for the whole process: handlers, platforms, the scheduler and housekeeping.
    const clock = appClock(config.SCHEDULER_CLOCK, () => database.db, opts.now);
    await clock.refresh();
    const now = () => clock.now();
    // The shared simulated clock is re-read here too, for processes that run no scheduler.
    const clockTimer = config.SCHEDULER_CLOCK === 'database' && !opts.now ? setInterval(() => void clock.refresh().catch(() => {}), 1000) : null;
    clockTimer?.unref();
    const seedWanted = config.DEMO_DATA === 'on' || (config.DEMO_DATA === 'auto' && embedded !== null);
    if (seedWanted && (await seedDemo(database.db, now()))) log.info('demo tenant loaded (みどり市（デモ）)');

    // Link codes are stored under an HMAC with this secret (src/core/staff/link.ts).
    useLinkCodeSecret(serverSecret(config.LINK_SECRET));
    const registry = createRegistry();
    const http = new HttpServer();
    const senders = new SenderRegistry();
    http.add({
      method: 'GET',
      path: '/healthz',
      handler: async () => {
        try {
          await database.sql`select 1`;
          return json(200, { status: 'ok' });
        } catch {
          return json(503, { status: 'database unreachable' });
        }
      },
    });
    // No login: loopback only, and never by default in production (LOCAL_CHAT=on there says so).
    const localChat = config.LOCAL_CHAT === 'on' || (config.LOCAL_CHAT === 'auto' && isLoopback(config.HOST) && config.NODE_ENV !== 'production');
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
    const scheduler = config.SCHEDULER ? await startScheduler({ url, senders, settings: schedulerSettingsOf(config), clock }) : null;

    const addr = await http.listen(config.PORT, config.HOST);
    const shownHost = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
    const appUrl = `http://${shownHost}:${addr.port}`;
    log.info({ url: appUrl, localChat }, 'listening');
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
