import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema/index';

type Schema = typeof schema;
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
  /**
   * Named prepared statements (default true): each distinct statement is parsed and planned once
   * per connection, then runs in one round trip (Bind/Execute) instead of two (Parse/Describe,
   * wait, Bind/Execute). False for PgBouncer in transaction mode, where the next transaction may
   * run on a server connection that never saw the statement (`DB_PREPARE=false`).
   */
  prepare?: boolean;
}

/**
 * drizzle's postgres-js driver sends every query with `prepare: false` unless the query was
 * built with `.prepare(name)`, so each parameterised query costs two round trips and a fresh
 * plan. This wraps the client so drizzle's `unsafe(…, { prepare })` calls use the pool's own
 * setting instead, in transactions and savepoints too.
 */
function withPrepare<T extends postgres.Sql>(sql: T, prepare: boolean): T {
  return new Proxy(sql, {
    get(target, prop) {
      if (prop === 'unsafe') {
        return (query: string, params?: unknown[], options?: Record<string, unknown>) =>
          target.unsafe(query, params as never, { ...(options ?? {}), prepare });
      }
      if (prop === 'begin' || prop === 'savepoint') {
        return (...args: unknown[]) => {
          const fn = args.pop() as (inner: postgres.Sql) => unknown;
          const method = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[prop] as (...a: unknown[]) => unknown;
          return method.call(target, ...args, (inner: postgres.Sql) => fn(withPrepare(inner, prepare)));
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** `DB_PREPARE` (src/config.ts validates it at start-up): every pool of the process follows it, the scheduler's and the CLI's too. */
function prepareFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.DB_PREPARE?.trim().toLowerCase();
  return !(v === 'false' || v === '0' || v === 'off' || v === 'no');
}

export function connect(url: string, opts: ConnectOptions = {}): Database {
  const prepare = opts.prepare ?? prepareFromEnv();
  const sql = postgres(url, {
    max: opts.max ?? 10,
    prepare,
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
  const db = drizzle(withPrepare(sql, prepare), { schema });
  return {
    db,
    sql,
    close: () => sql.end({ timeout: 5 }),
  };
}
