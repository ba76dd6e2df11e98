import postgres from 'postgres';
import { startEmbedded, type EmbeddedServer } from '../../db/embedded';
import { runMigrations } from '../../db/migrate';

/** Where benchmark data lives when DATABASE_URL is unset (gitignored). */
export const BENCH_DATA_DIR = process.env.BENCH_DATA_DIR ?? './data-bench';

/**
 * Server settings for the national dataset on the benchmark machine (docs/operations.md has
 * the reasoning). JIT off: on 20 M-row tables the planner's costs cross jit_above_cost and
 * compiling costs tens of milliseconds on a query that runs in one.
 */
export const BENCH_SERVER_SETTINGS: Record<string, string> = {
  shared_buffers: '4GB',
  effective_cache_size: '12GB',
  maintenance_work_mem: '1GB',
  work_mem: '16MB',
  max_wal_size: '16GB',
  checkpoint_timeout: '30min',
  random_page_cost: '1.1',
  jit: 'off',
};

async function needsSettings(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    let changed = false;
    for (const [name, value] of Object.entries(BENCH_SERVER_SETTINGS)) {
      const [row] = await sql<{ setting: string }[]>`select current_setting(${name}) as setting`;
      const [want] = await sql<{ v: string }[]>`select ${value}::text as v`;
      if (row?.setting.toLowerCase() !== want?.v.toLowerCase()) {
        await sql.unsafe(`alter system set ${name} = '${value}'`);
        changed = true;
      }
    }
    return changed;
  } finally {
    await sql.end();
  }
}

export interface BenchServer {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * The database the benchmarks use: DATABASE_URL as it is, or the embedded server in
 * ./data-bench, tuned once (ALTER SYSTEM, then a restart) and migrated.
 */
export async function openBenchServer(opts: { migrate?: boolean } = {}): Promise<BenchServer> {
  const external = process.env.DATABASE_URL;
  if (external) {
    if (opts.migrate) await runMigrations(external);
    return { url: external, embedded: false, stop: async () => {} };
  }
  let server: EmbeddedServer = await startEmbedded(BENCH_DATA_DIR);
  if (await needsSettings(server.url)) {
    await server.stop();
    server = await startEmbedded(BENCH_DATA_DIR);
  }
  if (opts.migrate) await runMigrations(server.url);
  const s = server;
  return { url: s.url, embedded: true, stop: () => s.stop() };
}
