import { drizzle } from 'drizzle-orm/postgres-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../../db/schema/index';
import type { Db } from '../../db/client';
import { generateDataset } from '../../bench/dataset/generate';
import { SCALES } from '../../bench/dataset/layout';
import { sampleAskers, QUERY_KINDS, type Asker } from '../../bench/lib/sample';
import { searchPersons } from '../../src/core/cases/search';
import { loadCaseView } from '../../src/core/cases/view';
import { logConsultation } from '../../src/core/consultations/log';
import { labelReminders, openReminders } from '../../src/core/reminders/items';
import { SenderRegistry } from '../../src/chat/adapter';
import { systemClock } from '../../src/core/clock';
import type { SchedulerConnection } from '../../src/scheduler/connection';
import { attemptDeliveries } from '../../src/scheduler/deliver';
import { planTenant } from '../../src/scheduler/plan-tenant';
import { Semaphores } from '../../src/scheduler/semaphore';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

/**
 * The hot paths must use indexes. The real functions run against the city dataset of
 * `npm run bench:data` (20 towns, 7,500 persons, 100,000 consultations, analyzed) with every
 * statement captured; each is then EXPLAINed with its own parameters. A sequential scan of a
 * big table fails the test, naming the statement.
 */
const BIG_TABLES = new Set(['persons', 'consultations', 'service_plans', 'reminders', 'audit_log', 'deliveries']);
const NOW = new Date('2026-11-20T01:00:00Z');

interface Captured {
  query: string;
  params: unknown[];
}
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

let tdb: TestDatabase;
let captured: Captured[] = [];
let db: Db;
let askers: Asker[];

beforeAll(async () => {
  tdb = await createTestDatabase();
  // The loader drops and rebuilds indexes around COPY: the owner's work. The queries below run as the bot's role.
  await generateDataset(tdb.owner.sql, { scale: SCALES.city, now: NOW });
  db = drizzle(tdb.sql, { schema, logger: { logQuery: (query, params) => captured.push({ query, params }) } });
  askers = await sampleAskers(tdb.sql, 200);
}, 120_000);
afterAll(async () => {
  await tdb?.drop();
});

function seqScans(node: PlanNode): string[] {
  const own =
    node['Node Type'] === 'Seq Scan' && node['Relation Name'] && BIG_TABLES.has(node['Relation Name']) ? [node['Relation Name']] : [];
  return [...own, ...(node.Plans ?? []).flatMap(seqScans)];
}

/**
 * Runs `work`, then EXPLAINs every statement it ran; returns the big tables read by Seq Scan, per
 * statement. `perTenant`: the statements read a whole town (planning), 1/20 of the city dataset,
 * where a Seq Scan is the right plan; in the national dataset a town is 1/1,700 and needs an
 * index. With sequential scans priced out, a Seq Scan left in the plan means no index can serve.
 */
async function scansOf(
  work: () => Promise<unknown>,
  opts: { perTenant?: boolean } = {},
): Promise<{ statements: number; seqScans: { query: string; tables: string[] }[] }> {
  captured = [];
  await work();
  const statements = captured.filter((c) => /^\s*(select|with|update|delete)/i.test(c.query));
  const found: { query: string; tables: string[] }[] = [];
  for (const c of statements) {
    const [row] = opts.perTenant
      ? await tdb.sql.begin(async (tx) => {
          await tx`set local enable_seqscan = off`;
          return tx.unsafe(`explain (format json) ${c.query}`, c.params as never[]);
        })
      : await tdb.sql.unsafe(`explain (format json) ${c.query}`, c.params as never[]);
    const plan = (row?.['QUERY PLAN'] as { Plan: PlanNode }[])[0]?.Plan;
    const tables = plan ? seqScans(plan) : [];
    if (tables.length > 0) found.push({ query: c.query, tables });
  }
  return { statements: statements.length, seqScans: found };
}

const counselors = () => askers.filter((a) => a.actor.roles.includes('counselor')).slice(0, 5);
const kikan = () => askers.filter((a) => a.actor.officeKind === 'kikan').slice(0, 5);

describe('hot queries use indexes on the city dataset', () => {
  it('the sample has counselors and 基幹 workers to ask with', () => {
    expect(counselors().length).toBeGreaterThan(0);
    expect(kikan().length).toBeGreaterThan(0);
  });

  for (const [kind, query] of Object.entries(QUERY_KINDS)) {
    it(`case search by ${kind} finds the person through an index, for a counselor and for the 基幹`, async () => {
      for (const a of [...counselors(), ...kikan()]) {
        let hits = 0;
        const r = await scansOf(async () => {
          hits = (await searchPersons(db, a.actor, query(a.person), NOW)).hits.length;
        });
        expect(hits, `${kind}: ${query(a.person)}`).toBeGreaterThan(0);
        expect(r.statements).toBeGreaterThan(0);
        expect(r.seqScans).toEqual([]);
      }
    });
  }

  it('the case card (person, plan, monitoring done, recent consultations) reads through indexes', async () => {
    for (const a of counselors()) {
      const r = await scansOf(() => loadCaseView(db, a.actor, a.person.id, NOW));
      // The person; the plan; one statement for recent records, 二次相談, meetings and the audit row.
      expect(r.statements).toBeGreaterThanOrEqual(3);
      expect(r.seqScans).toEqual([]);
    }
  });

  it('logging a consultation (person check, monitoring month, audit chain) reads through indexes', async () => {
    const a = counselors()[0] as Asker;
    const r = await scansOf(() =>
      db.transaction(async () => {
        await logConsultation(
          db,
          a.actor,
          { personId: a.person.id, occurredOn: '2026-11-19', method: '訪問', kind: 'モニタリング', summary: '訪問し状況を確認。' },
          NOW,
        );
      }),
    );
    expect(r.seqScans).toEqual([]);
  });

  it("a counselor's open reminders and their labels read through indexes", async () => {
    const a = counselors()[0] as Asker;
    // A month of monitoring reminders for every plan of every town, shaped as the planner writes
    // them (planning itself is measured by the reminders benchmarks, not here).
    await tdb.sql`
      insert into reminders (tenant_id, key, kind, recipient_id, subject_type, subject_id, due_on, created_at)
      select sp.tenant_id, 'monitoring:' || sp.id || ':2026-11', 'monitoring', p.counselor_id, 'service_plan', sp.id, '2026-11-30', ${NOW.toISOString()}::timestamptz
      from service_plans sp join persons p on p.id = sp.person_id`;
    await tdb.owner.sql`analyze reminders`;
    const r = await scansOf(async () => {
      const rows = await openReminders(db, a.actor.tenantId, [a.actor.staffId]);
      await labelReminders(db, a.actor.tenantId, rows);
    });
    expect(r.seqScans).toEqual([]);
  });

  it('planning a town (reminder sync, digests, escalations, their audit rows) reads through indexes', async () => {
    const a = counselors()[0] as Asker;
    const r = await scansOf(() => planTenant(db, a.actor.tenantId, NOW, { syncReminders: true }), { perTenant: true });
    expect(r.statements).toBeGreaterThanOrEqual(8);
    expect(r.seqScans).toEqual([]);
  });

  it('the delivery path (batch lease, destination, throttle, record) reads through indexes in a busy outbox', async () => {
    const a = counselors()[0] as Asker;
    await tdb.sql`insert into chat_accounts (tenant_id, staff_id, platform, workspace_id, user_id)
      values (${a.actor.tenantId}, ${a.actor.staffId}, 'slack', 'TQP', 'UQP') on conflict do nothing`;
    // A busy morning: 20,000 messages in the outbox, all but 50 already sent.
    await tdb.sql`insert into deliveries (tenant_id, idempotency_key, recipient_id, kind, payload, status, run_at, created_at, job_id)
      select ${a.actor.tenantId}, 'qp:' || g, ${a.actor.staffId}, 'notice', '{"visibility":"dm","blocks":[],"summary":"qp"}'::jsonb,
        case when g > 50 then 'sent' else 'pending' end, ${NOW.toISOString()}::timestamptz, ${NOW.toISOString()}::timestamptz, 'qp-job-' || g
      from generate_series(1, 20000) g`;
    await tdb.owner.sql`analyze deliveries`;
    const jobs = (
      await tdb.sql<
        { id: string; job_id: string }[]
      >`select id, job_id from deliveries where idempotency_key like 'qp:%' and status = 'pending'`
    ).map((j) => ({ deliveryId: j.id, jobId: j.job_id }));
    const senders = new SenderRegistry();
    senders.add({ platform: 'slack', send: async (_to, _reply, key) => ({ ok: true, messageId: `m-${key}` }) });
    // The real delivery code on the capturing connection (no job library: the jobs are given).
    const conn = { db, sql: tdb.sql, report: () => {}, swapped: () => {} } as unknown as SchedulerConnection;
    const o = {
      conn,
      senders,
      clock: systemClock,
      instanceId: 'qp:1:aaaaaa',
      maxAttempts: 3,
      retryBaseMs: 50,
      retryMaxMs: 200,
      semaphores: new Semaphores(4),
    };
    const r = await scansOf(async () => {
      const results = await attemptDeliveries(o, jobs);
      expect(results.every((x) => 'outcome' in x && x.outcome === 'sent')).toBe(true);
    });
    expect(r.statements).toBeGreaterThanOrEqual(3);
    expect(r.seqScans).toEqual([]);
  });
});
