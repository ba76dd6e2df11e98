import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type postgres from 'postgres';

export const BENCHMARKS_MD = path.resolve('docs/benchmarks.md');

const HEADER = `# Benchmarks

Figures measured on the machine named in each section, by the scripts in \`bench/\` (each
script rewrites only its own section, between its markers). The dataset is fictional
(\`npm run bench:data\`, see docs/operations.md). Reproduce with the command given in the section.
`;

/** The machine, the server and the moment: every section states them. */
export async function machineLine(sql: postgres.Sql): Promise<string> {
  const cpus = os.cpus();
  const [v] = await sql<{ version: string }[]>`select current_setting('server_version') as version`;
  const [sb] = await sql<{ s: string }[]>`select current_setting('shared_buffers') as s`;
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
  return [
    `Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'},`,
    `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, PostgreSQL ${v?.version} (shared_buffers ${sb?.s}) on the same machine;`,
    `load average at the start ${load} (the machine is shared with other work: see the note in each section).`,
  ].join(' ');
}

/**
 * Replaces (or appends) the section between `<!-- bench:<id> -->` and `<!-- /bench:<id> -->`,
 * leaving every other section of the shared file as it is.
 */
export function writeSection(id: string, markdown: string): void {
  const start = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = fs.existsSync(BENCHMARKS_MD) ? fs.readFileSync(BENCHMARKS_MD, 'utf8') : HEADER;
  const i = current.indexOf(start);
  const j = current.indexOf(end);
  const next = i >= 0 && j > i ? current.slice(0, i) + block + current.slice(j + end.length) : `${current.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(BENCHMARKS_MD, next);
}
