/**
 * One delivery attempt, run by the job library's worker. The job library decides who runs a
 * job and when; this decides what an attempt does, and fences it with a lease on the delivery
 * row so that two attempts of one delivery never send concurrently (see docs/reminders.md):
 *
 *   claim (lease, attempts + 1) → throttle check → resolve platform → send (timeout) → record
 *
 * The record step is retried until PostgreSQL answers (within the lease), so a restart of the
 * database between "sent" and "recorded" does not make a second attempt send it again.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import type { SenderRegistry, SendResult } from '../chat/adapter';
import type { Reply } from '../chat/types';
import { asError } from '../core/errors';
import { log } from '../log';
import type { Clock } from './clock';
import { resolveDestination } from './destination';
import { withTimeout, type SchedulerConnection } from './connection';
import { Semaphores } from './semaphore';

export interface DeliverOptions {
  conn: SchedulerConnection;
  senders: SenderRegistry;
  clock: Clock;
  /** This process, for the lease (`host:pid:random`). */
  instanceId: string;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  semaphores: Semaphores;
}

/**
 * Why 20 s: longer than a send (SEND_TIMEOUT_MS) plus the time to record it through a short
 * database restart, shorter than what a killed instance may cost (its job runs again within
 * the heartbeat window of the job library plus what remains of this lease: under 60 s).
 */
export const LEASE_MS = 20_000;
export const SEND_TIMEOUT_MS = 8_000;
/** A delivery's queries are small: longer than this means a dead connection (see connection.ts). */
const QUERY_TIMEOUT_MS = 3_000;

/** Runs a query on the current pool with a timeout; a connection failure replaces the pool. */
async function q<T>(o: DeliverOptions, f: (db: Db) => Promise<T>): Promise<T> {
  try {
    return await withTimeout(f(o.conn.db), QUERY_TIMEOUT_MS);
  } catch (e) {
    o.conn.report(e);
    throw e;
  }
}

export type AttemptOutcome = 'sent' | 'retry' | 'throttled' | 'dead' | 'skipped';

type Claimed = {
  id: string;
  tenant_id: string;
  recipient_id: string | null;
  channel: string | null;
  payload: Reply;
  attempts: number;
  idempotency_key: string;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Exponential backoff with full jitter's upper half: base·2^(n−1), capped, ±25 %. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 20));
  return Math.round(raw * (0.75 + Math.random() * 0.5));
}

/** Deliveries with an attempt running in this process: a lease of ours not in here is stale. */
const running = new Set<string>();

async function claim(o: DeliverOptions, deliveryId: string, jobId: string): Promise<Claimed | 'gone' | { heldUntil: Date }> {
  // Our own lease with no attempt running here was left by an attempt whose answer from the
  // database was lost (a restart): take it back at once instead of waiting it out.
  const ownStale = !running.has(deliveryId);
  const rows = await q(o, (db) => db.execute<Claimed>(sql`
    update deliveries set claimed_by = ${o.instanceId}, claimed_until = now() + make_interval(secs => ${LEASE_MS / 1000}), attempts = attempts + 1
    where id = ${deliveryId} and status = 'pending' and job_id = ${jobId}
      and (claimed_until is null or claimed_until < now() or (claimed_by = ${o.instanceId} and ${ownStale}))
    returning id, tenant_id, recipient_id, channel, payload, attempts, idempotency_key`));
  if (rows[0]) return rows[0];
  const [row] = await q(o, (db) =>
    db.execute<{ status: string; job_id: string | null; claimed_until: Date | null }>(sql`select status, job_id, claimed_until from deliveries where id = ${deliveryId}`),
  );
  if (!row || row.status !== 'pending' || row.job_id !== jobId || !row.claimed_until) return 'gone';
  return { heldUntil: new Date(row.claimed_until) };
}

/** Retries a write through a database restart, for as long as the lease lasts. */
async function persist(o: DeliverOptions, what: string, deliveryId: string, f: (db: Db) => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + LEASE_MS;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    try {
      await q(o, f);
      return;
    } catch (e) {
      if (Date.now() + wait > deadline) throw e;
      log.warn({ delivery: deliveryId, what, err: asError(e).message }, 'recording a delivery outcome failed; retrying');
      await sleep(wait);
    }
  }
}

async function reschedule(o: DeliverOptions, id: string, runAt: Date, error: string, countAttempt: boolean): Promise<void> {
  await persist(o, 'reschedule', id, (db) =>
    db.execute(sql`update deliveries set run_at = ${runAt.toISOString()}::timestamptz, job_id = null, claimed_by = null, claimed_until = null,
      last_error = ${error}, attempts = attempts - ${countAttempt ? 0 : 1}
      where id = ${id} and claimed_by = ${o.instanceId}`),
  );
}

async function bury(o: DeliverOptions, id: string, error: string): Promise<void> {
  log.error({ delivery: id, error }, 'delivery dead-lettered');
  await persist(o, 'dead', id, (db) =>
    db.execute(sql`update deliveries set status = 'dead', last_error = ${error}, claimed_by = null, claimed_until = null
      where id = ${id} and claimed_by = ${o.instanceId}`),
  );
}

async function sendWithTimeout(send: () => Promise<SendResult>): Promise<SendResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<SendResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `send timed out after ${SEND_TIMEOUT_MS} ms`, permanent: false }), SEND_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      send().catch((e: unknown): SendResult => ({ ok: false, error: asError(e).message, permanent: false })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function throttledUntil(o: DeliverOptions, platform: string): Promise<Date | null> {
  const [row] = await q(o, (db) => db.execute<{ until: Date }>(sql`select until from platform_throttles where platform = ${platform} and until > now()`));
  return row ? new Date(row.until) : null;
}

async function throttle(o: DeliverOptions, platform: string, ms: number): Promise<void> {
  await q(o, (db) => db.execute(sql`insert into platform_throttles (platform, until) values (${platform}, now() + make_interval(secs => ${ms / 1000}))
    on conflict (platform) do update set until = greatest(platform_throttles.until, excluded.until), updated_at = now()`));
}

/** One attempt of one delivery. Returns what happened (for tests and metrics). */
export async function attemptDelivery(o: DeliverOptions, deliveryId: string, jobId: string): Promise<AttemptOutcome> {
  if (running.has(deliveryId)) throw new Error('an attempt of this delivery is already running in this process');
  try {
    return await attempt(o, deliveryId, jobId);
  } finally {
    running.delete(deliveryId);
  }
}

async function attempt(o: DeliverOptions, deliveryId: string, jobId: string): Promise<AttemptOutcome> {
  let claimed = await claim(o, deliveryId, jobId);
  if (claimed !== 'gone' && 'heldUntil' in claimed) {
    // Another attempt holds the lease (a crashed instance's, or one the job library re-ran
    // while it was still running): wait it out, then try once more.
    await sleep(Math.min(LEASE_MS, Math.max(0, claimed.heldUntil.getTime() - Date.now())) + 200);
    claimed = await claim(o, deliveryId, jobId);
    if (claimed !== 'gone' && 'heldUntil' in claimed) throw new Error('delivery lease still held by another attempt');
  }
  if (claimed === 'gone') return 'skipped';
  running.add(deliveryId);
  const d = claimed;
  const dest = await q(o, (db) => resolveDestination(db, o.senders, { tenantId: d.tenant_id, recipientId: d.recipient_id, channel: d.channel }));
  if ('error' in dest) {
    await bury(o, d.id, dest.error);
    return 'dead';
  }
  const platform = dest.sender.platform;
  const held = await throttledUntil(o, platform);
  if (held) {
    await reschedule(o, d.id, new Date(o.clock.now().getTime() + (held.getTime() - Date.now())), `waiting for ${platform} rate limit`, false);
    return 'throttled';
  }
  const result = await o.semaphores.run(platform, () => sendWithTimeout(() => dest.sender.send(dest.to, d.payload, d.idempotency_key)));
  if (result.ok) {
    const sentAt = o.clock.now();
    await persist(o, 'sent', d.id, (db) =>
      db.execute(sql`update deliveries set status = 'sent', sent_at = ${sentAt.toISOString()}::timestamptz, platform = ${platform},
        platform_message_id = ${result.messageId ?? null}, last_error = null, claimed_until = null
        where id = ${d.id} and claimed_by = ${o.instanceId}`),
    );
    return 'sent';
  }
  if (result.retryAfterMs !== undefined) {
    // 429: the platform said when; hold every instance's sends to it until then, and do not
    // count this as a failed attempt (the message was fine).
    await throttle(o, platform, result.retryAfterMs);
    await reschedule(o, d.id, new Date(o.clock.now().getTime() + result.retryAfterMs), `${platform}: ${result.error}`, false);
    return 'throttled';
  }
  if (result.permanent || d.attempts >= o.maxAttempts) {
    await bury(o, d.id, `${platform}: ${result.error}${result.permanent ? '' : ` (after ${d.attempts} attempts)`}`);
    return 'dead';
  }
  await reschedule(o, d.id, new Date(o.clock.now().getTime() + backoffMs(d.attempts, o.retryBaseMs, o.retryMaxMs)), `${platform}: ${result.error}`, true);
  return 'retry';
}
