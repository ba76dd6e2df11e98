/**
 * One clock for the whole product (issue "CI is red on main"): what decides what is due reads
 * the injected clock, never a column default filled by the database's wall clock and never
 * `new Date()` / `Date.now()` deep in the domain. These guards fail on the change that would
 * bring the mix of clocks back; the moved-clock CI run (.ci/run) catches what they cannot see.
 */
import fs from 'node:fs';
import path from 'node:path';
import { getTableColumns, is, SQL } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import * as schema from '../../db/schema/index';

/** Timestamps the database may still fill: bookkeeping and platform mechanics that no rule reads. */
const BOOKKEEPING = new Set([
  'inbound_events.received_at',
  'dialogues.updated_at',
  'line_inbox.received_at',
  'lineworks_inbox.received_at',
  'lineworks_inbox.run_at',
  'lineworks_tokens.updated_at',
  'platform_throttles.updated_at',
  'scheduler_clock.set_at',
  'slack_installations.installed_at',
  'slack_installations.updated_at',
  'tenants.created_at',
  'offices.created_at',
  'staff.created_at',
  'platform_workspaces.created_at',
  'chat_accounts.linked_at',
  'council_bodies.created_at',
]);

function tableName(t: PgTable): string {
  return (t as unknown as Record<symbol, string>)[Symbol.for('drizzle:Name')] ?? '';
}

describe('one clock', () => {
  it('no timestamp that a rule reads is filled by a column default', () => {
    const defaulted: string[] = [];
    for (const t of Object.values(schema)) {
      if (!is(t, PgTable)) continue;
      for (const col of Object.values(getTableColumns(t))) {
        if (col.columnType !== 'PgTimestamp' || !col.hasDefault) continue;
        if (is(col.default, SQL) || col.defaultFn) defaulted.push(`${tableName(t)}.${col.name}`);
      }
    }
    expect(defaulted.length).toBeGreaterThan(0); // the walk found the schema's columns
    expect(defaulted.filter((c) => !BOOKKEEPING.has(c))).toEqual([]);
  });

  it('the domain, the handlers and the scheduler read no wall clock of their own', () => {
    const root = path.resolve(__dirname, '../..');
    // The clock itself, and the audit log's write time (when a row was really written; no rule reads it).
    const allowed = new Set(['src/core/clock.ts', 'src/core/audit/write.ts']);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) walk(rel);
        else if (rel.endsWith('.ts') && !allowed.has(rel)) {
          fs.readFileSync(path.join(root, rel), 'utf8')
            .split('\n')
            .forEach((line, i) => {
              const code = line.replace(/\/\/.*$/, '');
              if (/new Date\(\)|Date\.now\(\)/.test(code)) offenders.push(`${rel}:${i + 1}`);
            });
        }
      }
    };
    for (const dir of ['src/core', 'handlers']) walk(dir);
    expect(offenders).toEqual([]);
  });

  it("no page script reads the browser clock (dates are the server's, in Japan time)", () => {
    const root = path.resolve(__dirname, '../..');
    const scripts = ['src/platforms/local/web', 'src/platforms/webform/web'].flatMap((dir) =>
      fs
        .readdirSync(path.join(root, dir))
        .filter((f) => f.endsWith('.js'))
        .map((f) => `${dir}/${f}`),
    );
    expect(scripts.length).toBeGreaterThan(0);
    const readers = scripts.filter((f) => /\bDate\b/.test(fs.readFileSync(path.join(root, f), 'utf8')));
    expect(readers).toEqual([]);
  });
});
