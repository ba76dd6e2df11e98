/**
 * The durable queue: the `deliveries` outbox (written by anyone, in their own transaction) is
 * relayed into pg-boss jobs, which pg-boss claims with SKIP LOCKED across every instance,
 * watches with heartbeats (a killed instance's job runs again within seconds) and wakes with
 * LISTEN/NOTIFY. Why pg-boss and not graphile-worker: docs/reminders.md.
 */
import { randomUUID } from 'node:crypto';
import { PgBoss } from 'pg-boss';
import type postgres from 'postgres';
import { log, safeErrorText } from '../log';
import type { Clock } from '../core/clock';
import { withTimeout } from './connection';
import { attemptDeliveries, type DeliverOptions } from './deliver';

const DELIVERY_QUEUE = 'soudan-delivery';
const RELAY_BATCH = 500;
// Polling backs up NOTIFY (a missed notification, a listener reconnecting after a restart).
const RELAY_POLL_MS = 500;

export interface QueueOptions extends DeliverOptions {
  url: string;
  clock: Clock;
  /** Batches this process runs at once (pg-boss `localConcurrency`: one fetch loop each). */
  concurrency: number;
  /** Jobs fetched and attempted together (pg-boss `batchSize`). */
  batchSize: number;
}

/** Adapter so that pg-boss inserts its jobs inside our transaction (relay atomicity). */
function bossDb(tx: postgres.TransactionSql) {
  return {
    async executeSql(text: string, values?: unknown[]) {
      // pg-boss passes plain values (strings, numbers, JSON text) for its parameters.
      const rows = await tx.unsafe(text, (values ?? []) as postgres.ParameterOrJSON<never>[]);
      return { rows: [...rows] };
    },
  };
}

export class DeliveryQueue {
  readonly boss: PgBoss;
  private relayTimer: NodeJS.Timeout | null = null;
  private listener: { unlisten(): Promise<void> } | null = null;
  private relaying = false;
  private again = false;
  private stopped = false;

  constructor(private readonly o: QueueOptions) {
    this.boss = new PgBoss({
      connectionString: o.url,
      schema: 'pgboss',
      // The schema is the owner's to install and upgrade (db/migrate.ts): the bot's role has no
      // DDL, so it neither migrates nor rebuilds indexes (REINDEX needs the table's owner).
      migrate: false,
      reindex: false,
      // One connection per fetch loop, plus completion, heartbeats and maintenance.
      max: Math.max(4, o.concurrency + 2),
      application_name: 'soudan-bot-queue',
      useListenNotify: true,
      // Why 2 s: a dead worker's heartbeat is noticed within heartbeatSeconds + this.
      superviseIntervalSeconds: 2,
      monitorIntervalSeconds: 2,
      notifyHeartbeatIntervalMs: 2000,
      notifyHeartbeatTimeoutMs: 2000,
    });
    this.boss.on('error', (e: unknown) => log.warn({ err: e }, 'job library error (reconnecting)'));
  }

  async start(): Promise<void> {
    await this.boss.start();
    await this.boss.createQueue(DELIVERY_QUEUE, {
      notify: true,
      // Retries of failed sends are ours (backoff, Retry-After, dead letters); pg-boss retries
      // only attempts that died with their worker or threw on a database error.
      retryLimit: 1000,
      retryDelay: 1,
      // The minimum pg-boss allows; with the 2 s monitor a killed instance's job is free in ~12 s.
      heartbeatSeconds: 10,
      expireInSeconds: 120,
      retentionSeconds: 3600,
      deleteAfterSeconds: 3600,
    });
    // Each of `concurrency` loops fetches up to `batchSize` jobs in one query and, while
    // batches come back full, fetches again at once (burstWhenBatchFull) instead of waiting
    // the polling interval: with batch 1 and 0.5 s polling a process was capped near
    // 2 jobs/s per slot. A short batch means the queue caught up: NOTIFY (or the poll) wakes it.
    const options = {
      batchSize: this.o.batchSize,
      burstWhenBatchFull: true,
      localConcurrency: this.o.concurrency,
      perJobResults: true,
      pollingIntervalSeconds: 0.5,
      notifyPollingIntervalSeconds: 0.5,
      heartbeatRefreshSeconds: 3,
    } as const;
    await this.boss.work<{ deliveryId: string }, unknown, typeof options>(DELIVERY_QUEUE, options, async (jobs) => {
      const results = await attemptDeliveries(
        this.o,
        jobs.map((j) => ({ deliveryId: j.data.deliveryId, jobId: j.id })),
      );
      // An error is that job's alone: pg-boss runs it again (retryDelay 1 s), the others complete.
      return results.map((r) =>
        'error' in r
          ? { id: r.jobId, status: 'failed' as const, output: { message: safeErrorText(r.error) } }
          : { id: r.jobId, status: 'completed' as const, output: { outcome: r.outcome } },
      );
    });
    await this.listen();
    // A fresh pool after an outage needs its own LISTEN; polling covers the gap.
    this.o.conn.swapped(() => void this.listen());
    this.relayTimer = setInterval(() => this.kick(), RELAY_POLL_MS);
    this.kick();
  }

  private async listen(): Promise<void> {
    const old = this.listener;
    this.listener = null;
    void old?.unlisten().catch(() => {});
    try {
      this.listener = await this.o.conn.sql.listen('soudan_deliveries', () => this.kick());
    } catch (e) {
      log.warn({ err: e }, 'LISTEN failed; relaying by polling until the next pool');
    }
  }

  /** Runs the relay now (again after the current run, if one is going). */
  kick(): void {
    if (this.stopped) return;
    if (this.relaying) {
      this.again = true;
      return;
    }
    this.relaying = true;
    void (async () => {
      try {
        do {
          this.again = false;
          while ((await this.relayOnce()) === RELAY_BATCH && !this.stopped);
        } while (this.again && !this.stopped);
      } catch (e) {
        this.o.conn.report(e);
        log.warn({ err: e }, 'delivery relay failed; will retry');
      } finally {
        this.relaying = false;
      }
    })();
  }

  /**
   * Moves pending deliveries without a job into pg-boss, in one transaction: rows are locked
   * with SKIP LOCKED, so two instances relaying at once take different rows, and a row gets
   * its job id in the same commit that creates the job.
   */
  async relayOnce(): Promise<number> {
    return withTimeout(this.relayBatch(), 5_000);
  }

  private async relayBatch(): Promise<number> {
    // A shared simulated clock may have just moved (the NOTIFY can beat the next planning pass).
    await this.o.clock.refresh();
    return this.o.conn.sql.begin(async (tx) => {
      const rows = await tx<{ id: string; run_at: Date }[]>`
        select id, run_at from deliveries where status = 'pending' and job_id is null
        order by run_at limit ${RELAY_BATCH} for update skip locked`;
      if (rows.length === 0) return 0;
      const jobs = rows.map((r) => ({ id: randomUUID(), data: { deliveryId: r.id }, startAfter: this.o.clock.toReal(new Date(r.run_at)) }));
      await this.boss.insert(DELIVERY_QUEUE, jobs, { db: bossDb(tx) });
      await tx`update deliveries d set job_id = j.job_id
        from (select unnest(${jobs.map((j) => j.data.deliveryId)}::uuid[]) as id, unnest(${jobs.map((j) => j.id)}::text[]) as job_id) j
        where d.id = j.id`;
      return rows.length;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.relayTimer) clearInterval(this.relayTimer);
    await this.listener?.unlisten().catch(() => {});
    await this.boss.stop({ graceful: true, timeout: 15_000 }).catch((e: unknown) => log.warn({ err: e }, 'job library stop failed'));
  }
}
