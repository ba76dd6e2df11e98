import { openDatabase } from '../app';
import { ConfigError, loadConfig } from '../config';
import { MigrationError, runMigrations } from '../../db/migrate';
import { safeErrorText } from '../log';

/**
 * `npm run db:migrate`: applies the committed migrations to DATABASE_URL (or the embedded server),
 * as the database owner: the separate deploy step of the two-role design (docs/operations.md).
 * Errors are one message, never a stack.
 */
let code = 0;
try {
  const config = loadConfig();
  const { url, embedded } = await openDatabase(config);
  try {
    await runMigrations(url);
    console.log('migrations applied');
  } finally {
    await embedded?.stop();
  }
} catch (e) {
  console.error(e instanceof MigrationError || e instanceof ConfigError ? e.message : `db:migrate: failed: ${safeErrorText(e)}`);
  code = e instanceof ConfigError ? 2 : 1;
}
process.exit(code);
