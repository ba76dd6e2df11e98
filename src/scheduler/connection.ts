/**
 * The scheduler's own PostgreSQL pool, replaced after an outage. postgres.js 3.4.9 can leave a
 * connection that lived through a server restart unable to send again (a write timer that is
 * cleared but never reset: porsager/postgres#1208, #1154): queries on it hang for ever. So when
 * a query fails with a connection error or times out, the scheduler opens a fresh pool and ends
 * the old one, whose stuck queries then fail instead of hanging. The same library bug can throw
 * a TypeError from a timer, outside any await: `guardDriverCrash` keeps that one from killing
 * the process (anything else still does).
 */
import type postgres from 'postgres';
import { connect, type Database, type Db } from '../../db/client';
import { asError } from '../core/errors';
import { log } from '../log';

const CONNECTION_ERRORS =
  /CONNECTION_CLOSED|CONNECTION_ENDED|CONNECTION_DESTROYED|CONNECT_TIMEOUT|ECONNREFUSED|ECONNRESET|EPIPE|terminating connection|shutting down|starting up|not yet accepting|query timed out/i;

class QueryTimeout extends Error {
  constructor(ms: number) {
    super(`query timed out after ${ms} ms`);
    this.name = 'QueryTimeout';
  }
}

/** Rejects with QueryTimeout when `p` takes longer than ms (the query itself is left to the old pool's end). */
export async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new QueryTimeout(ms)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function causeText(e: unknown): string {
  const err = asError(e);
  const cause = (err as { cause?: unknown }).cause;
  return `${err.message} ${cause ? asError(cause).message : ''} ${(err as { code?: string }).code ?? ''}`;
}

function isConnectionError(e: unknown): boolean {
  return CONNECTION_ERRORS.test(causeText(e));
}

export class SchedulerConnection {
  private current: Database;
  private lastSwap = 0;
  private readonly onSwap: (() => void)[] = [];

  constructor(
    private readonly url: string,
    private readonly max: number,
  ) {
    this.current = connect(url, { max, applicationName: 'soudan-bot-scheduler' });
  }

  get db(): Db {
    return this.current.db;
  }

  get sql(): postgres.Sql {
    return this.current.sql;
  }

  /** Called after a fresh pool replaced the old one (the LISTEN has to be set up again). */
  swapped(f: () => void): void {
    this.onSwap.push(f);
  }

  /** Looks at a failure: a connection error or a timeout replaces the pool (at most once a second). */
  report(e: unknown): void {
    if (!(e instanceof QueryTimeout) && !isConnectionError(e)) return;
    if (Date.now() - this.lastSwap < 1000) return;
    this.lastSwap = Date.now();
    const old = this.current;
    this.current = connect(this.url, { max: this.max, applicationName: 'soudan-bot-scheduler' });
    log.warn({ err: e }, 'scheduler database pool replaced after a connection failure');
    void old.sql.end({ timeout: 0 }).catch(() => {});
    for (const f of this.onSwap) f();
  }

  async close(): Promise<void> {
    await this.current.close();
  }
}

/**
 * Keeps postgres.js's timer TypeError (a write on a socket already closed, see above) from
 * taking the process down; every other uncaught exception still ends it, as Node would.
 */
export function guardDriverCrash(conn: SchedulerConnection): () => void {
  const listener = (err: Error) => {
    if (err instanceof TypeError && /postgres[\\/]src[\\/]connection\.js/.test(err.stack ?? '') && /nextWrite/.test(err.stack ?? '')) {
      log.warn({ err }, 'postgres.js wrote to a closed socket (known driver bug); replacing the pool');
      conn.report(new Error('CONNECTION_CLOSED after driver write error'));
      return;
    }
    log.fatal({ err }, 'uncaught exception');
    process.exit(1);
  };
  process.on('uncaughtException', listener);
  return () => process.off('uncaughtException', listener);
}
