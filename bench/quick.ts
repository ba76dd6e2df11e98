/**
 * `npm run bench:quick`: every path of issue 19 against its floor, interleaved in one run
 * (A B A B …), on the city dataset (generated into ./data-bench-city on first use, or
 * DATABASE_URL). Rewrites its sections of docs/benchmarks.md and the summary built from them.
 * Under 10 minutes on a 2-core machine. `--only card,search,webhook,queue` runs some of them;
 * `--no-write` only prints.
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { connect } from '../db/client';
import { createRegistry } from '../handlers/index';
import { dispatch } from '../src/chat/dispatch';
import { searchPersons } from '../src/core/cases/search';
import { generateDataset } from './dataset/generate';
import { SCALES } from './dataset/layout';
import { Prng } from './dataset/prng';
import { floorCaseCard } from './floor/case-card';
import { floorSearch } from './floor/search';
import {
  interleavedLoops,
  latencyTable,
  loadNow,
  machineNow,
  median,
  pairedRatio,
  writeRatioSection,
  writeSummary,
  type RatioRecord,
} from './lib/ratio';

const PAIRED = (q: string) => `${q} ms (medians of rounds); ratio: median of the rounds' ratios`;
import { randomQuery, sampleAskers, type Asker } from './lib/sample';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { signSlackRequest } from '../src/platforms/slack/verify';
import { startAppProcess, startFloorWebhook } from './floor/processes';
import { BenchSlack } from './lib/fake-slack';
import { BENCH_SIGNING_SECRET, linkAskers, postSigned, slashCommand, teamOf, userOf } from './lib/slack-lookup';
import { Latencies, ms } from './lib/stats';
import { runQueueComparison } from './floor/queue';
import { openBenchServer } from './lib/server';

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'card,search,webhook,queue' },
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '5' },
    askers: { type: 'string', default: '100' },
    'think-ms': { type: 'string', default: '1000' },
    pool: { type: 'string', default: '10' },
    'no-write': { type: 'boolean', default: false },
  },
});
const only = new Set((values.only ?? '').split(','));
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const askersN = Number(values.askers);
const thinkMs = Number(values['think-ms']);
const pool = Number(values.pool);
const write = !values['no-write'];
const command = (extra = '') => `npm run bench:quick${extra ? ` -- ${extra}` : ''}`;

const t0 = performance.now();
const server = await openBenchServer({ migrate: true });
const admin = postgres(server.url, { max: 4, onnotice: () => {} });
try {
  const [{ n } = { n: 0 }] = await admin<{ n: number }[]>`select count(*)::int as n from persons`;
  if (n === 0) {
    console.log('generating the city dataset …');
    await generateDataset(admin, { scale: SCALES.city, log: (l) => console.log(`  ${l}`) });
  }
  const [c] = await admin<{ tenants: number; persons: number; consultations: number }[]>`
    select (select count(*) from tenants)::int as tenants, (select count(*) from persons)::int as persons,
           (select count(*) from consultations)::int as consultations`;
  const dataset = `city (${c?.tenants} tenants, ${c?.persons.toLocaleString('en')} persons, ${c?.consultations.toLocaleString('en')} consultations)`;
  console.log(machineNow());
  console.log(`dataset: ${dataset}`);
  const askers = await sampleAskers(admin, 2000);
  const rng = new Prng(19);
  const pick = () => askers[rng.int(askers.length)] ?? (askers[0] as (typeof askers)[number]);

  const product = connect(server.url, { max: pool, applicationName: 'bench-product' });
  const floorSql = postgres(server.url, { max: pool, onnotice: () => {}, applicationName: 'bench-floor' } as postgres.Options<
    Record<string, never>
  >);
  const registry = createRegistry();
  const opts = { db: product.db, registry, now: () => new Date() };
  const loadShape = `${askersN} askers, each pausing a random time (exponential, mean ${thinkMs} ms) between an answer and the next question; pool ${pool} on each side; ${rounds} rounds of ${seconds} s per side, A B then B A`;

  try {
    if (only.has('card')) {
      console.log('\ncase card: product (dispatch case:show) vs floor (bare postgres.js)');
      // Warm both: caches, prepared statements, JIT of the code paths.
      for (let i = 0; i < 200; i++) {
        const a = pick();
        await dispatch(opts, a.actor, { kind: 'action', id: 'case:show', value: a.person.id });
        await floorCaseCard(floorSql, a, new Date());
      }
      const r = await interleavedLoops({
        rounds,
        seconds,
        concurrency: askersN,
        thinkMs,
        log: console.log,
        product: async () => {
          const a = pick();
          const res = await dispatch(opts, a.actor, { kind: 'action', id: 'case:show', value: a.person.id });
          if (res.errorId) throw new Error(`handler error ${res.errorId}`);
        },
        floor: async () => {
          const a = pick();
          await floorCaseCard(floorSql, a, new Date());
        },
      });
      // One asker alone: the cost of one card without queueing.
      const alone = await interleavedLoops({
        rounds: 2,
        seconds: Math.max(2, seconds / 3),
        concurrency: 1,
        thinkMs: 0,
        product: async () => {
          const a = pick();
          await dispatch(opts, a.actor, { kind: 'action', id: 'case:show', value: a.person.id });
        },
        floor: async () => {
          await floorCaseCard(floorSql, pick(), new Date());
        },
      });
      const p = pairedRatio(r.rounds, 'p99');
      const p1 = pairedRatio(alone.rounds, 'p50');
      const ratios: RatioRecord[] = [
        {
          what: `case card, ${askersN} askers, 1 s think`,
          measure: PAIRED('p99'),
          product: p.product,
          floor: p.floor,
          ratio: p.ratio,
          target: '≤ 1.5×',
          met: p.ratio <= 1.5,
        },
        {
          what: 'case card, one asker alone',
          measure: PAIRED('p50'),
          product: p1.product,
          floor: p1.floor,
          ratio: p1.ratio,
          target: '(no target)',
          met: true,
        },
      ];
      console.log(ratios.map((x) => `${x.what}: ${x.ratio.toFixed(2)}×`).join('\n'));
      if (write) {
        writeRatioSection('floor-case-card', {
          title: 'Case card against its floor',
          command: command('--only card'),
          dataset,
          loads: r.loads,
          body: [
            `Product: \`dispatch\` of \`case:show\` (handler, openPerson with its elevation check, loadCaseView, rendering) on drizzle over postgres.js, statements prepared. Floor: bench/floor/case-card.ts, bare postgres.js running the card's SQL (the person beside the admin-grant lookup of the elevation check, then the plan beside one statement reading the rest and appending the audit row) and the same \`audit_append\`, in two round trips, no dispatch or rendering. Load: ${loadShape}. Both in the benchmark process.`,
            '',
            ...latencyTable([
              ['product, 100 askers (all rounds pooled)', r.product],
              ['floor, 100 askers (all rounds pooled)', r.floor],
              ['product, 1 asker', alone.product],
              ['floor, 1 asker', alone.floor],
            ]),
            '',
            `p99 ratio of each round (product ÷ floor, back to back): ${p.perRound.map((x) => x.toFixed(2)).join(', ')}.`,
          ],
          ratios,
        });
      }
    }

    if (only.has('search')) {
      console.log('\nsearch: product (searchPersons) vs floor (bare postgres.js)');
      for (let i = 0; i < 200; i++) {
        const a = pick();
        const q = randomQuery(rng, a);
        await searchPersons(product.db, a.actor, q, new Date());
        await floorSearch(floorSql, a.actor, q, new Date());
      }
      const r = await interleavedLoops({
        rounds,
        seconds,
        concurrency: askersN,
        thinkMs,
        log: console.log,
        product: async () => {
          const a = pick();
          await searchPersons(product.db, a.actor, randomQuery(rng, a), new Date());
        },
        floor: async () => {
          const a = pick();
          await floorSearch(floorSql, a.actor, randomQuery(rng, a), new Date());
        },
      });
      const p = pairedRatio(r.rounds, 'p99');
      const ratios: RatioRecord[] = [
        {
          what: `search (any kind), ${askersN} askers, 1 s think`,
          measure: PAIRED('p99'),
          product: p.product,
          floor: p.floor,
          ratio: p.ratio,
          target: '≤ 1.5×',
          met: p.ratio <= 1.5,
        },
      ];
      console.log(ratios.map((x) => `${x.what}: ${x.ratio.toFixed(2)}×`).join('\n'));
      if (write) {
        writeRatioSection('floor-search', {
          title: 'Case search against its floor',
          command: command('--only search'),
          dataset,
          loads: r.loads,
          body: [
            `Product: \`searchPersons\` (src/core/cases/search.ts: visible persons, code or partial name/kana by trigram similarity, 「もしかして」, audit row), a random kind of query each time (the six kinds of bench/lib/sample.ts). Floor: bench/floor/search.ts, bare postgres.js running the same statements and the same \`audit_append\`. Load: ${loadShape}.`,
            '',
            ...latencyTable([
              ['product (all rounds pooled)', r.product],
              ['floor (all rounds pooled)', r.floor],
            ]),
            '',
            `p99 ratio of each round (product ÷ floor, back to back): ${p.perRound.map((x) => x.toFixed(2)).join(', ')}.`,
          ],
          ratios,
        });
      }
    }

    if (only.has('webhook')) {
      console.log('\nwebhook ack: product (src/main.ts, Bolt) vs floor (node:http + HMAC + one insert); scheduler in a second process');
      await linkAskers(admin, askers);
      const fake = await new BenchSlack().start();
      const appEnv = (scheduler: boolean) => ({
        DATABASE_URL: server.url,
        SCHEDULER: scheduler ? 'true' : 'false',
        DB_POOL_MAX: String(pool),
        SLACK_SIGNING_SECRET: BENCH_SIGNING_SECRET,
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_API_URL: fake.apiUrl,
      });
      const app = await startAppProcess(appEnv(false));
      const scheduler = await startAppProcess(appEnv(true));
      const floorApp = await startFloorWebhook({
        DATABASE_URL: server.url,
        SLACK_SIGNING_SECRET: BENCH_SIGNING_SECRET,
        DB_POOL_MAX: String(pool),
      });
      // The scheduler's first pass plans every town: let it finish before anything is timed.
      await new Promise((r) => setTimeout(r, 15_000));
      const connections = 50;
      const team = teamOf(askers[0]?.actor.tenantId ?? '');
      const event = () => {
        const body = JSON.stringify({
          type: 'event_callback',
          team_id: team,
          api_app_id: 'A0BENCH',
          event_id: `Ev${randomUUID()}`,
          event_time: Math.floor(Date.now() / 1000),
          event: { type: 'channel_created', channel: { id: 'C0NEW', name: 'bench' } },
        });
        const ts = Math.floor(Date.now() / 1000);
        return {
          method: 'POST' as const,
          path: '/slack/events',
          body,
          headers: {
            'content-type': 'application/json',
            'x-slack-request-timestamp': String(ts),
            'x-slack-signature': signSlackRequest(BENCH_SIGNING_SECRET, ts, body),
          },
        };
      };
      const cannon = (url: string, o: { duration: number; overallRate?: number }) =>
        autocannon({
          url,
          connections,
          duration: o.duration,
          overallRate: o.overallRate,
          requests: [{ setupRequest: (req) => ({ ...req, ...event() }) }],
        });
      try {
        await cannon(app.url, { duration: 2 });
        await cannon(floorApp.url, { duration: 2 });
        const floorSat = await cannon(floorApp.url, { duration: 5 });
        const productSat = await cannon(app.url, { duration: 5 });
        const rate = Math.max(1, Math.floor(floorSat.requests.average / 2));
        console.log(
          `  saturation: floor ${floorSat.requests.average.toFixed(0)}/s, product ${productSat.requests.average.toFixed(0)}/s; offered ${rate}/s`,
        );
        const p99s = { product: [] as number[], floor: [] as number[] };
        const p50s = { product: [] as number[], floor: [] as number[] };
        let errors = 0;
        let requests = 0;
        const loads: string[] = [];
        for (let round = 0; round < rounds; round++) {
          loads.push(loadNow());
          for (const side of round % 2 === 0 ? (['product', 'floor'] as const) : (['floor', 'product'] as const)) {
            const r = await cannon(side === 'product' ? app.url : floorApp.url, { duration: seconds, overallRate: rate });
            const l = r.latency as unknown as Record<string, number>;
            p99s[side].push(l.p99 ?? Number.NaN);
            p50s[side].push(l.p50 ?? Number.NaN);
            errors += r.non2xx + r.errors + r.timeouts;
            requests += r.requests.total;
            console.log(
              `  round ${round + 1} ${side.padEnd(7)} n=${r.requests.total} p50 ${ms(l.p50 ?? Number.NaN)} ms p99 ${ms(l.p99 ?? Number.NaN)} ms`,
            );
          }
        }
        const pr = median(p99s.product);
        const fr = median(p99s.floor);
        const paired = median(p99s.product.map((x, i) => x / (p99s.floor[i] ?? Number.NaN)));
        const ratios: RatioRecord[] = [
          {
            what: 'Slack webhook ack at half the floor’s saturation, scheduler in a second process',
            measure: PAIRED('p99'),
            product: pr,
            floor: fr,
            ratio: paired,
            target: '≤ 1.5×',
            met: paired <= 1.5,
          },
          {
            what: 'Slack webhook saturation (closed loop, 50 connections)',
            measure: 'req/s',
            product: productSat.requests.average,
            floor: floorSat.requests.average,
            ratio: productSat.requests.average / floorSat.requests.average,
            target: '(no target)',
            met: true,
          },
        ];
        console.log(ratios.map((x) => `${x.what}: ${x.ratio.toFixed(2)}×`).join('\n'));
        if (write) {
          writeRatioSection('floor-webhook-ack', {
            title: 'Slack webhook acknowledgement against its floor',
            command: command('--only webhook'),
            dataset,
            loads,
            body: [
              `Product: the app as its own process (\`src/main.ts\`, SCHEDULER=false, DB_POOL_MAX ${pool}; Bolt: signature, replay window, acknowledgement, then the event-id claim in PostgreSQL) with the scheduler in a second \`src/main.ts\` process (SCHEDULER=true). Floor: bench/floor/webhook-server.ts, a bare node:http process checking the same HMAC and window, answering 200 and inserting the event id (one row) with bare postgres.js. autocannon in the benchmark process, ${connections} connections, signed \`event_callback\` requests with new event ids: first each side's saturation (closed loop, 5 s), then ${rounds} rounds of ${seconds} s per side at half the floor's saturated rate (${rate}/s), A B then B A. autocannon gives percentiles per run, not samples: the ratio is the median of the rounds' p99 ratios.`,
              '',
              '| side | p99 ms per round | p50 ms per round |',
              '|---|---|---|',
              `| product | ${p99s.product.map(ms).join(', ')} | ${p50s.product.map(ms).join(', ')} |`,
              `| floor | ${p99s.floor.map(ms).join(', ')} | ${p50s.floor.map(ms).join(', ')} |`,
              '',
              `Requests at the offered rate: ${requests.toLocaleString('en')}; non-2xx, errors and timeouts: ${errors}.`,
            ],
            ratios,
          });
        }

        // Slack /case: signed request → acknowledgement and → reply on the response_url, against the floor's acknowledgement.
        console.log('\nSlack /case: product ack and reply vs floor ack, 100 askers, 1 s think');
        const run = randomUUID().slice(0, 8);
        let n = 0;
        const productAck = new Latencies();
        const floorAck = new Latencies();
        const body = (a: Asker, hook: string) =>
          slashCommand(teamOf(a.actor.tenantId), userOf(a.actor.staffId), randomQuery(rng, a), fake.hook(hook), `trig-${hook}`);
        const productCase = async () => {
          const a = pick();
          const hook = `${run}-${++n}`;
          const replied = fake.waitFor(hook);
          const t = performance.now();
          const res = await postSigned(app.url, body(a, hook));
          await res.arrayBuffer();
          if (res.status !== 200) {
            replied.catch(() => {});
            throw new Error(`HTTP ${res.status}`);
          }
          productAck.add(performance.now() - t);
          const text = await replied;
          if (text.includes('エラーが発生しました')) throw new Error('the reply is an error message');
        };
        const floorCase = async () => {
          const a = pick();
          const t = performance.now();
          const res = await postSigned(floorApp.url, body(a, `${run}-f${++n}`));
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
          floorAck.add(performance.now() - t);
        };
        // Whatever the overload above left queued is worked off before this is timed.
        await new Promise((r) => setTimeout(r, 10_000));
        for (let i = 0; i < 20; i++) {
          await productCase();
          await floorCase();
        }
        productAck.reset();
        floorAck.reset();
        const r = await interleavedLoops({
          rounds,
          seconds,
          concurrency: askersN,
          thinkMs,
          log: console.log,
          product: productCase,
          floor: floorCase,
        });
        const pAck = productAck.summary();
        const fAck = floorAck.summary();
        // Per round: the reply's p99 against 100 ms + that round's floor acknowledgement p99.
        const perRound = r.rounds.map((x) => x.product.p99 / (100 + x.floor.p99));
        const replyP99 = median(r.rounds.map((x) => x.product.p99));
        const bound = 100 + median(r.rounds.map((x) => x.floor.p99));
        const caseRatios: RatioRecord[] = [
          {
            what: 'Slack `/case` reply on the response_url vs 100 ms + floor ack p99',
            measure: 'p99 ms, medians of rounds; ratio: median of round ratios',
            product: replyP99,
            floor: bound,
            ratio: median(perRound),
            target: '≤ 1× (p99 ≤ 100 ms + floor ack p99)',
            met: median(perRound) <= 1,
          },
          {
            what: 'Slack `/case` acknowledgement, 100 askers, 1 s think',
            measure: 'p99 ms, all rounds pooled',
            product: pAck.p99,
            floor: fAck.p99,
            ratio: pAck.p99 / fAck.p99,
            target: '(no target)',
            met: true,
          },
        ];
        console.log(caseRatios.map((x) => `${x.what}: ${x.ratio.toFixed(2)}×`).join('\n'));
        if (write) {
          writeRatioSection('floor-slack-case', {
            title: 'Slack `/case`: reply on the response_url against the floor’s acknowledgement',
            command: command('--only webhook'),
            dataset,
            loads: r.loads,
            body: [
              `Product: a signed \`/case <query>\` (a random kind of query of bench/lib/sample.ts) to the app process of the section above (scheduler in its second process): time to the HTTP acknowledgement, and to the reply posted on a fake response_url in the benchmark process (the search, the card when one person matches, Block Kit, the POST). Floor: the same signed body to the webhook floor, time to its acknowledgement. Load: ${loadShape}.`,
              '',
              ...latencyTable([
                ['product: request → reply on response_url', r.product],
                ['floor: request → acknowledgement', r.floor],
              ]),
              '',
              `Product acknowledgement (all rounds): p50 ${ms(pAck.p50)} ms, p99 ${ms(pAck.p99)} ms; floor acknowledgement p99 ${ms(fAck.p99)} ms. Reply p99 ÷ (100 ms + floor ack p99) per round: ${perRound.map((x) => x.toFixed(2)).join(', ')}.`,
            ],
            ratios: caseRatios,
          });
        }
      } finally {
        await app.stop();
        await scheduler.stop();
        await floorApp.stop();
        await fake.stop();
      }
    }

    if (only.has('queue')) {
      const q = await runQueueComparison({ url: server.url, admin, rounds: Math.max(2, Math.ceil(rounds / 2)), log: console.log });
      if (write) {
        writeRatioSection('floor-queue', {
          title: 'Delivery queue against bare pg-boss',
          command: command('--only queue'),
          dataset: 'a fresh database per round on the same server (the queue needs no dataset)',
          loads: q.loads,
          body: q.body,
          ratios: q.ratios,
        });
      }
    }
  } finally {
    await product.close();
    await floorSql.end();
  }
  if (write) writeSummary();
  console.log(`\nbench:quick done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
} finally {
  await admin.end();
  await server.stop();
}
