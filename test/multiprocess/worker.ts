/**
 * One scheduler instance for the three-process test and the delivery benchmark: its own
 * process, its own connection pools, and a sender that posts to the fake platform. Started
 * with `node --import tsx test/multiprocess/worker.ts`; prints "ready" once it runs.
 *
 * Environment: DATABASE_URL, FAKE_PLATFORM_URL; optional WORKER_CLOCK (database | system,
 * default database: the test's shared simulated clock), WORKER_LOOPS (worker loops, default 4),
 * WORKER_BATCH (jobs per batch, default the scheduler's), WORKER_SENDS (sends in flight per
 * platform, default 2), WORKER_PLAN_INTERVAL_MS (default 200).
 */
import { SenderRegistry } from '../../src/chat/adapter';
import { startScheduler } from '../../src/scheduler/index';
import { httpSender } from './fake-platform';

const url = process.env.DATABASE_URL;
const platformUrl = process.env.FAKE_PLATFORM_URL;
if (!url || !platformUrl) throw new Error('DATABASE_URL and FAKE_PLATFORM_URL are required');
const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

const senders = new SenderRegistry();
senders.add(httpSender('slack', platformUrl));
const scheduler = await startScheduler({
  url,
  senders,
  settings: {
    planIntervalMs: num('WORKER_PLAN_INTERVAL_MS', 200),
    syncIntervalMs: 0,
    maxAttempts: 10,
    retryBaseMs: 100,
    retryMaxMs: 1000,
    concurrencyPerPlatform: num('WORKER_SENDS', 2),
    workers: num('WORKER_LOOPS', 4),
    ...(process.env.WORKER_BATCH ? { batchSize: Number(process.env.WORKER_BATCH) } : {}),
    clock: process.env.WORKER_CLOCK === 'system' ? 'system' : 'database',
  },
});
process.stdout.write(`ready ${process.pid}\n`);
process.on('SIGTERM', () => {
  void scheduler.stop().finally(() => process.exit(0));
});
