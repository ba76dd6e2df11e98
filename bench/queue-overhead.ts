/**
 * Our delivery queue against the bare job library, in the same run:
 * `npm run bench:queue-overhead [-- --jobs 20000 --workers 2 --batch 50]`. In a fresh database
 * on the benchmark server: (1) pg-boss alone, N no-op jobs inserted in batches of 1,000 and
 * worked with the fetch settings our queue uses (`--workers` loops × `--batch` jobs per fetch,
 * burstWhenBatchFull, NOTIFY, 0.5 s polling); (2) N deliveries inserted into our outbox in
 * batches of 1,000 → relay → pg-boss → lease → fake platform (in-process, counting each
 * idempotency key) → sent. Reports both throughputs, the ratio, and duplicates (must be 0).
 * Writes the section "Delivery queue overhead".
 */
import { parseArgs } from 'node:util';
import { PgBoss } from 'pg-boss';
import postgres from 'postgres';
import { connect } from '../db/client';
import { runMigrations } from '../db/migrate';
import { SenderRegistry, type PlatformSender } from '../src/chat/adapter';
import { textReply } from '../src/chat/replies';
import { startScheduler } from '../src/scheduler/index';
import { machineLine, writeSection } from './lib/report';
import { openBenchServer } from './lib/server';
import { peakRssMb } from './lib/stats';

const { values } = parseArgs({
  options: { jobs: { type: 'string', default: '20000' }, workers: { type: 'string', default: '2' }, batch: { type: 'string', default: '50' }, 'no-write': { type: 'boolean', default: false } },
});
const N = Number(values.jobs);
const workers = Number(values.workers);
const batch = Number(values.batch);

const server = await openBenchServer();
const dbName = `queue_bench_${Date.now()}`;
const adminUrl = server.url;
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
// Databases left by an interrupted run.
for (const { datname } of await admin<{ datname: string }[]>`select datname from pg_database where datname like 'queue_bench_%'`) {
  await admin.unsafe(`drop database if exists ${datname} with (force)`);
}
await admin.unsafe(`create database ${dbName}`);
const url = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();
const until = async (what: string, done: () => Promise<boolean> | boolean, ms = 600_000) => {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
try {
  await runMigrations(url);
  const machine = await machineLine(admin);

  // (1) The job library alone, with the constructor, queue and work() options of src/scheduler/queue.ts.
  const boss = new PgBoss({
    connectionString: url,
    schema: 'pgboss_bare',
    max: Math.max(4, workers + 2),
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
  const options = { batchSize: batch, burstWhenBatchFull: true, localConcurrency: workers, perJobResults: true, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5, heartbeatRefreshSeconds: 3 } as const;
  await boss.work<{ n: number }, unknown, typeof options>('bare', options, async (jobs) => {
    done += jobs.length;
    return jobs.map((j) => ({ id: j.id, status: 'completed' as const }));
  });
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1000) await boss.insert('bare', Array.from({ length: Math.min(1000, N - i) }, (_, k) => ({ data: { n: i + k } })));
  await until('bare jobs', () => done >= N);
  const bareSeconds = (performance.now() - t0) / 1000;
  await boss.stop({ graceful: true });

  // (2) Ours: outbox rows → relay → pg-boss → attempt with lease → fake platform → sent.
  const database = connect(url, { max: 4 });
  const [t] = await database.sql<{ id: string }[]>`insert into tenants (code, name) values ('queue-bench', '架空市（キュー）') returning id`;
  const [o] = await database.sql<{ id: string }[]>`insert into offices (tenant_id, name, kind) values (${t!.id}, '架空事業所', 'tokutei') returning id`;
  const staffIds: string[] = [];
  for (let i = 0; i < 50; i++) {
    const [s] = await database.sql<{ id: string }[]>`insert into staff (tenant_id, office_id, name, roles) values (${t!.id}, ${o!.id}, ${`職員${i}`}, '{counselor}') returning id`;
    staffIds.push(s!.id);
    await database.sql`insert into chat_accounts (tenant_id, staff_id, platform, workspace_id, user_id) values (${t!.id}, ${s!.id}, 'slack', 'TQ', ${`UQ${i}`})`;
  }
  const seen = new Map<string, number>();
  const fake: PlatformSender = {
    platform: 'slack',
    async send(_to, _reply, key) {
      seen.set(key, (seen.get(key) ?? 0) + 1);
      return { ok: true, messageId: key };
    },
  };
  const senders = new SenderRegistry();
  senders.add(fake);
  const scheduler = await startScheduler({
    url,
    senders,
    settings: { planIntervalMs: 3_600_000, syncIntervalMs: 0, maxAttempts: 3, retryBaseMs: 100, retryMaxMs: 1000, concurrencyPerPlatform: 64, workers, batchSize: batch, clock: 'system' },
  });
  const payload = JSON.stringify(textReply('ベンチマークの通知です。', 'dm'));
  const o0 = performance.now();
  for (let i = 0; i < N; i += 1000) {
    await database.sql`insert into deliveries (tenant_id, idempotency_key, recipient_id, kind, payload, run_at, created_at)
      select ${t!.id}, 'q:' || g, (${staffIds}::uuid[])[1 + g % ${staffIds.length}], 'notice', ${payload}::jsonb, now(), now()
      from generate_series(${i}::int, ${Math.min(N, i + 1000) - 1}::int) g`;
  }
  const enqueuedSeconds = (performance.now() - o0) / 1000;
  await until('deliveries sent', async () => (await database.sql<{ n: number }[]>`select count(*)::int as n from deliveries where status = 'sent'`)[0]!.n >= N);
  const oursSeconds = (performance.now() - o0) / 1000;
  await new Promise((r) => setTimeout(r, 2000));
  const duplicates = [...seen.values()].filter((n) => n > 1).length;
  const [lat] = await database.sql<{ p50: number; p99: number }[]>`
    select percentile_cont(0.5) within group (order by extract(epoch from sent_at - created_at)) * 1000 as p50,
           percentile_cont(0.99) within group (order by extract(epoch from sent_at - created_at)) * 1000 as p99
    from deliveries`;
  await scheduler.stop();
  await database.close();

  const bare = N / bareSeconds;
  const ours = N / oursSeconds;
  const lines = [
    '| path | jobs | seconds | jobs/s |',
    '|---|---:|---:|---:|',
    `| pg-boss alone, our fetch settings (${workers} loops × batch ${batch}, burstWhenBatchFull, NOTIFY): insert in batches of 1,000, no-op handler | ${N.toLocaleString('en')} | ${bareSeconds.toFixed(1)} | ${bare.toFixed(0)} |`,
    `| ours: outbox INSERT…SELECT in batches of 1,000 → relay (500 per transaction) → pg-boss (same settings) → batch lease → fake platform → one "sent" update per batch | ${N.toLocaleString('en')} | ${oursSeconds.toFixed(1)} | ${ours.toFixed(0)} |`,
    '',
    `Ratio bare / ours: **${(bare / ours).toFixed(2)}×** (target ≤ 2×). Duplicates delivered: ${duplicates}; distinct keys delivered: ${seen.size.toLocaleString('en')} of ${N.toLocaleString('en')}. Enqueueing took ${enqueuedSeconds.toFixed(1)} s of our run; created → sent p50 ${lat?.p50?.toFixed(0)} ms, p99 ${lat?.p99?.toFixed(0)} ms (a backlog drained, so this is queue depth, not pick-up latency). Peak RSS ${peakRssMb().toFixed(0)} MB.`,
  ];
  for (const l of lines) console.log(l);
  if (!values['no-write']) {
    writeSection(
      'queue-overhead',
      [
        '## Delivery queue overhead (ours against pg-boss alone)',
        '',
        `Command: \`npm run bench:queue-overhead -- --jobs ${N} --workers ${workers} --batch ${batch}\`. One process, one fresh database on the benchmark server, the same pg-boss options in both runs (${workers} worker loops, batches of ${batch}).`,
        machine,
        '',
        ...lines,
        '',
        'Several processes, SIGKILL and enqueue → start latency: the delivery-throughput sections (`npm run bench:delivery`).',
      ].join('\n'),
    );
  }
} finally {
  await admin.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {});
  await admin.end();
  await server.stop();
}
