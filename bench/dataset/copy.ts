import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';

/** A value in COPY's text format: `\N` is NULL; backslash, tab and line breaks are escaped. */
export function copyValue(v: string | number | boolean | null): string {
  if (v === null) return '\\N';
  if (typeof v !== 'string') return String(v);
  return /[\\\t\n\r]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : v;
}

/** One COPY line from already formatted cells. */
export function copyLine(cells: (string | number | boolean | null)[]): string {
  return `${cells.map(copyValue).join('\t')}\n`;
}

/** Rows are gathered into ~256 kB chunks: one write per row would cost more than the row. */
async function* chunked(lines: Iterable<string>, onRow: () => void): AsyncGenerator<string> {
  let buf: string[] = [];
  let size = 0;
  for (const line of lines) {
    buf.push(line);
    size += line.length;
    onRow();
    if (size >= 256 * 1024) {
      yield buf.join('');
      buf = [];
      size = 0;
      // Yield to the event loop so that concurrent COPY streams interleave.
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  if (buf.length > 0) yield buf.join('');
}

export type CopyConnection = postgres.Sql | postgres.ReservedSql;

/**
 * Streams rows into `table` with COPY FROM STDIN on one connection, with backpressure (the
 * generator runs only as fast as PostgreSQL takes rows). Returns the number of rows sent.
 */
export async function copyInto(conn: CopyConnection, table: string, columns: readonly string[], lines: Iterable<string>): Promise<number> {
  let rows = 0;
  const writable = await conn.unsafe(`copy ${table} (${columns.join(', ')}) from stdin`).writable();
  await pipeline(Readable.from(chunked(lines, () => rows++)), writable);
  return rows;
}
