import type postgres from 'postgres';
import { jstToday } from '../../src/core/calendar/jst';
import { copyInto, type CopyConnection } from './copy';
import { buildLayout, type Scale } from './layout';
import {
  CONSULTATION_COLUMNS,
  consultationRows,
  COUNTER_COLUMNS,
  counterRows,
  OFFICE_COLUMNS,
  officeRows,
  PERSON_COLUMNS,
  personRows,
  PLAN_COLUMNS,
  planRows,
  STAFF_COLUMNS,
  staffRows,
  TENANT_COLUMNS,
  tenantRows,
} from './rows';

export interface GenerateOptions {
  scale: Scale;
  seed?: number;
  /** "Now" of the dataset: consultations cover the year before it. */
  now?: Date;
  log?: (line: string) => void;
}

export interface GenerateStats {
  rows: Record<string, number>;
  seconds: Record<string, number>;
  totalSeconds: number;
  /** Whether foreign-key triggers were skipped during the load (needs a superuser). */
  fastLoad: boolean;
}

/** Tables whose secondary indexes are dropped during the load and built once afterwards. */
const BULK_TABLES = ['persons', 'service_plans', 'consultations'] as const;
/** Two COPY streams for the big table: one per core on the 2-core benchmark machine. */
const CONSULTATION_STREAMS = 2;
export const DEFAULT_SEED = 20_261_122;

async function secondaryIndexes(sql: postgres.Sql): Promise<{ name: string; def: string }[]> {
  return sql<{ name: string; def: string }[]>`
    select i.indexname as name, i.indexdef as def
    from pg_indexes i
    where i.schemaname = 'public' and i.tablename in ${sql(BULK_TABLES)}
      and not exists (select 1 from pg_constraint c where c.conname = i.indexname)
    order by i.tablename, i.indexname`;
}

/** A connection that skips foreign-key triggers (the generated rows are consistent by construction). */
async function loadConnection(sql: postgres.Sql): Promise<{ conn: postgres.ReservedSql; fast: boolean }> {
  const conn = await sql.reserve();
  let fast = true;
  try {
    await conn`set session_replication_role = replica`;
  } catch {
    fast = false;
  }
  await conn`set synchronous_commit = off`;
  return { conn, fast };
}

/**
 * Writes a complete fictional dataset into an empty, migrated database with COPY: tenants,
 * offices, staff, persons (search_text as the application computes it), plans, a year of
 * consultations and the tenants' case-number counters; then builds the indexes and analyzes.
 */
export async function generateDataset(sql: postgres.Sql, opts: GenerateOptions): Promise<GenerateStats> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const today = jstToday(opts.now ?? new Date());
  const log = opts.log ?? (() => {});
  const stats: GenerateStats = { rows: {}, seconds: {}, totalSeconds: 0, fastLoad: false };
  const t0 = performance.now();
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const s = performance.now();
    const result = await run();
    stats.seconds[name] = (performance.now() - s) / 1000;
    log(`${name}: ${stats.seconds[name]?.toFixed(1)} s`);
    return result;
  };

  const [{ n } = { n: 0 }] = await sql<{ n: number }[]>`select count(*)::int as n from tenants`;
  if (n > 0) throw new Error('the target database already has tenants: generate into an empty, migrated database');

  const layout = await step('layout', async () => buildLayout(opts.scale, seed));
  const indexes = await secondaryIndexes(sql);
  await step('drop secondary indexes', async () => {
    for (const ix of indexes) await sql.unsafe(`drop index if exists "${ix.name}"`);
  });

  const copy = async (conn: CopyConnection, table: string, columns: readonly string[], rows: Iterable<string>) => {
    const s = performance.now();
    const count = await copyInto(conn, table, columns, rows);
    stats.rows[table] = (stats.rows[table] ?? 0) + count;
    log(`  ${table}: ${count.toLocaleString('en')} rows in ${((performance.now() - s) / 1000).toFixed(1)} s`);
  };

  const loaders = await Promise.all(Array.from({ length: 2 + CONSULTATION_STREAMS }, () => loadConnection(sql)));
  stats.fastLoad = loaders.every((l) => l.fast);
  const [a, b, ...rest] = loaders.map((l) => l.conn) as [postgres.ReservedSql, postgres.ReservedSql, ...postgres.ReservedSql[]];
  try {
    await step('tenants, offices, staff', async () => {
      await copy(a, 'tenants', TENANT_COLUMNS, tenantRows(layout));
      await copy(a, 'offices', OFFICE_COLUMNS, officeRows(layout));
      await copy(a, 'staff', STAFF_COLUMNS, staffRows(layout, seed));
      await copy(a, 'tenant_counters', COUNTER_COLUMNS, counterRows(layout));
    });
    const personsAndPlans = async () => {
      await copy(a, 'persons', PERSON_COLUMNS, personRows(layout, seed, today));
      await copy(b, 'service_plans', PLAN_COLUMNS, planRows(layout, seed, today));
    };
    const consultations = () =>
      Promise.all(
        rest.map((conn, part) =>
          copy(conn, 'consultations', CONSULTATION_COLUMNS, consultationRows(layout, seed, today, part, CONSULTATION_STREAMS)),
        ),
      );
    // Without the trigger bypass, foreign keys need persons before their consultations.
    if (stats.fastLoad) await step('persons, plans, consultations', () => Promise.all([personsAndPlans(), consultations()]));
    else {
      await step('persons, plans', personsAndPlans);
      await step('consultations', consultations);
    }
  } finally {
    for (const c of [a, b, ...rest]) c.release();
  }

  await step('build indexes', async () => {
    const conns = await Promise.all(
      [0, 1].map(async () => {
        const c = await sql.reserve();
        await c`set maintenance_work_mem = '1GB'`;
        return c;
      }),
    );
    try {
      // Two builders at once (one per core); each index is built in one sorted pass.
      const queue = [...indexes];
      await Promise.all(
        conns.map(async (c) => {
          for (let ix = queue.shift(); ix; ix = queue.shift()) {
            const s = performance.now();
            await c.unsafe(ix.def);
            log(`  ${ix.name}: ${((performance.now() - s) / 1000).toFixed(1)} s`);
          }
        }),
      );
    } finally {
      for (const c of conns) c.release();
    }
  });
  // VACUUM sets the visibility map (index-only scans) and hint bits: the steady state of a
  // database in production, rather than one just loaded.
  await step('vacuum analyze', async () => {
    for (const table of ['tenants', 'offices', 'staff', 'tenant_counters', ...BULK_TABLES]) await sql.unsafe(`vacuum (analyze) ${table}`);
  });
  stats.totalSeconds = (performance.now() - t0) / 1000;
  return stats;
}
