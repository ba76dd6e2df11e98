import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The major version of a `pg_dump --version` line ("pg_dump (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"). */
function majorOf(binary: string): number | null {
  try {
    const m = /\(PostgreSQL\)\s+(\d+)/.exec(execFileSync(binary, ['--version'], { encoding: 'utf8' }));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * pg_dump and pg_restore of the server's own major version (pg_dump refuses a newer server, and
 * docs/operations.md's procedure is meant with matching tools): Debian's
 * /usr/lib/postgresql/<major>/bin, else the ones on PATH when their version matches. Throws one
 * line saying what to install when there are none: the test does not skip.
 */
export function matchingPgTools(serverMajor: number): { pgDump: string; pgRestore: string; createdb: string } {
  const candidates = [path.join('/usr/lib/postgresql', String(serverMajor), 'bin'), ...(process.env.PATH ?? '').split(path.delimiter)];
  for (const dir of candidates) {
    const pgDump = path.join(dir, 'pg_dump');
    const pgRestore = path.join(dir, 'pg_restore');
    const createdb = path.join(dir, 'createdb');
    if (
      fs.existsSync(pgDump) &&
      fs.existsSync(pgRestore) &&
      fs.existsSync(createdb) &&
      majorOf(pgDump) === serverMajor &&
      majorOf(pgRestore) === serverMajor
    ) {
      return { pgDump, pgRestore, createdb };
    }
  }
  throw new Error(
    `no pg_dump/pg_restore of PostgreSQL ${serverMajor} (the test server's version): install postgresql-client-${serverMajor} ` +
      `(Debian; from apt.postgresql.org when Debian has no ${serverMajor}), or run the tests against Debian's own server as CI does: TEST_DATABASE_URL=postgres://… npm test (see .ci/run)`,
  );
}
