import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema/index';

export type Schema = typeof schema;
export type Db = PostgresJsDatabase<Schema>;
/** A transaction or the database itself: core functions accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  sql: postgres.Sql;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Pool size per process. Many instances share one server: keep it modest. */
  max?: number;
  applicationName?: string;
  /** Give up opening a connection after this many ms (default 10 s). */
  connectTimeoutMs?: number;
  /** PostgreSQL's statement_timeout for this pool's sessions (ms; 0 or unset: none). */
  statementTimeoutMs?: number;
  /** PostgreSQL's idle_in_transaction_session_timeout for this pool's sessions (ms; 0 or unset: none). */
  idleInTransactionTimeoutMs?: number;
}

export function connect(url: string, opts: ConnectOptions = {}): Database {
  const sql = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    connect_timeout: Math.max(1, Math.ceil((opts.connectTimeoutMs ?? 10_000) / 1000)),
    connection: {
      application_name: opts.applicationName ?? 'soudan-bot',
      ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
      ...(opts.idleInTransactionTimeoutMs ? { idle_in_transaction_session_timeout: opts.idleInTransactionTimeoutMs } : {}),
    },
    // Dates stay ISO strings (YYYY-MM-DD): a calendar date has no time zone.
    types: {},
  });
  const db = drizzle(sql, { schema });
  return {
    db,
    sql,
    close: () => sql.end({ timeout: 5 }),
  };
}

export { schema };
