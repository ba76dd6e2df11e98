/**
 * Our delivery queue against bare pg-boss (the library it is built on), interleaved in one run:
 * each round runs the bare library, then ours (then ours first in the next round), in one
 * database on the benchmark server.
 * - Throughput: N no-op jobs inserted in batches of 1,000 and worked with the fetch settings of
 *   src/scheduler/queue.ts (2 loops × batches of 50, burstWhenBatchFull, NOTIFY, 0.5 s polling),
 *   against N deliveries inserted into our outbox → relay → pg-boss → lease → a fake platform
 *   (counting each idempotency key) → sent.
 * - Enqueue → start: one job (one delivery due now) at a time at an open rate; the time from the
 *   enqueue call to the start of the handler (the platform send).
 */
import { PgBoss } from 'pg-boss';
import type postgres from 'postgres';
import { connect } from '../../db/client';
import { runMigrations } from '../../db/migrate';
import { SenderRegistry, type PlatformSender } from '../../src/chat/adapter';
import { textReply } from '../../src/chat/replies';
import { startScheduler } from '../../src/scheduler/index';
import { loadNow, median, type RatioRecord } from '../lib/ratio';
import { Latencies, ms } from '../lib/stats';

const WORKERS = 2;
const BATCH = 50;

const until = async (what: string, done: () => Promise<boolean> | boolean, limitMs = 300_000) => {
  const end = Date.now() + limitMs;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Enqueues at `rate` per second for `seconds`, one at a time, without waiting for the work. */
async function openLoop(rate: number, seconds: number, enqueue: (i: number) => Promise<void>): Promise<number> {
  const start = performance.now();
  const total = Math.round(rate * seconds);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(enqueue(i));
  }
  await Promise.all(pending);
  return total;
}

async function bareRound(url: string, schema: string, n: number, rate: number, seconds: number) {
  const boss = new PgBoss({
    connectionString: url,
    schema,
    max: Math.max(4, WORKERS + 2),
    useListenNotify: true,
    superviseIntervalSeconds: 2,
    monitorIntervalSeconds: 2,
    notifyHeartbeatIntervalMs: 2000,
    notifyHeartbeatTimeoutMs: 2000,
  });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue('bare', { notify: true, retryLimit: 1000, retryDelay: 1, heartbeatSeconds: 10, expireInSeconds: 120 });
  let done = 0;
  const sentAt = new Map<number, number>();
  const latency = new Latencies();
  const options = {
    batchSize: BATCH,
    burstWhenBatchFull: true,
    localConcurrency: WORKERS,
    perJobResults: true,
    pollingIntervalSeconds: 0.5,
    notifyPollingIntervalSeconds: 0.5,
    heartbeatRefreshSeconds: 3,
  } as const;
  await boss.work<{ n: number; probe?: boolean }, unknown, typeof options>('bare', options, async (jobs) => {
    const now = performance.now();
    for (const j of jobs) {
      if (j.data.probe) {
        const t = sentAt.get(j.data.n);
        if (t !== undefined) latency.add(now - t);
      } else done++;
    }
    return jobs.map((j) => ({ id: j.id, status: 'completed' as const }));
  });
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1000)
    await boss.insert(
      'bare',
      Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ data: { n: i + k } })),
    );
  await until('bare jobs', () => done >= n);
  const throughput = n / ((performance.now() - t0) / 1000);
  const probes = await openLoop(rate, seconds, async (i) => {
    sentAt.set(i, performance.now());
    await boss.send('bare', { n: i, probe: true });
  });
  await until('bare probes', () => latency.count >= probes, 60_000).catch(() => {});
  await boss.stop({ graceful: true });
  return { throughput, latency };
}

async function oursRound(url: string, tag: string, n: number, rate: number, seconds: number) {
  const database = connect(url, { max: 4, applicationName: 'bench-queue' });
  const [t] = await database.sql<
    { id: string }[]
  >`insert into tenants (code, name) values (${`queue-${tag}`}, '架空市（キュー）') returning id`;
  const [o] = await database.sql<
    { id: string }[]
  >`insert into offices (tenant_id, name, kind) values (${t!.id}, '架空事業所', 'tokutei') returning id`;
  const staffIds: string[] = [];
  for (let i = 0; i < 50; i++) {
    const [s] = await database.sql<
      { id: string }[]
    >`insert into staff (tenant_id, office_id, name, roles) values (${t!.id}, ${o!.id}, ${`職員${i}`}, '{counselor}') returning id`;
    staffIds.push(s!.id);
    await database.sql`insert into chat_accounts (tenant_id, staff_id, platform, workspace_id, user_id) values (${t!.id}, ${s!.id}, 'slack', ${`TQ${tag}`}, ${`UQ${tag}${i}`})`;
  }
  const seen = new Map<string, number>();
  const enqueuedAt = new Map<string, number>();
  const latency = new Latencies();
  const fake: PlatformSender = {
    platform: 'slack',
    async send(_to, _reply, key) {
      const at = enqueuedAt.get(key);
      if (at !== undefined && !seen.has(key)) latency.add(performance.now() - at);
      seen.set(key, (seen.get(key) ?? 0) + 1);
      return { ok: true, messageId: key };
    },
  };
  const senders = new SenderRegistry();
  senders.add(fake);
  const scheduler = await startScheduler({
    url,
    senders,
    settings: {
      planIntervalMs: 3_600_000,
      syncIntervalMs: 0,
      maxAttempts: 3,
      retryBaseMs: 100,
      retryMaxMs: 1000,
      concurrencyPerPlatform: 64,
      workers: WORKERS,
      batchSize: BATCH,
      clock: 'system',
    },
  });
  const payload = JSON.stringify(textReply('ベンチマークの通知です。', 'dm'));
  try {
    const t0 = performance.now();
    for (let i = 0; i < n; i += 1000) {
      await database.sql`insert into deliveries (tenant_id, idempotency_key, recipient_id, kind, payload, run_at, created_at)
        select ${t!.id}, ${`q:${tag}:`} || g, (${staffIds}::uuid[])[1 + g % ${staffIds.length}], 'notice', ${payload}::jsonb, now(), now()
        from generate_series(${i}::int, ${Math.min(n, i + 1000) - 1}::int) g`;
    }
    await until('deliveries sent', () => seen.size >= n);
    const throughput = n / ((performance.now() - t0) / 1000);
    const probes = await openLoop(rate, seconds, async (i) => {
      const key = `p:${tag}:${i}`;
      enqueuedAt.set(key, performance.now());
      await database.sql`insert into deliveries (tenant_id, idempotency_key, recipient_id, kind, payload, run_at, created_at)
        values (${t!.id}, ${key}, ${staffIds[i % staffIds.length]!}, 'notice', ${payload}::jsonb, now(), now())`;
    });
    await until('probes sent', () => latency.count >= probes, 60_000).catch(() => {});
    const duplicates = [...seen.values()].filter((x) => x > 1).length;
    return { throughput, latency, duplicates };
  } finally {
    await scheduler.stop();
    await database.close();
  }
}

export async function runQueueComparison(o: {
  url: string;
  admin: postgres.Sql;
  rounds: number;
  jobs?: number;
  rate?: number;
  probeSeconds?: number;
  log?: (l: string) => void;
}) {
  const n = o.jobs ?? 5_000;
  const rate = o.rate ?? 50;
  const probeSeconds = o.probeSeconds ?? 5;
  const log = o.log ?? (() => {});
  const dbName = `queue_bench_${Date.now()}`;
  for (const { datname } of await o.admin<{ datname: string }[]>`select datname from pg_database where datname like 'queue_bench_%'`) {
    await o.admin.unsafe(`drop database if exists ${datname} with (force)`);
  }
  await o.admin.unsafe(`create database ${dbName}`);
  const u = new URL(o.url);
  u.pathname = `/${dbName}`;
  const url = u.toString();
  const bare = { throughput: [] as number[], latency: new Latencies() };
  const ours = { throughput: [] as number[], latency: new Latencies(), duplicates: 0 };
  const loads: string[] = [];
  try {
    await runMigrations(url);
    log(
      `\nqueue: ours vs bare pg-boss, ${o.rounds} rounds of ${n.toLocaleString('en')} jobs each, then ${rate}/s for ${probeSeconds} s one at a time`,
    );
    for (let round = 0; round < o.rounds; round++) {
      loads.push(loadNow());
      for (const side of round % 2 === 0 ? (['bare', 'ours'] as const) : (['ours', 'bare'] as const)) {
        if (side === 'bare') {
          const r = await bareRound(url, `pgboss_bare_${round}`, n, rate, probeSeconds);
          bare.throughput.push(r.throughput);
          for (const v of r.latency.values()) bare.latency.add(v);
          log(
            `  round ${round + 1} bare    ${r.throughput.toFixed(0)} jobs/s, enqueue→start p50 ${ms(r.latency.summary().p50)} p99 ${ms(r.latency.summary().p99)} ms`,
          );
        } else {
          const r = await oursRound(url, `${Date.now().toString(36)}${round}`, n, rate, probeSeconds);
          ours.throughput.push(r.throughput);
          ours.duplicates += r.duplicates;
          for (const v of r.latency.values()) ours.latency.add(v);
          log(
            `  round ${round + 1} ours    ${r.throughput.toFixed(0)} jobs/s, enqueue→start p50 ${ms(r.latency.summary().p50)} p99 ${ms(r.latency.summary().p99)} ms`,
          );
        }
      }
    }
  } finally {
    await o.admin.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {});
  }
  const bt = median(bare.throughput);
  const ot = median(ours.throughput);
  const bl = bare.latency.summary();
  const ol = ours.latency.summary();
  // Each round's two runs ran back to back: the median of the rounds' ratios.
  const paired = median(ours.throughput.map((x, i) => x / (bare.throughput[i] ?? Number.NaN)));
  const ratios: RatioRecord[] = [
    {
      what: 'delivery queue throughput vs bare pg-boss',
      measure: "jobs/s (medians of rounds); ratio: median of the rounds' ratios",
      product: ot,
      floor: bt,
      ratio: paired,
      target: '≥ 0.7×',
      met: paired >= 0.7,
    },
    {
      what: `enqueue → start at ${rate}/s vs bare pg-boss`,
      measure: 'p99 ms, all rounds pooled',
      product: ol.p99,
      floor: bl.p99,
      ratio: ol.p99 / bl.p99,
      target: '≤ 3×',
      met: ol.p99 / bl.p99 <= 3,
    },
  ];
  for (const r of ratios) log(`${r.what}: ${r.ratio.toFixed(2)}×`);
  const body = [
    `Product: ${n.toLocaleString('en')} deliveries inserted into our outbox in batches of 1,000 → relay → pg-boss → batch lease → a fake platform in the process (counting each idempotency key) → "sent"; one \`startScheduler\` with ${WORKERS} worker loops × batches of ${BATCH}. Floor: pg-boss alone with the same constructor, queue and work() options, ${n.toLocaleString('en')} no-op jobs inserted in batches of 1,000. Then each side enqueues one job (one delivery due now) at a time at ${rate}/s for ${probeSeconds} s: enqueue call → handler start (the platform send). ${o.rounds} rounds, bare then ours, then ours then bare. One process, one fresh database on the benchmark server.`,
    '',
    '| side | jobs/s per round | enqueue → start: samples | p50 ms | p95 ms | p99 ms | max ms |',
    '|---|---|---:|---:|---:|---:|---:|',
    `| ours | ${ours.throughput.map((x) => x.toFixed(0)).join(', ')} | ${ol.count} | ${ms(ol.p50)} | ${ms(ol.p95)} | ${ms(ol.p99)} | ${ms(ol.max)} |`,
    `| bare pg-boss | ${bare.throughput.map((x) => x.toFixed(0)).join(', ')} | ${bl.count} | ${ms(bl.p50)} | ${ms(bl.p95)} | ${ms(bl.p99)} | ${ms(bl.max)} |`,
    '',
    `Deliveries shown twice by the fake platform: ${ours.duplicates}.`,
  ];
  return { ratios, body, loads };
}
