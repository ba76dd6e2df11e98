import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { startAppProcess } from './app-process';
import { signSlackRequest } from '../../src/platforms/slack/verify';
import type { Prng } from '../dataset/prng';
import { BenchSlack } from './fake-slack';
import { randomQuery, type Asker } from './sample';
import { Latencies, runLoops } from './stats';

export const BENCH_SIGNING_SECRET = 'bench-signing-secret-not-for-production';
export const teamOf = (tenantId: string) => `TB${tenantId.replaceAll('-', '').slice(-10)}`;
export const userOf = (staffId: string) => `UB${staffId.replaceAll('-', '').slice(-10)}`;

/** Registers each asker's tenant as a Slack workspace and links the asker's account (idempotent). */
export async function linkAskers(sql: postgres.Sql, askers: Asker[]): Promise<void> {
  const tenants = [...new Set(askers.map((a) => a.actor.tenantId))];
  for (const t of tenants) {
    await sql`insert into platform_workspaces (tenant_id, platform, workspace_id) values (${t}, 'slack', ${teamOf(t)}) on conflict do nothing`;
  }
  const staff = [...new Map(askers.map((a) => [a.actor.staffId, a.actor.tenantId])).entries()];
  for (const [s, t] of staff) {
    await sql`insert into chat_accounts (tenant_id, staff_id, platform, workspace_id, user_id)
      values (${t}, ${s}, 'slack', ${teamOf(t)}, ${userOf(s)}) on conflict do nothing`;
  }
}

export function slashCommand(team: string, user: string, text: string, responseUrl: string, trigger: string): string {
  return new URLSearchParams({
    token: 'deprecated',
    team_id: team,
    team_domain: 'bench',
    channel_id: 'C0BENCH',
    channel_name: 'general',
    user_id: user,
    user_name: 'bench',
    command: '/case',
    text,
    api_app_id: 'A0BENCH',
    response_url: responseUrl,
    trigger_id: trigger,
  }).toString();
}

/** POSTs a body to /slack/events signed as Slack signs it (v0 HMAC over timestamp and body). */
export function postSigned(appUrl: string, body: string): Promise<Response> {
  const ts = Math.floor(Date.now() / 1000);
  return fetch(`${appUrl}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signSlackRequest(BENCH_SIGNING_SECRET, ts, body),
    },
    body,
  });
}

/**
 * Starts the app on the benchmark database with Slack over HTTP (a fake Slack for the Web API
 * and response_urls) and runs `/case` requests from `concurrency` loops: the time to the HTTP
 * acknowledgement and to the reply on the response_url.
 */
export async function runSlackLookups(o: {
  url: string;
  sql: postgres.Sql;
  askers: Asker[];
  concurrency: number;
  seconds: number;
  pool: number;
  rng: Prng;
  /** Mean pause between an answer and the next question (0: closed loop). */
  thinkMs?: number;
}): Promise<{
  ack: { latencies: Latencies; errors: number; seconds: number };
  reply: { latencies: Latencies; errors: number; seconds: number };
  appPeakRssMb: number;
}> {
  await linkAskers(o.sql, o.askers);
  const fake = await new BenchSlack().start();
  // The app in its own process, as deployed: the load generator does not share its event loop.
  const app = await startAppProcess({
    DATABASE_URL: o.url,
    SCHEDULER: 'false',
    DB_POOL_MAX: String(o.pool),
    SLACK_SIGNING_SECRET: BENCH_SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_API_URL: fake.apiUrl,
  });
  const run = randomUUID().slice(0, 8);
  let sent = 0;
  let ack = new Latencies();
  let ackErrors = 0;
  try {
    const one = async () => {
      const a = o.askers[o.rng.int(o.askers.length)] ?? (o.askers[0] as Asker);
      // Unique per run: trigger ids are deduplicated in PostgreSQL across runs (a repeat gets no answer).
      const hook = `${run}-${++sent}`;
      const replied = fake.waitFor(hook);
      const started = performance.now();
      const res = await postSigned(
        app.url,
        slashCommand(teamOf(a.actor.tenantId), userOf(a.actor.staffId), randomQuery(o.rng, a), fake.hook(hook), `trig-${hook}`),
      );
      await res.arrayBuffer();
      if (res.status !== 200) {
        ackErrors++;
        replied.catch(() => {});
        throw new Error(`HTTP ${res.status}`);
      }
      ack.add(performance.now() - started);
      const body = await replied;
      if (body.includes('エラーが発生しました')) throw new Error('the reply is an error message');
    };
    // Warm-up (connections, JIT of the JavaScript, caches), then measure afresh.
    await runLoops(o.concurrency, Math.min(5, o.seconds), one);
    ack = new Latencies();
    ackErrors = 0;
    const reply = await runLoops(o.concurrency, o.seconds, one, o.thinkMs ?? 0);
    return { ack: { latencies: ack, errors: ackErrors, seconds: reply.seconds }, reply, appPeakRssMb: app.peakRssMb() };
  } finally {
    await app.stop();
    await fake.stop();
  }
}
