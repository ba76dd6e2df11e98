/**
 * Delivery attempts, run by the job library's worker on a batch of jobs. The job library
 * decides who runs a job and when; this decides what an attempt does, and fences it with a
 * lease on the delivery row so that two attempts of one delivery never send concurrently (see
 * docs/reminders.md):
 *
 *   claim (lease, attempts + 1) → resolve platform → throttle check → send (timeout) → record
 *
 * A batch makes the lease, the chat accounts and the throttles one round trip each for all its
 * deliveries; sends run concurrently within the per-platform semaphore. "Sent" is recorded per
 * message, before its semaphore slot is released: a process killed mid-batch leaves at most the
 * messages in flight (DELIVERY_CONCURRENCY_PER_PLATFORM per platform) sent but unrecorded, which
 * the next attempt sends again (absorbed by the platform's retry key where it has one; Slack and
 * LINE WORKS would show them twice). Measured in test/multiprocess/three-instances.test.ts.
 * Retries, dead letters and throttle holds are rare and stay one statement per delivery.
 *
 * The record step is retried until PostgreSQL answers (within the lease), so a restart of the
 * database between "sent" and "recorded" does not make a second attempt send it again.
 */
import { sql } from 'drizzle-orm';
import { pgArray } from '../../db/array';
import type { Db } from '../../db/client';
import type { PlatformSender, SenderRegistry, SendResult, Destination } from '../chat/adapter';
import type { Platform } from '../chat/types';
import { deliveryReply } from '../../handlers/notices/render';
import { asError } from '../core/errors';
import { replacedKeyOf } from '../core/notices';
import { log, safeErrorText } from '../log';
import type { Clock } from '../core/clock';
import { resolveDestination, type Resolved } from './destination';
import { withTimeout, type SchedulerConnection } from './connection';
import type { Semaphores } from './semaphore';
import { deliverySends } from '../metrics';

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
const LEASE_MS = 20_000;
const SEND_TIMEOUT_MS = 8_000;
/** A batch's queries are small: longer than this means a dead connection (see connection.ts). */
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

/** One job of a batch: the delivery it attempts and the job-library job that runs it. */
export interface DeliveryJob {
  deliveryId: string;
  jobId: string;
}

/** Per job: what happened, or the error that makes the job library run it again. */
export type BatchResult = { jobId: string; outcome: AttemptOutcome } | { jobId: string; error: Error };

type Claimed = {
  id: string;
  job_id: string;
  tenant_id: string;
  recipient_id: string | null;
  channel: string | null;
  /** A domain notice or a rendered message: `deliveryReply` makes it the message to send. */
  payload: unknown;
  attempts: number;
  idempotency_key: string;
};

/*
 * A batch goes to PostgreSQL as ONE JSON text parameter: drizzle's template spreads a JS array
 * into a list, and its postgres.js setup passes timestamp arrays through unserialized.
 */
const jsonParam = (v: unknown) => sql`${JSON.stringify(v)}::text::jsonb`;
/** The rows of a batch as a relation, e.g. `from ${recordset(rows)} as j(id uuid, job_id text)`. */
const recordset = (rows: object[]) => sql`jsonb_to_recordset(${jsonParam(rows)})`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Exponential backoff with full jitter's upper half: base·2^(n−1), capped, ±25 %. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 20));
  return Math.round(raw * (0.75 + Math.random() * 0.5));
}

/** Deliveries with an attempt running in this process: a lease of ours not in here is stale. */
const running = new Set<string>();

/**
 * Takes the leases of `jobs` in one statement. A row comes back only if it is still pending,
 * still belongs to that job, and its lease is free, expired, or ours and stale: our own lease
 * with no attempt running here was left by an attempt whose answer from the database was lost
 * (a restart), so it is taken back at once instead of waited out. The callers reserve each id
 * in `running` before the claim, so every lease of ours on these rows is stale by then.
 */
async function claimAll(
  o: DeliverOptions,
  jobs: DeliveryJob[],
): Promise<{ claimed: Claimed[]; gone: DeliveryJob[]; held: { job: DeliveryJob; until: Date }[] }> {
  if (jobs.length === 0) return { claimed: [], gone: [], held: [] };
  const claimed = await q(o, (db) =>
    db.execute<Claimed>(sql`
    update deliveries d set claimed_by = ${o.instanceId}, claimed_until = now() + make_interval(secs => ${LEASE_MS / 1000}), attempts = d.attempts + 1
    from ${recordset(jobs.map((j) => ({ id: j.deliveryId, job_id: j.jobId })))} as j(id uuid, job_id text)
    where d.id = j.id and d.status = 'pending' and d.job_id = j.job_id
      and (d.claimed_until is null or d.claimed_until < now() or d.claimed_by = ${o.instanceId})
    returning d.id, d.job_id, d.tenant_id, d.recipient_id, d.channel, d.payload, d.attempts, d.idempotency_key`),
  );
  const got = new Set(claimed.map((c) => c.id));
  const missing = jobs.filter((j) => !got.has(j.deliveryId));
  const gone: DeliveryJob[] = [];
  const held: { job: DeliveryJob; until: Date }[] = [];
  if (missing.length > 0) {
    const rows = await q(o, (db) =>
      db.execute<{ id: string; status: string; job_id: string | null; claimed_until: Date | null }>(
        sql`select id, status, job_id, claimed_until from deliveries where id = any(${pgArray(missing.map((j) => j.deliveryId))}::uuid[])`,
      ),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const j of missing) {
      const row = byId.get(j.deliveryId);
      if (row?.status !== 'pending' || row.job_id !== j.jobId || !row.claimed_until) gone.push(j);
      else held.push({ job: j, until: new Date(row.claimed_until) });
    }
  }
  return { claimed: [...claimed], gone, held };
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
      log.warn({ delivery: deliveryId, what, err: e }, 'recording a delivery outcome failed; retrying');
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

type Sent = { id: string; platform: string; messageId: string | null; sentAt: Date };

/** "Sent" of one delivery (or several), fenced by our lease row by row. */
async function recordSent(o: DeliverOptions, sent: Sent[]): Promise<void> {
  if (sent.length === 0) return;
  await persist(o, 'sent', sent.length === 1 ? sent[0]!.id : `${sent.length} deliveries`, (db) =>
    db.execute(sql`update deliveries d set status = 'sent', sent_at = s.sent_at, platform = s.platform,
        platform_message_id = s.message_id, last_error = null, claimed_until = null
      from ${recordset(sent.map((s) => ({ id: s.id, sent_at: s.sentAt.toISOString(), platform: s.platform, message_id: s.messageId })))}
        as s(id uuid, sent_at timestamptz, platform text, message_id text)
      where d.id = s.id and d.claimed_by = ${o.instanceId}`),
  );
}

/** A retry of a new state whose earlier message is still to be sent waits this long. */
const REPLACE_WAIT_MS = 5_000;

/**
 * Marks a new state done without sending it when a newer state of the same message exists (it
 * carries everything this one says). True when it was superseded.
 */
async function supersede(o: DeliverOptions, id: string, key: string): Promise<boolean> {
  const rows = await q(o, (db) =>
    db.execute<{
      id: string;
    }>(sql`update deliveries d set status = 'sent', sent_at = now(), last_error = 'superseded by a newer state', claimed_until = null
      where d.id = ${id} and d.claimed_by = ${o.instanceId} and exists (
        select 1 from deliveries n where n.payload->>'replaces' = ${key} and n.tenant_id = d.tenant_id and n.created_at > d.created_at)
      returning d.id`),
  );
  return rows.length > 0;
}

async function original(o: DeliverOptions, key: string) {
  const [row] = await q(o, (db) =>
    db.execute<{ status: string; platform: string | null; platform_message_id: string | null }>(
      sql`select status, platform, platform_message_id from deliveries where idempotency_key = ${key}`,
    ),
  );
  return row ?? null;
}

async function sendWithTimeout(send: () => Promise<SendResult>): Promise<SendResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<SendResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, error: `send timed out after ${SEND_TIMEOUT_MS} ms`, permanent: false }),
      SEND_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      send().catch((e: unknown): SendResult => ({ ok: false, error: safeErrorText(e), permanent: false })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Platforms held by a Retry-After, with until when (one query for the batch). */
async function throttledUntil(o: DeliverOptions, platforms: string[]): Promise<Map<string, Date>> {
  if (platforms.length === 0) return new Map();
  const rows = await q(o, (db) =>
    db.execute<{ platform: string; until: Date }>(
      sql`select platform, until from platform_throttles where platform = any(${pgArray(platforms)}::text[]) and until > now()`,
    ),
  );
  return new Map(rows.map((r) => [r.platform, new Date(r.until)]));
}

async function throttle(o: DeliverOptions, platform: string, ms: number): Promise<void> {
  await q(o, (db) =>
    db.execute(sql`insert into platform_throttles (platform, until) values (${platform}, now() + make_interval(secs => ${ms / 1000}))
    on conflict (platform) do update set until = greatest(platform_throttles.until, excluded.until), updated_at = now()`),
  );
}

/**
 * Destinations of a batch: the chat accounts of every recipient in one query, taken in the
 * order resolveDestination takes them. A channel post, or a recipient without a usable
 * account, goes through resolveDestination itself (rare; it owns the fallbacks and the reasons).
 */
async function resolveAll(o: DeliverOptions, ds: Claimed[]): Promise<Map<string, Resolved>> {
  const out = new Map<string, Resolved>();
  const recipients = [...new Set(ds.map((d) => d.recipient_id).filter((r): r is string => r !== null))];
  const accounts = new Map<string, { sender: PlatformSender; to: Destination }>();
  if (recipients.length > 0) {
    const rows = await q(o, (db) =>
      db.execute<{ staff_id: string; platform: string; workspace_id: string; user_id: string }>(
        sql`select staff_id, platform, workspace_id, user_id from chat_accounts where staff_id = any(${pgArray(recipients)}::uuid[])`,
      ),
    );
    for (const r of rows) {
      if (accounts.has(r.staff_id)) continue;
      const sender = o.senders.get(r.platform as Platform);
      if (sender) accounts.set(r.staff_id, { sender, to: { kind: 'user', workspaceId: r.workspace_id, userId: r.user_id } });
    }
  }
  const slow = new Map<string, Promise<Resolved>>();
  for (const d of ds) {
    const fast = d.recipient_id ? accounts.get(d.recipient_id) : undefined;
    if (fast) {
      out.set(d.id, fast);
      continue;
    }
    const key = `${d.tenant_id}|${d.recipient_id ?? ''}|${d.channel ?? ''}`;
    if (!slow.has(key))
      slow.set(
        key,
        q(o, (db) => resolveDestination(db, o.senders, { tenantId: d.tenant_id, recipientId: d.recipient_id, channel: d.channel })),
      );
  }
  for (const d of ds) {
    if (out.has(d.id)) continue;
    out.set(d.id, await slow.get(`${d.tenant_id}|${d.recipient_id ?? ''}|${d.channel ?? ''}`)!);
  }
  return out;
}

/** One attempt of one delivery. Returns what happened (for tests and metrics). */
export async function attemptDelivery(o: DeliverOptions, deliveryId: string, jobId: string): Promise<AttemptOutcome> {
  const [r] = await attemptDeliveries(o, [{ deliveryId, jobId }]);
  if (!r) throw new Error('no result for the delivery');
  if ('error' in r) throw r.error;
  return r.outcome;
}

/**
 * One attempt of each delivery of a batch, concurrently, with an outcome (or an error, which
 * makes the job library run that job again) per job. A failure that hits the whole batch (a
 * lease query that fails) is an error for every job of the batch.
 */
export async function attemptDeliveries(o: DeliverOptions, jobs: DeliveryJob[]): Promise<BatchResult[]> {
  const results = new Map<string, BatchResult>();
  const mine: DeliveryJob[] = [];
  for (const j of jobs) {
    if (running.has(j.deliveryId))
      results.set(j.jobId, { jobId: j.jobId, error: new Error('an attempt of this delivery is already running in this process') });
    else {
      running.add(j.deliveryId);
      mine.push(j);
    }
  }
  try {
    const { claimed, gone, held } = await claimAll(o, mine);
    for (const j of gone) results.set(j.jobId, { jobId: j.jobId, outcome: 'skipped' });
    // Another attempt holds a lease (a crashed instance's, or one the job library re-ran while
    // it was still running): wait it out beside the rest of the batch, then try once more.
    // Both settle before the reservations in `running` are released below.
    const late = held.length === 0 ? Promise.resolve() : retryHeld(o, held, results);
    const [now, later] = await Promise.allSettled([runClaimed(o, claimed, results), late]);
    if (now.status === 'rejected') throw now.reason;
    if (later.status === 'rejected') throw later.reason;
  } catch (e) {
    for (const j of mine) if (!results.has(j.jobId)) results.set(j.jobId, { jobId: j.jobId, error: asError(e) });
  } finally {
    for (const j of mine) running.delete(j.deliveryId);
  }
  return jobs.map((j) => results.get(j.jobId) ?? { jobId: j.jobId, error: new Error('no outcome recorded for this job') });
}

async function retryHeld(o: DeliverOptions, held: { job: DeliveryJob; until: Date }[], results: Map<string, BatchResult>): Promise<void> {
  const last = Math.max(...held.map((h) => h.until.getTime()));
  await sleep(Math.min(LEASE_MS, Math.max(0, last - Date.now())) + 200);
  const again = await claimAll(
    o,
    held.map((h) => h.job),
  );
  for (const j of again.gone) results.set(j.jobId, { jobId: j.jobId, outcome: 'skipped' });
  for (const h of again.held)
    results.set(h.job.jobId, { jobId: h.job.jobId, error: new Error('delivery lease still held by another attempt') });
  await runClaimed(o, again.claimed, results);
}

/** Everything after the lease, for the deliveries of one batch whose lease we hold. */
async function runClaimed(o: DeliverOptions, claimed: Claimed[], results: Map<string, BatchResult>): Promise<void> {
  if (claimed.length === 0) return;
  const set = (d: Claimed, r: AttemptOutcome | Error) =>
    results.set(d.job_id, r instanceof Error ? { jobId: d.job_id, error: r } : { jobId: d.job_id, outcome: r });
  // Each rare path (bury, reschedule) runs on its own; an error there is that job's alone.
  const one = async (d: Claimed, f: () => Promise<AttemptOutcome>) => {
    try {
      set(d, await f());
    } catch (e) {
      set(d, asError(e));
    }
  };
  const dests = await resolveAll(o, claimed);
  const platforms = [...new Set([...dests.values()].flatMap((r) => ('sender' in r ? [r.sender.platform] : [])))];
  const held = await throttledUntil(o, platforms);
  await Promise.all(
    claimed.map((d) =>
      one(d, async () => {
        const dest = dests.get(d.id)!;
        if ('error' in dest) {
          await bury(o, d.id, dest.error);
          return 'dead';
        }
        const platform = dest.sender.platform;
        const until = held.get(platform);
        if (until) {
          await reschedule(
            o,
            d.id,
            new Date(o.clock.now().getTime() + (until.getTime() - Date.now())),
            `waiting for ${platform} rate limit`,
            false,
          );
          return 'throttled';
        }
        // The new state of an earlier message: edited in place where that message went out on this
        // platform and the platform can edit; posted as a new message elsewhere. Still unsent, the
        // earlier one goes first (a new state must never be overtaken by the old one).
        const replaces = replacedKeyOf(d.payload);
        // Two states of one message may be sent at once: only the newest goes out, so an older
        // state can never overwrite a newer one (chat.update calls may land in any order).
        if (replaces && (await supersede(o, d.id, replaces))) return 'skipped';
        const earlier = replaces ? await original(o, replaces) : null;
        if (earlier?.status === 'pending') {
          await reschedule(o, d.id, new Date(o.clock.now().getTime() + REPLACE_WAIT_MS), 'waiting for the message it replaces', false);
          return 'throttled';
        }
        const editable =
          earlier?.status === 'sent' && earlier.platform === platform && earlier.platform_message_id && dest.sender.update
            ? earlier.platform_message_id
            : null;
        const reply = deliveryReply(d.payload, { recipientId: d.recipient_id, channel: d.channel });
        // The send and its record share the slot: what a crash leaves unrecorded is what was in flight.
        let recordError: unknown = null;
        const result = await o.semaphores.run(platform, async () => {
          let r = editable && dest.sender.update ? await sendWithTimeout(() => dest.sender.update!(dest.to, editable, reply)) : null;
          // The earlier message is gone (deleted in the channel): post the new state instead.
          if (r === null || (!r.ok && r.permanent)) r = await sendWithTimeout(() => dest.sender.send(dest.to, reply, d.idempotency_key));
          if (r.ok) {
            try {
              await recordSent(o, [{ id: d.id, platform, messageId: r.messageId ?? null, sentAt: o.clock.now() }]);
            } catch (e) {
              recordError = e;
            }
          }
          return r;
        });
        deliverySends.inc({
          platform,
          outcome: result.ok
            ? 'sent'
            : result.retryAfterMs !== undefined
              ? 'rate_limited'
              : result.permanent || d.attempts >= o.maxAttempts
                ? 'dead'
                : 'retry',
        });
        if (result.ok) {
          // Not recorded within the lease: the job library runs this job again, whose next attempt
          // sends again (absorbed by the platform where it honours the key).
          if (recordError !== null) throw asError(recordError);
          return 'sent';
        }
        if (result.retryAfterMs !== undefined) {
          // 429: the platform said when; hold every instance's sends to it until then, and do
          // not count this as a failed attempt (the message was fine).
          await throttle(o, platform, result.retryAfterMs);
          await reschedule(o, d.id, new Date(o.clock.now().getTime() + result.retryAfterMs), `${platform}: ${result.error}`, false);
          return 'throttled';
        }
        if (result.permanent || d.attempts >= o.maxAttempts) {
          await bury(o, d.id, `${platform}: ${result.error}${result.permanent ? '' : ` (after ${d.attempts} attempts)`}`);
          return 'dead';
        }
        await reschedule(
          o,
          d.id,
          new Date(o.clock.now().getTime() + backoffMs(d.attempts, o.retryBaseMs, o.retryMaxMs)),
          `${platform}: ${result.error}`,
          true,
        );
        return 'retry';
      }),
    ),
  );
}
