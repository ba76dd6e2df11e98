import { openDatabase } from '../app';
import { loadConfig } from '../config';
import { useLinkCodeSecret } from '../core/staff/link';
import { connect, type Database } from '../../db/client';
import { runMigrations } from '../../db/migrate';

/**
 * Runs an operator command against DATABASE_URL (or the embedded server under DATA_DIR, whose
 * schema it brings up to date), and closes everything afterwards. Returns the command's exit code.
 */
export async function withDatabase(run: (database: Database) => Promise<number>): Promise<number> {
  const config = loadConfig();
  // Link codes made here must match the bot's: both hash them under LINK_SECRET.
  if (config.LINK_SECRET) useLinkCodeSecret(config.LINK_SECRET);
  const { url, embedded } = await openDatabase(config);
  try {
    // As the bot: the schema is migrated by the owner's own step, except on the embedded default.
    if (config.MIGRATE_ON_START ?? embedded !== null) await runMigrations(url);
    const database = connect(url, { max: 2, applicationName: 'soudan-admin' });
    try {
      return await run(database);
    } finally {
      await database.close();
    }
  } finally {
    await embedded?.stop();
  }
}

/** Where a command writes: the terminal, or a buffer in tests. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const consoleOutput: Output = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};
