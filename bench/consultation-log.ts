/**
 * Logging a consultation: `npm run bench:consultation-log [-- --seconds 10]`. The form
 * submission goes through `dispatch` (form parsing, person resolution, monitoring-month check,
 * insert, audit row, all in one transaction) with 1, 10 and 100 concurrent counselors; the
 * committed rows are counted afterwards. Writes the section "Logging a consultation".
 */
import { parseArgs } from 'node:util';
import { createRegistry } from '../handlers/index';
import { dispatch } from '../src/chat/dispatch';
import { jstToday } from '../src/core/calendar/jst';
import { Prng } from './dataset/prng';
import { SUMMARIES } from './dataset/names';
import { openBench } from './lib/context';
import { writeSection } from './lib/report';
import { LATENCY_HEADER, latencyRow, peakRssMb, runLoops } from './lib/stats';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    pool: { type: 'string', default: '100' },
    'no-write': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const pool = Number(values.pool);
const ctx = await openBench(pool);
try {
  const registry = createRegistry();
  const rng = new Prng(11);
  const counselors = ctx.askers.filter((a) => a.actor.roles.includes('counselor'));
  const today = jstToday(new Date());
  const count = async () =>
    (
      await ctx.admin<
        { c: number; a: number }[]
      >`select (select count(*) from consultations where created_at > now() - interval '1 hour')::int as c, (select count(*) from audit_log where action = 'create' and resource_type = 'consultation')::int as a`
    )[0] ?? { c: 0, a: 0 };
  const before = await count();
  let ok = 0;
  const submit = async () => {
    const a = counselors[rng.int(counselors.length)] ?? (counselors[0] as (typeof counselors)[number]);
    const res = await dispatch({ db: ctx.database.db, registry, now: () => new Date() }, a.actor, {
      kind: 'form',
      formId: 'soudan:new',
      values: {
        // Half from the person picker (an id), half typed as a case code (a search first).
        person: rng.chance(0.5) ? a.person.id : a.person.code,
        occurredOn: today,
        method: '訪問',
        kind: rng.chance(0.3) ? 'モニタリング' : '福祉サービスの利用援助',
        summary: rng.pick(SUMMARIES),
        minutes: '30',
      },
    });
    if (res.errorId || res.fieldErrors) throw new Error(`not stored: ${res.errorId ?? JSON.stringify(res.fieldErrors)}`);
    ok++;
  };
  await runLoops(10, Math.min(3, seconds), submit);
  const rows: string[] = [];
  for (const c of [1, 10, 100]) {
    const r = await runLoops(c, seconds, submit);
    const row = latencyRow(`${c} concurrent counselor${c > 1 ? 's' : ''}`, r);
    rows.push(row);
    console.log(row);
    if (r.firstError) console.log(`  first error: ${r.firstError}`);
  }
  const after = await count();
  const check = `Submissions answered as stored: ${ok.toLocaleString('en')}; consultation rows committed: ${(after.c - before.c).toLocaleString('en')}; audit rows (create consultation): ${(after.a - before.a).toLocaleString('en')}.`;
  console.log(check);
  const note = `Peak RSS of the benchmark process: ${peakRssMb().toFixed(0)} MB. Pool ${pool}.`;
  console.log(note);
  if (!values['no-write']) {
    writeSection(
      'consultation-log',
      [
        '## Logging a consultation',
        '',
        `Command: \`npm run bench:consultation-log -- --seconds ${seconds} --pool ${pool}\`. Dataset: ${ctx.dataset}.`,
        ctx.machine,
        '',
        'One request: the 相談記録 form submitted through `dispatch` (values parsed, the person resolved from an id or a case code, the monitoring-month check, the insert and its audit row in one transaction, committed). Counselors are spread over the sampled towns; the audit chain is serialised per town.',
        '',
        LATENCY_HEADER,
        ...rows,
        '',
        check,
        note,
      ].join('\n'),
    );
  }
} finally {
  await ctx.close();
}
