/**
 * Case lookup at scale: `npm run bench:case-lookup [-- --seconds 10 --concurrency 100 --pool 100]`.
 * On the dataset of `npm run bench:data`, 100 concurrent askers (async loops) look persons up
 * (1) in core, by kind of query, (2) by id (the case card), (3) through the handler, and (4)
 * through the signed Slack endpoint (request in, reply on the response_url out). Prints the
 * figures and writes them to docs/benchmarks.md (section "Case lookup").
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { connect } from '../db/client';
import { createRegistry } from '../handlers/index';
import { dispatch } from '../src/chat/dispatch';
import { searchPersons } from '../src/core/cases/search';
import { Prng } from './dataset/prng';
import { machineLine, writeSection } from './lib/report';
import { QUERY_KINDS, randomQuery, sampleAskers, type QueryKind } from './lib/sample';
import { openBenchServer } from './lib/server';
import { LATENCY_HEADER, latencyRow, peakRssMb, runLoops } from './lib/stats';
import { runSlackLookups } from './lib/slack-lookup';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '100' },
    pool: { type: 'string', default: '100' },
    'think-ms': { type: 'string', default: '0' },
    write: { type: 'boolean', default: true },
    'no-write': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const pool = Number(values.pool);
/** Mean pause of each asker between an answer and the next question (0: closed loop, saturation). */
const thinkMs = Number(values['think-ms']);

const server = await openBenchServer({ migrate: true });
const admin = postgres(server.url, { max: 2, onnotice: () => {} });
const database = connect(server.url, { max: pool, applicationName: 'bench-case-lookup' });
const rows: string[] = [];
const print = (row: string) => {
  rows.push(row);
  console.log(row);
};
try {
  const machine = await machineLine(admin);
  const [counts] = await admin<{ tenants: number; persons: number; consultations: number }[]>`
    select (select count(*) from tenants)::int as tenants, (select count(*) from persons)::int as persons,
           (select reltuples::bigint from pg_class where relname = 'consultations')::bigint as consultations`;
  const dataset = `${counts?.tenants.toLocaleString('en')} tenants, ${counts?.persons.toLocaleString('en')} persons, ~${Number(counts?.consultations).toLocaleString('en')} consultations`;
  console.log(machine);
  console.log(`dataset: ${dataset}`);
  const askers = await sampleAskers(admin, 5000);
  console.log(`${askers.length} askers sampled`);
  const rng = new Prng(7);
  const pick = () => askers[rng.int(askers.length)] ?? (askers[0] as (typeof askers)[number]);
  const registry = createRegistry();
  const opts = { db: database.db, registry, now: () => new Date() };
  const auditBefore = await admin<{ n: number }[]>`select count(*)::int as n from audit_log`;

  // Warm-up: the first seconds after a restart read from disk, not from cache.
  await runLoops(concurrency, Math.min(5, seconds), async () => {
    const a = pick();
    await searchPersons(database.db, a.actor, randomQuery(rng, a), new Date());
  });

  print(`\n${LATENCY_HEADER}`);
  for (const kind of Object.keys(QUERY_KINDS) as QueryKind[]) {
    const r = await runLoops(
      concurrency,
      seconds,
      async () => {
        const a = pick();
        await searchPersons(database.db, a.actor, QUERY_KINDS[kind](a.person), new Date());
      },
      thinkMs,
    );
    print(latencyRow(`search (core): ${kind}`, r));
  }
  const byId = await runLoops(
    concurrency,
    seconds,
    async () => {
      const a = pick();
      const res = await dispatch(opts, a.actor, { kind: 'action', id: 'case:show', value: a.person.id });
      if (res.errorId) throw new Error(`handler error ${res.errorId}`);
    },
    thinkMs,
  );
  print(latencyRow('case card by id (handler, `case:show`)', byId));
  const byCode = await runLoops(
    concurrency,
    seconds,
    async () => {
      const a = pick();
      const res = await dispatch(opts, a.actor, { kind: 'command', name: 'case', text: a.person.code });
      if (res.errorId) throw new Error(`handler error ${res.errorId}`);
    },
    thinkMs,
  );
  print(latencyRow('`/case C-0123` (handler: search + card)', byCode));
  const mixed = await runLoops(
    concurrency,
    seconds,
    async () => {
      const a = pick();
      const res = await dispatch(opts, a.actor, { kind: 'command', name: 'case', text: randomQuery(rng, a) });
      if (res.errorId) throw new Error(`handler error ${res.errorId}`);
    },
    thinkMs,
  );
  print(latencyRow('`/case <any query above>` (handler)', mixed));
  const single = await runLoops(1, seconds, async () => {
    const a = pick();
    await dispatch(opts, a.actor, { kind: 'command', name: 'case', text: randomQuery(rng, a) });
  });
  print(latencyRow('`/case <any query>` (handler, 1 asker alone)', single));

  const slack = await runSlackLookups({ url: server.url, sql: admin, askers, concurrency, seconds, pool, rng, thinkMs });
  print(latencyRow('Slack: signed `/case` request → acknowledgement (HTTP 200)', slack.ack));
  print(latencyRow('Slack: signed `/case` request → reply on response_url', slack.reply));

  const [auditAfter] = await admin<{ n: number }[]>`select count(*)::int as n from audit_log`;
  const [forks] = await admin<
    { n: number }[]
  >`select count(*)::int as n from (select tenant_id, seq from audit_log group by 1, 2 having count(*) > 1) d`;
  const rss = peakRssMb();
  const notes = [
    thinkMs > 0
      ? `Each of the ${concurrency} askers pauses a random time (exponential, mean ${thinkMs} ms) between an answer and the next question: an open, human-paced load of up to ${Math.round((concurrency * 1000) / thinkMs)} questions/s.`
      : `Closed loop: each of the ${concurrency} askers asks again the moment the answer comes, so the rows measure saturation (latency ≈ askers ÷ throughput), not a human-paced load.`,
    `Concurrency ${concurrency} async loops (askers), ${seconds} s per row, database pool ${pool} in the benchmark process (the Slack rows: the app as its own process, \`src/main.ts\` with DB_POOL_MAX=${pool}; requests and the fake response_url in the benchmark process).`,
    `Peak RSS of the benchmark process: ${rss.toFixed(0)} MB; of the app process (Slack rows): ${slack.appPeakRssMb.toFixed(0)} MB. Audit rows written: ${((auditAfter?.n ?? 0) - (auditBefore[0]?.n ?? 0)).toLocaleString('en')}; audit chain positions written twice (tenant, seq): ${forks?.n}.`,
  ];
  for (const n of notes) console.log(n);
  if (!values['no-write']) {
    writeSection(
      `case-lookup-${thinkMs > 0 ? `think-${thinkMs}` : 'closed'}`,
      [
        thinkMs > 0
          ? `## Case lookup: ${concurrency} askers at a human pace (mean pause ${thinkMs} ms)`
          : `## Case lookup: ${concurrency} askers in a closed loop (saturation)`,
        '',
        `Command: \`npm run bench:case-lookup -- --seconds ${seconds} --concurrency ${concurrency} --pool ${pool} --think-ms ${thinkMs}\`. Dataset: ${dataset}.`,
        machine,
        '',
        'Each request: a random asker (a counselor with a person of their office; one in ten a 基幹 worker with a consenting person) and a query of the kind named. "search (core)" is `searchPersons` (query + audit row); the handler rows go through `dispatch` (search, the case card with plan, monitoring months, recent records, audit); the Slack rows go through the HTTP endpoint: signature, replay window, Bolt, identity, dispatch, Block Kit, reply posted to a fake response_url on loopback.',
        ...rows,
        '',
        ...notes,
      ].join('\n'),
    );
  }
} finally {
  await database.close();
  await admin.end();
  await server.stop();
}
