/**
 * Webhook acknowledgement under load: `npm run bench:webhook-ack [-- --seconds 20 --scheduler separate]`.
 * The app runs as its own process (as in production) with Slack and LINE configured against a
 * fake platform on loopback. `--scheduler on`: the same process also runs the scheduler;
 * `separate`: a second process runs it (the deployment of docs/operations.md); `off`: none.
 * With a scheduler, it delivers a backlog of direct messages meanwhile. autocannon (in this process) sends signed requests, each with a new event id:
 * first as fast as they are answered (saturation), then at half that rate, where the latency
 * percentiles are taken. Writes the section "Webhook acknowledgement".
 */
import { createHmac, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startAppProcess } from './lib/app-process';
import { textReply } from '../src/chat/replies';
import { signSlackRequest } from '../src/platforms/slack/verify';
import { openBench } from './lib/context';
import { BenchSlack } from './lib/fake-slack';
import { writeSection } from './lib/report';
import { BENCH_SIGNING_SECRET, linkAskers, teamOf } from './lib/slack-lookup';
import { ms } from './lib/stats';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '50' },
    backlog: { type: 'string', default: '200000' },
    scheduler: { type: 'string', default: 'on' },
    'no-write': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const LINE_SECRET = 'bench-line-channel-secret';

const ctx = await openBench(20, 2000);
const fake = await new BenchSlack().start();
const mode = values.scheduler as 'on' | 'off' | 'separate';
if (!['on', 'off', 'separate'].includes(mode)) throw new Error('--scheduler on|off|separate');
const appEnv = (scheduler: boolean) => ({
  DATABASE_URL: ctx.server.url,
  SCHEDULER: scheduler ? 'true' : 'false',
  SLACK_SIGNING_SECRET: BENCH_SIGNING_SECRET,
  SLACK_BOT_TOKEN: 'xoxb-bench',
  SLACK_API_URL: fake.apiUrl,
  LINE_CHANNEL_SECRET: LINE_SECRET,
  LINE_CHANNEL_ACCESS_TOKEN: 'bench-line-token',
  LINE_API_URL: fake.apiUrl.replace(/\/api\/$/, ''),
});
const app = await startAppProcess(appEnv(mode === 'on'));
const worker = mode === 'separate' ? await startAppProcess(appEnv(true)) : null;
const appUrl = app.url;
try {
  // The scheduler's work meanwhile: a backlog of direct messages to linked counselors, inserted
  // in one statement (the outbox trigger wakes the relay).
  await linkAskers(ctx.admin, ctx.askers);
  const backlog = Number(values.backlog);
  const runId = randomUUID().slice(0, 8);
  const targets = ctx.askers.slice(0, 200);
  await ctx.admin`insert into deliveries (tenant_id, idempotency_key, recipient_id, kind, payload, run_at, created_at)
    select t.tenant_id, ${`bench:${runId}:`} || g, t.staff_id, 'notice', ${ctx.admin.json(textReply('ベンチマークの通知です。', 'dm') as never)}, now(), now()
    from generate_series(0, ${backlog - 1}) g
    join (select * from unnest(${targets.map((a) => a.actor.tenantId)}::uuid[], ${targets.map((a) => a.actor.staffId)}::uuid[]) with ordinality as u(tenant_id, staff_id, n)) t
      on t.n = 1 + g % ${targets.length}`;
  const sentBefore = await sent(runId);
  const windowStart = new Date();

  const team = teamOf(ctx.askers[0]?.actor.tenantId ?? '');
  const slackRequest = () => {
    const body = JSON.stringify({
      type: 'event_callback',
      team_id: team,
      api_app_id: 'A0BENCH',
      event_id: `Ev${randomUUID()}`,
      event_time: Math.floor(Date.now() / 1000),
      event: { type: 'channel_created', channel: { id: 'C0NEW', name: 'bench' } },
    });
    const ts = Math.floor(Date.now() / 1000);
    return {
      method: 'POST' as const,
      path: '/slack/events',
      body,
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signSlackRequest(BENCH_SIGNING_SECRET, ts, body),
      },
    };
  };
  const lineRequest = () => {
    const body = JSON.stringify({
      destination: 'Ubenchbot',
      events: [
        {
          type: 'message',
          mode: 'active',
          timestamp: Date.now(),
          webhookEventId: randomUUID(),
          deliveryContext: { isRedelivery: false },
          replyToken: randomUUID(),
          source: { type: 'user', userId: `Ubench${randomUUID().slice(0, 8)}` },
          message: { type: 'text', id: randomUUID(), quoteToken: 'q', text: 'ヘルプ' },
        },
      ],
    });
    return {
      method: 'POST' as const,
      path: '/line/webhook',
      body,
      headers: { 'content-type': 'application/json', 'x-line-signature': createHmac('sha256', LINE_SECRET).update(body).digest('base64') },
    };
  };

  const rows: string[] = [];
  for (const [name, make] of [
    ['Slack `/slack/events` (event_callback)', slackRequest],
    ['LINE `/line/webhook` (message)', lineRequest],
  ] as const) {
    const saturated = await cannon(make, { duration: Math.max(5, Math.round(seconds / 2)) });
    const half = Math.max(1, Math.floor(saturated.requests.average / 2));
    const r = await cannon(make, { duration: seconds, overallRate: half });
    const l = r.latency as unknown as Record<string, number>;
    const row = `| ${name} | ${saturated.requests.average.toFixed(0)} | ${half} | ${r.requests.total.toLocaleString('en')} | ${ms(l.p50 ?? Number.NaN)} | ${ms(l.p97_5 ?? Number.NaN)} | ${ms(l.p99 ?? Number.NaN)} | ${ms(l.p99_9 ?? Number.NaN)} | ${ms(l.max ?? Number.NaN)} | ${r.non2xx + r.errors + r.timeouts} |`;
    rows.push(row);
    console.log(row);
  }
  const delivered = (await sent(runId)) - sentBefore;
  const [all] = await ctx.admin<
    { n: number }[]
  >`select count(*)::int as n from deliveries where status = 'sent' and sent_at >= ${windowStart.toISOString()}::timestamptz`;
  const deliveredAll = all?.n ?? 0;
  const memory = `Peak RSS: web process ${app.peakRssMb().toFixed(0)} MB${worker ? `, scheduler process ${worker.peakRssMb().toFixed(0)} MB` : ''}.`;
  console.log(memory);
  const note =
    mode === 'off'
      ? 'Scheduler off (baseline).'
      : `Scheduler ${mode === 'on' ? 'in the web process' : 'in a second process (SCHEDULER=false on the web process)'}: meanwhile it delivered ${deliveredAll.toLocaleString('en')} messages (${delivered.toLocaleString('en')} of them from this run's backlog of ${backlog.toLocaleString('en')} direct messages, the rest older pending ones) (fake Slack counted ${fake.posted.toLocaleString('en')} chat.postMessage calls), and planned reminders for every town on its own interval.`;
  console.log(note);
  if (!values['no-write']) {
    writeSection(
      `webhook-ack-scheduler-${values.scheduler}`,
      [
        `## Webhook acknowledgement (scheduler ${values.scheduler})`,
        '',
        `Command: \`npm run bench:webhook-ack -- --seconds ${seconds} --connections ${connections} --scheduler ${values.scheduler}\`. Dataset: ${ctx.dataset}.`,
        ctx.machine,
        '',
        `The app runs as its own process (\`src/main.ts\`, DB_POOL_MAX 10; scheduler: ${mode === 'on' ? 'in the same process' : mode === 'separate' ? 'a second `src/main.ts` process with SCHEDULER=true, the web process with SCHEDULER=false' : 'off'}); autocannon runs in the benchmark process with ${connections} connections on loopback; every request is signed and carries a new event id. Slack: signature, replay window, acknowledgement, then the event-id claim in PostgreSQL (Bolt acknowledges Events API requests before middleware runs). LINE: signature, then the events stored in the PostgreSQL inbox (unique webhookEventId: the replay check) before the 200. First a saturation run, then ${seconds} s at half the saturated rate, where the percentiles are taken (autocannon reports p97.5, not p95).`,
        '',
        '| endpoint | saturated req/s | offered req/s (half) | requests | p50 ms | p97.5 ms | p99 ms | p99.9 ms | max ms | non-2xx + errors |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
        ...rows,
        '',
        note,
        memory,
      ].join('\n'),
    );
  }
} finally {
  await app.stop();
  await worker?.stop();
  await fake.stop();
  await ctx.close();
}

async function sent(runId: string): Promise<number> {
  const [r] = await ctx.admin<
    { n: number }[]
  >`select count(*)::int as n from deliveries where idempotency_key like ${`bench:${runId}:%`} and status = 'sent'`;
  return r?.n ?? 0;
}

function cannon(
  make: () => { method: 'POST'; path: string; body: string; headers: Record<string, string> },
  o: { duration: number; overallRate?: number },
): Promise<autocannon.Result> {
  return autocannon({
    url: appUrl,
    connections,
    duration: o.duration,
    overallRate: o.overallRate,
    requests: [{ setupRequest: (req) => ({ ...req, ...make() }) }],
  });
}
