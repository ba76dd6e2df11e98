import { openDatabase } from '../app';
import { loadConfig } from '../config';
import { runMigrations } from '../../db/migrate';

/** `npm run db:migrate`: applies the committed migrations to DATABASE_URL (or the embedded server). */
const config = loadConfig();
const { url, embedded } = await openDatabase(config);
try {
  await runMigrations(url);
  console.log('migrations applied');
} finally {
  await embedded?.stop();
}
