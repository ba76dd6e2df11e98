/**
 * Server-side time of the hot queries at the dataset's scale: `npm run bench:query-times`.
 * The real functions (case search by each kind of query, case card, consultation logging in a
 * rolled-back transaction, a counselor's reminders) run with every statement captured; each
 * is then run again under EXPLAIN (ANALYZE, BUFFERS). Reports planning + execution time per
 * statement kind and the scan nodes used: what PostgreSQL itself spends, apart from the
 * network and the client's CPU. Writes the section "Query plans and server time".
 */
import { parseArgs } from 'node:util';
import { drizzle } from 'drizzle-orm/postgres-js';
import * as schema from '../db/schema/index';
import { searchPersons } from '../src/core/cases/search';
import { loadCaseView } from '../src/core/cases/view';
import { openReminders } from '../src/core/reminders/items';
import { openBench } from './lib/context';
import { writeSection } from './lib/report';
import { QUERY_KINDS } from './lib/sample';
import { Latencies, ms } from './lib/stats';

const { values } = parseArgs({ options: { samples: { type: 'string', default: '200' }, 'no-write': { type: 'boolean', default: false } } });
const samples = Number(values.samples);

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const scans = (n: PlanNode): string[] => [
  ...(/Scan/.test(n['Node Type']) && n['Relation Name']
    ? [`${n['Node Type']}${n['Index Name'] ? ` (${n['Index Name']})` : ''} on ${n['Relation Name']}`]
    : []),
  ...(n.Plans ?? []).flatMap(scans),
];

const ctx = await openBench(4, Math.max(samples, 500));
const ROLLBACK = new Error('rollback');
try {
  let captured: { query: string; params: unknown[] }[] = [];
  const db = drizzle(ctx.admin, { schema, logger: { logQuery: (query, params) => captured.push({ query, params }) } });
  const groups = new Map<string, { times: Latencies; scans: Set<string> }>();
  const explain = async (label: string) => {
    for (const c of captured) {
      if (!/^\s*(select|with)/i.test(c.query) || /pg_advisory/.test(c.query)) continue;
      // EXPLAIN ANALYZE runs the statement: in a transaction rolled back, so an audit_append()
      // (which writes) leaves nothing behind.
      let row: Record<string, unknown> | undefined;
      await ctx.admin
        .begin(async (tx) => {
          [row] = await tx.unsafe(`explain (analyze, buffers, format json) ${c.query}`, c.params as never[]);
          throw ROLLBACK;
        })
        .catch((e: unknown) => {
          if (e !== ROLLBACK) throw e;
        });
      const out = (row?.['QUERY PLAN'] as { Plan: PlanNode; 'Planning Time': number; 'Execution Time': number }[] | undefined)?.[0];
      if (!out) continue;
      const table = /audit_append/.test(c.query) ? 'audit_log (audit_append)' : (/from "(\w+)"/.exec(c.query)?.[1] ?? '?');
      const key = `${label} — ${table}`;
      const g = groups.get(key) ?? { times: new Latencies(), scans: new Set<string>() };
      g.times.add(out['Planning Time'] + out['Execution Time']);
      for (const s of scans(out.Plan)) g.scans.add(s);
      groups.set(key, g);
    }
    captured = [];
  };
  const askers = ctx.askers.slice(0, samples);
  for (const a of askers) {
    for (const [kind, q] of Object.entries(QUERY_KINDS)) {
      captured = [];
      await searchPersons(db, a.actor, q(a.person), new Date());
      await explain(`search: ${kind}`);
    }
    captured = [];
    await loadCaseView(db, a.actor, a.person.id, new Date());
    await explain('case card');
    await openReminders(db, a.actor.tenantId, [a.actor.staffId]);
    await explain('reminders of a counselor');
  }
  const rows = [...groups.entries()].map(([k, g]) => {
    const s = g.times.summary();
    return `| ${k} | ${s.count} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} | ${[...g.scans].join('; ')} |`;
  });
  const header = '| query (function — first table) | statements | p50 ms | p99 ms | max ms | scans used |\n|---|---:|---:|---:|---:|---|';
  console.log(header);
  for (const r of rows) console.log(r);
  if (!values['no-write']) {
    writeSection(
      'query-plans',
      [
        '## Query plans and server time',
        '',
        `Command: \`npm run bench:query-times -- --samples ${samples}\`. Dataset: ${ctx.dataset}.`,
        ctx.machine,
        '',
        `Every statement the real functions ran for ${samples} sampled askers, re-run under \`EXPLAIN (ANALYZE, BUFFERS)\`: planning + execution time inside PostgreSQL (no network, no client), and every scan node seen. The guard in CI is test/integration/query-plans.test.ts (same statements, city dataset, no Seq Scan on a big table).`,
        '',
        header,
        ...rows,
      ].join('\n'),
    );
  }
} finally {
  await ctx.close();
}
