/**
 * Reminder delivery through the queue with several worker processes:
 *
 *   npm run bench:delivery -- [--processes 4] [--deliveries 1000000] [--kill-every 30]
 *                             [--loops 2] [--batch 50] [--sends 64] [--rate 200] [--trickle-seconds 20]
 *
 * Its own embedded PostgreSQL in a temporary folder (stock settings but max_connections=200), a
 * fake platform on 127.0.0.1 in this process (it answers a repeated idempotency key with 409,
 * as LINE does for X-Line-Retry-Key, and counts such re-sends), and N processes of
 * test/multiprocess/worker.ts (system clock; `--loops` worker loops of `--batch` jobs each; our
 * pool is loops + 3 connections, pg-boss's max(4, loops + 2)).
 *
 * Phase 1, throughput: D deliveries due now (one tenant, 1,000 staff with a Slack account),
 * inserted with INSERT … SELECT in chunks of 50,000 while the workers run; deliveries per
 * second over the whole run and in steady state (10 % → 90 % of arrivals); with
 * `--kill-every S`, a random worker is SIGKILLed every S seconds and started again at once,
 * and for each kill the time until every delivery it held a lease on was recorded as sent.
 * At the end: every key shown by the platform (0 lost), none shown twice, how many re-sends
 * the key absorbed (each would be a duplicate on Slack, which has no such key), peak RSS per
 * worker (VmHWM), CPU seconds of PostgreSQL / workers / this process, transactions per delivery.
 *
 * Phase 2, latency: an open-loop trickle of `--rate` deliveries per second due now, each its
 * own INSERT; enqueue (the INSERT's commit, seen by this process) → start (the platform
 * receiving it), p50 / p95 / p99.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { startEmbedded } from '../db/embedded';
import { runMigrations } from '../db/migrate';
import { FakePlatform } from '../test/multiprocess/fake-platform';
import { machineLine, writeSection } from './lib/report';
import { Latencies, ms, peakRssMb } from './lib/stats';

const { values: args } = parseArgs({
  options: {
    processes: { type: 'string', default: '4' },
    deliveries: { type: 'string', default: '1000000' },
    'kill-every': { type: 'string', default: '0' },
    loops: { type: 'string', default: '2' },
    batch: { type: 'string', default: '50' },
    sends: { type: 'string', default: '64' },
    rate: { type: 'string', default: '200' },
    'trickle-seconds': { type: 'string', default: '20' },
    /** Stop phase 1 after this long and report what was delivered by then (0: run to the end). */
    'max-seconds': { type: 'string', default: '0' },
    'no-write': { type: 'boolean', default: false },
  },
});
const MAX_SECONDS = Number(args['max-seconds']);
const PROCESSES = Number(args.processes);
const D = Number(args.deliveries);
const KILL_EVERY = Number(args['kill-every']);
const LOOPS = Number(args.loops);
const BATCH = Number(args.batch);
const SENDS = Number(args.sends);
const RATE = Number(args.rate);
const TRICKLE_SECONDS = Number(args['trickle-seconds']);
const STAFF = 1000;
const CHUNK = 50_000;
const command = `npm run bench:delivery -- --processes ${PROCESSES} --deliveries ${D} --kill-every ${KILL_EVERY} --loops ${LOOPS} --batch ${BATCH} --sends ${SENDS} --rate ${RATE} --trickle-seconds ${TRICKLE_SECONDS}${MAX_SECONDS > 0 ? ` --max-seconds ${MAX_SECONDS}` : ''}`;

const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const fmt = (n: number) => Math.round(n).toLocaleString('en');

const TICKS = 100; // USER_HZ on Linux
function procStat(pid: number): { ppid: number; cpu: number; reaped: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime + stime; `reaped`: cutime + cstime, the CPU of children it has waited for.
    return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICKS, reaped: (Number(f[13]) + Number(f[14])) / TICKS };
  } catch {
    return null;
  }
}

/** CPU seconds used so far by the postmaster and its children, ended backends included. */
function postgresCpu(postmaster: number): number {
  const pm = procStat(postmaster);
  let total = (pm?.cpu ?? 0) + (pm?.reaped ?? 0);
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = procStat(Number(name));
    if (s && s.ppid === postmaster) total += s.cpu;
  }
  return total;
}

function peakRssOf(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Busy and total jiffies of the whole machine. */
function machineCpu(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const total = line.reduce((a, b) => a + b, 0);
  const idle = (line[3] ?? 0) + (line[4] ?? 0);
  return { busy: total - idle, total };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soudan-bench-delivery-'));
  fs.chmodSync(dir, 0o755);
  const pg = await startEmbedded(dir, { persistent: false });
  const postmaster = Number(fs.readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const platform = await new FakePlatform().start();
  platform.keepMessages = false;
  const workers = new Map<number, ChildProcess>();
  const workerCpu = new Map<number, number>();
  const workerRss = new Map<number, number>();
  const sql = postgres(pg.url, { max: 12, onnotice: () => {} });
  let sampler: NodeJS.Timeout | null = null;
  try {
    await runMigrations(pg.url);
    const machine = await machineLine(sql);
    console.log(machine);

    const [tenant] = await sql<
      { id: string }[]
    >`insert into tenants (code, name) values ('bench-delivery', 'ベンチ市（配信）') returning id`;
    const tenantId = tenant!.id;
    const [office] = await sql<
      { id: string }[]
    >`insert into offices (tenant_id, name, kind) values (${tenantId}, '事業所', 'tokutei') returning id`;
    await sql`insert into staff (tenant_id, office_id, name, roles) select ${tenantId}, ${office!.id}, '相談員' || g, '{counselor}'::text[] from generate_series(1, ${STAFF}) g`;
    await sql`insert into chat_accounts (tenant_id, staff_id, platform, workspace_id, user_id)
      select ${tenantId}, id, 'slack', 'TB', 'U' || row_number() over () from staff where tenant_id = ${tenantId}`;
    const staffIds = (await sql<{ id: string }[]>`select id from staff where tenant_id = ${tenantId} order by id`).map((r) => r.id);
    const payload = JSON.stringify({ visibility: 'dm', blocks: [{ type: 'text', text: 'ベンチマークの通知です。' }], summary: 'bench' });

    const spawnWorker = (): Promise<ChildProcess> => {
      // WORKER_PROF=1: each worker writes a CPU profile to /tmp/soudan-delivery-prof on a clean stop.
      const prof = process.env.WORKER_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/soudan-delivery-prof'] : [];
      const child = spawn(process.execPath, [...prof, '--import', 'tsx', 'test/multiprocess/worker.ts'], {
        env: {
          ...process.env,
          DATABASE_URL: pg.url,
          FAKE_PLATFORM_URL: platform.url,
          LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
          NODE_ENV: 'test',
          WORKER_CLOCK: 'system',
          WORKER_LOOPS: String(LOOPS),
          WORKER_BATCH: String(BATCH),
          WORKER_SENDS: String(SENDS),
          WORKER_PLAN_INTERVAL_MS: '3600000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${child.pid}!] ${d.toString()}`));
      if (process.env.BENCH_LOG_LEVEL) child.stdout?.on('data', (d: Buffer) => process.stderr.write(`[${child.pid}] ${d.toString()}`));
      workers.set(child.pid!, child);
      child.on('exit', () => workers.delete(child.pid!));
      return new Promise((resolve, reject) => {
        child.stdout?.on('data', (d: Buffer) => {
          if (d.toString().includes('ready')) resolve(child);
        });
        child.on('exit', (code, signal) => reject(new Error(`worker exited before ready (${code ?? signal})`)));
      });
    };
    const sample = () => {
      for (const pid of workers.keys()) {
        const s = procStat(pid);
        if (s) workerCpu.set(pid, s.cpu);
        const r = peakRssOf(pid);
        if (r !== null) workerRss.set(pid, Math.max(workerRss.get(pid) ?? 0, r));
      }
    };
    sampler = setInterval(sample, 1000);
    await Promise.all(Array.from({ length: PROCESSES }, () => spawnWorker()));
    console.log(`${PROCESSES} worker processes ready`);

    // ---- Phase 1: D deliveries due now, with kills.
    const arrivals = new Float64Array(D);
    let arrived = 0;
    const latencyCommit = new Map<string, number>();
    const latency = new Latencies();
    platform.onAccept = (key, at) => {
      if (key.startsWith('t:')) {
        if (arrived < D) arrivals[arrived++] = at;
      } else if (key.startsWith('lat:')) {
        const c = latencyCommit.get(key);
        if (c !== undefined) latency.add(at - c);
        else latencyCommit.set(key, -at); // arrived before the commit was seen: settled below
      }
    };
    const [stat0] = await sql<
      { x: string }[]
    >`select (xact_commit + xact_rollback)::text as x from pg_stat_database where datname = current_database()`;
    const pgCpu0 = postgresCpu(postmaster);
    const benchCpu0 = process.cpuUsage();
    const mc0 = machineCpu();
    sample();
    const cpuAtStart = new Map(workerCpu);
    const t0 = Date.now();
    let insertSeconds = 0;
    const inserting = (async () => {
      for (let i = 0; i < D; i += CHUNK) {
        const n = Math.min(CHUNK, D - i);
        await sql`insert into deliveries (tenant_id, idempotency_key, recipient_id, kind, payload, run_at, created_at)
          select ${tenantId}, 't:' || g, (${staffIds}::uuid[])[1 + g % ${STAFF}], 'notice', ${payload}::jsonb, now(), now()
          from generate_series(${i + 1}::int, ${i + n}::int) g`;
      }
      insertSeconds = (Date.now() - t0) / 1000;
      console.log(`inserted ${fmt(D)} deliveries in ${insertSeconds.toFixed(1)} s`);
    })();

    type Kill = { pid: number; at: number; leased: string[]; recoveredMs: number | null };
    const kills: Kill[] = [];
    let killing = true;
    const killer = (async () => {
      if (KILL_EVERY <= 0) return;
      for (;;) {
        await sleep(KILL_EVERY * 1000);
        if (!killing) return;
        const pids = [...workers.keys()];
        const pid = pids[Math.floor(Math.random() * pids.length)];
        if (pid === undefined) continue;
        // Frozen first, so that the leases read are the ones it holds when it dies (read while it
        // ran, a batch could be recorded between the read and the kill).
        workers.get(pid)?.kill('SIGSTOP');
        const leased = (
          await sql<
            { id: string }[]
          >`select id from deliveries where status = 'pending' and claimed_by like ${`%:${pid}:%`} and claimed_until > now()`
        ).map((r) => r.id);
        workers.get(pid)?.kill('SIGKILL');
        const kill: Kill = { pid, at: Date.now(), leased, recoveredMs: null };
        kills.push(kill);
        console.log(`t+${((kill.at - t0) / 1000).toFixed(0)} s: SIGKILL ${pid} holding ${leased.length} leases; restarting`);
        void spawnWorker().catch((e: unknown) => console.error(`restart failed: ${String(e)}`));
        void (async () => {
          while (kill.recoveredMs === null) {
            const [row] = await sql<
              { n: number }[]
            >`select count(*)::int as n from deliveries where id = any(${leased}::uuid[]) and status = 'pending'`;
            if ((row?.n ?? 0) === 0) kill.recoveredMs = Date.now() - kill.at;
            else await sleep(250);
          }
        })();
      }
    })();

    let lastLog = Date.now();
    while (arrived < D) {
      await sleep(200);
      if (Date.now() - lastLog >= 10_000) {
        lastLog = Date.now();
        const s = (Date.now() - t0) / 1000;
        console.log(
          `t+${s.toFixed(0)} s: ${fmt(arrived)} shown (${fmt(arrived / s)}/s overall), re-sends absorbed ${platform.resendsAbsorbed}`,
        );
      }
      if (MAX_SECONDS > 0 && Date.now() - t0 > MAX_SECONDS * 1000) {
        console.log(`phase 1 stopped at --max-seconds ${MAX_SECONDS}: ${fmt(arrived)} of ${fmt(D)} shown`);
        break;
      }
    }
    const complete = arrived >= D;
    const wallSeconds = (Date.now() - t0) / 1000;
    killing = false;
    await inserting;
    // Every delivery recorded as sent (the last "sent" updates land just after the platform saw them).
    let sentInDb = 0;
    for (let i = 0; i < (complete ? 100 : 1); i++) {
      sentInDb = (
        await sql<{ n: number }[]>`select count(*)::int as n from deliveries where status = 'sent' and idempotency_key like 't:%'`
      )[0]!.n;
      if (sentInDb >= D) break;
      await sleep(200);
    }
    sample();
    const pgCpu = postgresCpu(postmaster) - pgCpu0;
    const benchCpu = process.cpuUsage(benchCpu0);
    const mc = machineCpu();
    const busyShare = (mc.busy - mc0.busy) / (mc.total - mc0.total);
    let workersCpu = 0;
    for (const [pid, c] of workerCpu) workersCpu += c - (cpuAtStart.get(pid) ?? 0);
    const [stat1] = await sql<
      { x: string }[]
    >`select (xact_commit + xact_rollback)::text as x from pg_stat_database where datname = current_database()`;
    const xacts = Number(stat1!.x) - Number(stat0!.x);
    const perDelivery = (x: number) => (arrived > 0 ? x / arrived : Number.NaN);
    const [states] = await sql<{ pending: number; dead: number; attempts_max: number; retried: number }[]>`
      select count(*) filter (where status = 'pending')::int as pending, count(*) filter (where status = 'dead')::int as dead,
             max(attempts)::int as attempts_max, count(*) filter (where attempts > 1)::int as retried
      from deliveries where idempotency_key like 't:%'`;
    let lost = 0;
    for (let i = 1; i <= D; i++) if (!platform.has(`t:${i}`)) lost++;
    const sorted = Float64Array.from(arrivals.subarray(0, arrived)).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    const steady = (0.8 * arrived) / ((at(0.9) - at(0.1)) / 1000);
    await Promise.race([killer, sleep(0)]);
    for (let i = 0; i < 240 && kills.some((k) => k.recoveredMs === null); i++) await sleep(250);
    const recovered = kills.map((k) => k.recoveredMs ?? Number.NaN);
    const resendsPhase1 = platform.resendsAbsorbed;
    if (!complete) {
      // The backlog would queue ahead of the trickle: drop it (this is the bench's own database).
      await sql`update deliveries set status = 'dead', last_error = 'bench stopped by --max-seconds' where status = 'pending' and idempotency_key like 't:%'`;
      await sql`delete from pgboss.job where name = 'soudan-delivery' and state in ('created', 'retry')`;
      await sleep(3000);
    }
    console.log(
      `phase 1: ${fmt(arrived)} in ${wallSeconds.toFixed(1)} s = ${fmt(arrived / wallSeconds)}/s overall, steady ${fmt(steady)}/s; lost ${lost}; re-sends ${resendsPhase1}`,
    );

    // ---- Phase 2: an open-loop trickle due now.
    const n2 = Math.round(RATE * TRICKLE_SECONDS);
    const p0 = performance.now();
    const inserts: Promise<void>[] = [];
    for (let i = 0; i < n2; i++) {
      const due = p0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const key = `lat:${i}`;
      inserts.push(
        sql`insert into deliveries (tenant_id, idempotency_key, recipient_id, kind, payload, run_at, created_at)
          values (${tenantId}, ${key}, ${staffIds[i % STAFF]!}, 'notice', ${payload}::jsonb, now(), now())`.then(() => {
          const c = Date.now();
          const early = latencyCommit.get(key);
          if (early !== undefined && early < 0) latency.add(-early - c);
          else latencyCommit.set(key, c);
        }),
      );
    }
    await Promise.all(inserts);
    const trickleSeconds = (performance.now() - p0) / 1000;
    for (let i = 0; i < 100 && latency.count < n2; i++) await sleep(100);
    const lat = latency.summary();
    console.log(
      `phase 2: ${lat.count} of ${n2} at ${(n2 / trickleSeconds).toFixed(0)}/s; p50 ${ms(lat.p50)} p95 ${ms(lat.p95)} p99 ${ms(lat.p99)} max ${ms(lat.max)} ms`,
    );

    const rss = [...workerRss.values()];
    const killLine =
      kills.length === 0
        ? 'no kills (`--kill-every 0`)'
        : `${kills.length} SIGKILLs (every ${KILL_EVERY} s), each worker restarted at once; leases held at the kill: ${kills.map((k) => k.leased.length).join(', ')}; kill → all of the killed worker's leased deliveries recorded as sent: max ${fmt(Math.max(...recovered.filter((x) => !Number.isNaN(x))))} ms (each: ${recovered.map((x) => (Number.isNaN(x) ? 'not recovered' : `${(x / 1000).toFixed(1)} s`)).join(', ')})`;
    const lines = [
      '| measure | value |',
      '|---|---:|',
      `| deliveries (due now, inserted in chunks of ${fmt(CHUNK)} while the workers ran; insert took ${insertSeconds.toFixed(1)} s) | ${fmt(D)} |`,
      `| wall time, first insert → last shown | ${wallSeconds.toFixed(1)} s${complete ? '' : ` (stopped by --max-seconds with ${fmt(arrived)} shown)`} |`,
      `| **deliveries/s overall** | **${fmt(arrived / wallSeconds)}** |`,
      `| deliveries/s steady state (10 % → 90 % shown) | ${fmt(steady)} |`,
      complete
        ? `| lost (not shown by the platform) / recorded sent in the database | ${lost} / ${fmt(sentInDb)} (pending ${states?.pending}, dead ${states?.dead}) |`
        : `| not yet shown when stopped / recorded sent in the database | ${fmt(lost)} / ${fmt(sentInDb)} (pending ${states?.pending}, dead ${states?.dead}; loss not checkable) |`,
      `| shown twice by the platform | 0 (the fake shows a key once; see re-sends) |`,
      `| re-sends absorbed by the idempotency key (409, as LINE's X-Line-Retry-Key) — each would be shown twice on Slack | ${resendsPhase1} |`,
      `| deliveries attempted more than once (max attempts) | ${fmt(states?.retried ?? 0)} (${states?.attempts_max}) |`,
      `| peak RSS per worker process (VmHWM), max / min of ${rss.length} processes | ${Math.max(...rss).toFixed(0)} / ${Math.min(...rss).toFixed(0)} MB |`,
      `| CPU seconds: PostgreSQL / worker processes / bench process (fake platform + inserts) | ${pgCpu.toFixed(0)} / ${workersCpu.toFixed(0)} / ${((benchCpu.user + benchCpu.system) / 1e6).toFixed(0)} |`,
      `| machine busy during phase 1 (all cores) | ${(busyShare * 100).toFixed(0)} % |`,
      `| PostgreSQL transactions per delivery | ${perDelivery(xacts).toFixed(2)} |`,
      `| **enqueue → platform p50 / p95 / p99 / max** (${fmt(lat.count)} of ${fmt(n2)}, open loop ${(n2 / trickleSeconds).toFixed(0)}/s) | **${ms(lat.p50)} / ${ms(lat.p95)} / ${ms(lat.p99)}** / ${ms(lat.max)} ms |`,
      '',
      `Kills: ${killLine}.`,
      `Re-sends in phase 2: ${platform.resendsAbsorbed - resendsPhase1}. Bench process peak RSS ${peakRssMb().toFixed(0)} MB.`,
    ];
    for (const l of lines) console.log(l);
    if (!args['no-write']) {
      writeSection(
        // The target run (4 processes) owns the section the issue names; smaller runs sit beside it.
        PROCESSES === 4 ? 'delivery-throughput' : `delivery-throughput-${PROCESSES}p`,
        [
          `### Delivery throughput: ${PROCESSES} worker process${PROCESSES === 1 ? '' : 'es'}, ${fmt(D)} deliveries${KILL_EVERY > 0 ? `, SIGKILL every ${KILL_EVERY} s` : ''}`,
          '',
          `Command: \`flock /tmp/bench.lock ${command}\`. Its own embedded PostgreSQL (stock settings, max_connections 200) in a temporary folder; a fake platform in the bench process on 127.0.0.1; ${PROCESSES} × test/multiprocess/worker.ts, each with ${LOOPS} worker loops × batches of ${BATCH}, ${SENDS} sends in flight per platform, our pool ${LOOPS + 3} connections + pg-boss's ${Math.max(4, LOOPS + 2)}.`,
          machine,
          '',
          ...lines,
        ].join('\n'),
      );
    }
  } finally {
    if (sampler) clearInterval(sampler);
    // SIGTERM: a worker stops cleanly (and writes its --cpu-prof profile when NODE_OPTIONS asks for one).
    const left = [...workers.values()];
    for (const w of left) w.kill('SIGTERM');
    for (let i = 0; i < 50 && left.some((w) => w.exitCode === null && w.signalCode === null); i++) await sleep(100);
    for (const w of left) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await sql.end({ timeout: 1 }).catch(() => {});
    await platform.stop();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
