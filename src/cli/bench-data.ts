import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { DEFAULT_SEED, generateDataset } from '../../bench/dataset/generate';
import { SCALES, type Scale, type ScaleName } from '../../bench/dataset/layout';
import { openBenchServer } from '../../bench/lib/server';

/**
 * `npm run bench:data -- --scale national|city`: a fictional dataset written with COPY into
 * DATABASE_URL, or into the embedded server in ./data-bench. The database must be empty.
 * Counts can be overridden (`--persons 150000`) to build a smaller national-shaped slice.
 */
const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: 'city' },
    seed: { type: 'string', default: String(DEFAULT_SEED) },
    tenants: { type: 'string' },
    offices: { type: 'string' },
    staff: { type: 'string' },
    persons: { type: 'string' },
    consultations: { type: 'string' },
  },
});
if (!(values.scale && values.scale in SCALES)) {
  console.error(`--scale must be one of: ${Object.keys(SCALES).join(', ')}`);
  process.exit(2);
}
const base: Scale = SCALES[values.scale as ScaleName];
const scale: Scale = {
  tenants: Number(values.tenants ?? base.tenants),
  offices: Number(values.offices ?? base.offices),
  staff: Number(values.staff ?? base.staff),
  persons: Number(values.persons ?? base.persons),
  consultations: Number(values.consultations ?? base.consultations),
};
console.log(`generating ${values.scale} dataset: ${JSON.stringify(scale)}`);

const server = await openBenchServer({ migrate: true });
const sql = postgres(server.url, { max: 8, onnotice: () => {} });
try {
  const stats = await generateDataset(sql, { scale, seed: Number(values.seed), log: (l) => console.log(l) });
  const sizes = await sql<{ table: string; size: string }[]>`
    select c.relname as table, pg_size_pretty(pg_total_relation_size(c.oid)) as size
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r' and pg_total_relation_size(c.oid) > 1024 * 1024
    order by pg_total_relation_size(c.oid) desc`;
  const [db] = await sql<{ size: string }[]>`select pg_size_pretty(pg_database_size(current_database())) as size`;
  console.log(
    `done in ${stats.totalSeconds.toFixed(0)} s (foreign-key triggers ${stats.fastLoad ? 'skipped' : 'checked'} during the load)`,
  );
  for (const s of sizes) console.log(`  ${s.table}: ${s.size}`);
  console.log(`database size: ${db?.size}`);
} finally {
  await sql.end();
  await server.stop();
}
