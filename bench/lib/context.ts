import postgres from 'postgres';
import { connect, type Database } from '../../db/client';
import { machineLine } from './report';
import { sampleAskers, type Asker } from './sample';
import { openBenchServer, type BenchServer } from './server';

export interface BenchContext {
  server: BenchServer;
  admin: postgres.Sql;
  database: Database;
  machine: string;
  dataset: string;
  askers: Asker[];
  close(): Promise<void>;
}

/** The benchmark database (migrated), an admin connection, a pool of `pool`, and sampled askers. */
export async function openBench(pool: number, askers = 5000): Promise<BenchContext> {
  const server = await openBenchServer({ migrate: true });
  const admin = postgres(server.url, { max: 2, onnotice: () => {} });
  const database = connect(server.url, { max: pool, applicationName: 'bench' });
  const machine = await machineLine(admin);
  const [c] = await admin<{ tenants: number; persons: number; consultations: number }[]>`
    select (select count(*) from tenants)::int as tenants, (select count(*) from persons)::int as persons,
           (select reltuples::bigint from pg_class where relname = 'consultations')::bigint as consultations`;
  const dataset = `${c?.tenants.toLocaleString('en')} tenants, ${c?.persons.toLocaleString('en')} persons, ~${Number(c?.consultations).toLocaleString('en')} consultations`;
  console.log(machine);
  console.log(`dataset: ${dataset}`);
  return {
    server,
    admin,
    database,
    machine,
    dataset,
    askers: await sampleAskers(admin, askers),
    async close() {
      await database.close();
      await admin.end();
      await server.stop();
    },
  };
}
