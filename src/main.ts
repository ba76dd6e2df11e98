import { startApp } from './app';
import { ConfigError, loadConfig } from './config';
import { warmAnalyzer } from './core/deidentify';
import { log } from './log';

/** Entry point: configuration → database → HTTP → (platforms, scheduler); graceful shutdown. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  // The de-identifier's dictionary (about 2 s, once): loaded before the first post, not during it.
  warmAnalyzer();
  const app = await startApp(config);
  console.log(`soudan-bot: ${app.url} で起動しました（Ctrl+C で終了） / listening on ${app.url}`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 15_000);
    timer.unref();
    await app.stop().catch((e) => log.error({ err: e }, 'stop failed'));
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
}

main().catch((e) => {
  if (e instanceof ConfigError) {
    console.error(e.message);
    process.exit(2);
  }
  log.fatal({ err: e }, 'start-up failed');
  process.exit(1);
});
