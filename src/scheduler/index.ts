/**
 * The scheduler of one instance: a planning loop (every tenant, at the clock's "now") and the
 * delivery queue. Every instance runs it; PostgreSQL coordinates them. Started from app.ts
 * when SCHEDULER is on, and by test/multiprocess workers.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { tenants } from '../../db/schema/index';
import type { SenderRegistry } from '../chat/adapter';
import { jstToday } from '../core/calendar/jst';
import { log } from '../log';
import { guardDriverCrash, SchedulerConnection } from './connection';
import { appClock, type Clock } from '../core/clock';
import { runHousekeeping } from './housekeeping';
import { planTenants } from './plan-tenant';
import { DeliveryQueue } from './queue';
import { Semaphores } from './semaphore';
import { planningDuration } from '../metrics';
import { writeAnchors, type AnchorSettings } from '../core/audit/anchors';

export interface SchedulerSettings {
  /** How often to plan (digests are planned ahead, so this bounds nothing users see). */
  planIntervalMs: number;
  /** How often to recompute reminder rows from plans (heavier than planning deliveries). */
  syncIntervalMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Sends in flight per platform in this instance. */
  concurrencyPerPlatform: number;
  /** Worker loops of this instance; each attempts one batch at a time. */
  workers: number;
  /** Jobs per batch (default DEFAULT_BATCH_SIZE). */
  batchSize?: number;
  clock: 'system' | 'database';
}

/** Why 50: one lease query carries 50 deliveries ("sent" is recorded per message); a batch still sends in well under a lease. */
const DEFAULT_BATCH_SIZE = 50;

export interface SchedulerDeps {
  /** The scheduler opens its own pool to this database (see connection.ts for why). */
  url: string;
  senders: SenderRegistry;
  settings: SchedulerSettings;
  /** The app's clock (startApp passes the one its handlers use); wins over `now` and settings.clock. */
  clock?: Clock;
  /** An injected "now" (tests that start the scheduler alone); wins over settings.clock. */
  now?: () => Date;
  /** Signed audit anchors every `intervalMs` (src/core/audit/anchors.ts); none without a key. */
  anchors?: AnchorSettings & { intervalMs: number };
}

export interface Scheduler {
  clock: Clock;
  queue: DeliveryQueue;
  /** Runs one planning pass now (tests, benchmarks). */
  planOnce(): Promise<void>;
  stop(): Promise<void>;
}

export async function startScheduler(deps: SchedulerDeps): Promise<Scheduler> {
  const s = deps.settings;
  const conn = new SchedulerConnection(deps.url, s.workers + 3);
  const unguard = guardDriverCrash(conn);
  const clock = deps.clock ?? appClock(s.clock, () => conn.db, deps.now);
  await clock.refresh();
  const instanceId = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const queue = new DeliveryQueue({
    url: deps.url,
    conn,
    senders: deps.senders,
    clock,
    instanceId,
    maxAttempts: s.maxAttempts,
    retryBaseMs: s.retryBaseMs,
    retryMaxMs: s.retryMaxMs,
    semaphores: new Semaphores(s.concurrencyPerPlatform),
    concurrency: s.workers,
    batchSize: s.batchSize ?? DEFAULT_BATCH_SIZE,
  });
  await queue.start();
  let stopped = false;
  let running: Promise<void> | null = null;

  async function planOnce(): Promise<void> {
    const endTimer = planningDuration.startTimer();
    try {
      await planPass();
    } finally {
      endTimer();
    }
  }

  async function planPass(): Promise<void> {
    await clock.refresh();
    const now = clock.now();
    const day = jstToday(now);
    // The instances split the tenants through tenant_planning (plan-tenant.ts): a tenant another
    // instance planned in the last half interval is skipped, and its reminder rows are
    // recomputed once per sync interval (and each new day) across all instances.
    const ids = (await conn.db.select({ id: tenants.id }).from(tenants).orderBy(tenants.id)).map((t) => t.id);
    const claim = { replanAfterMs: s.planIntervalMs / 2, syncIntervalMs: s.syncIntervalMs, forceSync: s.clock === 'database', instanceId };
    await planTenants(conn.db, ids, now, claim, {
      stopped: () => stopped,
      onTenant: (tenant, stats) => {
        if (stats && stats.digests + stats.lastCalls + stats.escalations > 0) log.info({ tenant, ...stats }, 'reminders planned');
      },
      onError: (tenant, e) => {
        conn.report(e);
        log.error({ tenant, err: e }, 'planning failed; next pass retries');
      },
    });
    if (!stopped) await runHousekeeping(conn.db, now, day);
    if (!stopped) await anchorIfDue(now);
  }

  // Monotonic time decides when the next anchor is due; the anchor itself carries the app clock's "now".
  let lastAnchor = -Infinity;
  async function anchorIfDue(now: Date): Promise<void> {
    const a = deps.anchors;
    if (!a?.key || performance.now() - lastAnchor < a.intervalMs) return;
    lastAnchor = performance.now();
    try {
      for (const anchor of await writeAnchors(conn.db, { key: a.key, file: a.file }, now)) log.info({ anchor }, 'audit anchor');
    } catch (e) {
      log.error({ err: e, file: a.file }, 'writing audit anchors failed; next interval retries');
    }
  }

  const tick = () => {
    if (stopped || running) return;
    running = planOnce()
      .catch((e: unknown) => {
        conn.report(e);
        log.warn({ err: e }, 'planning pass failed');
      })
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, s.planIntervalMs);
  tick();
  log.info({ instance: instanceId, clock: s.clock }, 'scheduler started');
  return {
    clock,
    queue,
    planOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await queue.stop();
      await conn.close();
      unguard();
    },
  };
}

/** The scheduler's settings from the validated configuration. */
export function schedulerSettingsOf(config: {
  NODE_ENV: string;
  SCHEDULER_CLOCK: 'system' | 'database';
  SCHEDULER_PLAN_INTERVAL_MS: number;
  SCHEDULER_SYNC_INTERVAL_MS: number;
  SCHEDULER_WORKERS: number;
  DELIVERY_MAX_ATTEMPTS: number;
  DELIVERY_RETRY_BASE_MS: number;
  DELIVERY_RETRY_MAX_MS: number;
  DELIVERY_CONCURRENCY_PER_PLATFORM: number;
  DELIVERY_BATCH_SIZE: number;
}): SchedulerSettings {
  if (config.NODE_ENV === 'production' && config.SCHEDULER_CLOCK === 'database') {
    throw new Error('SCHEDULER_CLOCK=database is for tests and benchmarks: it is refused with NODE_ENV=production');
  }
  return {
    planIntervalMs: config.SCHEDULER_PLAN_INTERVAL_MS,
    syncIntervalMs: config.SCHEDULER_SYNC_INTERVAL_MS,
    maxAttempts: config.DELIVERY_MAX_ATTEMPTS,
    retryBaseMs: config.DELIVERY_RETRY_BASE_MS,
    retryMaxMs: config.DELIVERY_RETRY_MAX_MS,
    concurrencyPerPlatform: config.DELIVERY_CONCURRENCY_PER_PLATFORM,
    workers: config.SCHEDULER_WORKERS,
    batchSize: config.DELIVERY_BATCH_SIZE,
    clock: config.SCHEDULER_CLOCK,
  };
}
