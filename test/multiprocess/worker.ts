/**
 * One scheduler instance for the three-process test: its own process, its own connection pool,
 * the shared simulated clock, and a sender that posts to the fake platform. Started with
 * `node --import tsx test/multiprocess/worker.ts`; prints "ready" once it runs.
 */
import { SenderRegistry } from '../../src/chat/adapter';
import { startScheduler } from '../../src/scheduler/index';
import { httpSender } from './fake-platform';

const url = process.env.DATABASE_URL;
const platformUrl = process.env.FAKE_PLATFORM_URL;
if (!url || !platformUrl) throw new Error('DATABASE_URL and FAKE_PLATFORM_URL are required');

const senders = new SenderRegistry();
senders.add(httpSender('slack', platformUrl));
const scheduler = await startScheduler({
  url,
  senders,
  settings: {
    planIntervalMs: 200,
    syncIntervalMs: 0,
    maxAttempts: 10,
    retryBaseMs: 100,
    retryMaxMs: 1000,
    concurrencyPerPlatform: 2,
    workers: 4,
    clock: 'database',
  },
});
process.stdout.write(`ready ${process.pid}\n`);
process.on('SIGTERM', () => {
  void scheduler
    .stop()
    .finally(() => process.exit(0));
});
