/**
 * What an operator watches (`GET /metrics`, Prometheus text format, prom-client). Labels are
 * route paths, command ids, platforms and outcomes only: never a user, a tenant or any text.
 * One registry per process (several apps in one test process share it).
 */
import client from 'prom-client';

const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'soudan_' });

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Every HTTP request by route (the registered path, `unmatched` otherwise); webhook ack latency per platform is its webhook route. */
export const httpDuration = new client.Histogram({
  name: 'soudan_http_request_duration_seconds',
  help: 'HTTP requests by route, method and status',
  labelNames: ['route', 'method', 'status'] as const,
  buckets: SECONDS,
  registers: [registry],
});

/** Requests a webhook route refused (bad signature, stale timestamp, malformed body): 4xx on a platform route. */
export const webhookRefused = new client.Counter({
  name: 'soudan_webhook_refused_total',
  help: 'Webhook requests refused with a 4xx, by route',
  labelNames: ['route', 'status'] as const,
  registers: [registry],
});

/** Handler time per command (dispatch), by outcome: ok, user_error (a polite refusal), error. */
export const dispatchDuration = new client.Histogram({
  name: 'soudan_dispatch_duration_seconds',
  help: 'Command, action and form handling by command and outcome',
  labelNames: ['command', 'outcome'] as const,
  buckets: SECONDS,
  registers: [registry],
});

/** Sends by the delivery worker, by platform and outcome (sent, retry, rate_limited, dead). */
export const deliverySends = new client.Counter({
  name: 'soudan_delivery_sends_total',
  help: 'Delivery attempts by platform and outcome',
  labelNames: ['platform', 'outcome'] as const,
  registers: [registry],
});

/** One planning pass of the scheduler (every tenant), seconds. */
export const planningDuration = new client.Histogram({
  name: 'soudan_planning_pass_duration_seconds',
  help: 'Duration of one planning pass over every tenant',
  buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600],
  registers: [registry],
});

/** Webhook routes: their 4xx answers are refusals worth counting. */
export const WEBHOOK_ROUTES = new Set(['/slack/events', '/line/webhook', '/lineworks/callback']);

/**
 * Gauges read from PostgreSQL when scraped: the outbox by status and platform, and this
 * database's connections by application name (the pools of every instance). `read` runs the
 * queries; a failing read leaves the gauges as they were.
 */
const outboxGauge = new client.Gauge({
  name: 'soudan_outbox_deliveries',
  help: 'Outbox rows by status (pending, dead) and platform',
  labelNames: ['status', 'platform'] as const,
  registers: [registry],
});
const connectionsGauge = new client.Gauge({
  name: 'soudan_db_connections',
  help: "This database's connections by application name",
  labelNames: ['application'] as const,
  registers: [registry],
});

export function databaseGauges(
  read: () => Promise<{ outbox: { status: string; platform: string; n: number }[]; connections: { app: string; n: number }[] }>,
): void {
  current = async () => {
    const r = await read();
    outboxGauge.reset();
    for (const o of r.outbox) outboxGauge.set({ status: o.status, platform: o.platform }, o.n);
    connectionsGauge.reset();
    for (const c of r.connections) connectionsGauge.set({ application: c.app }, c.n);
  };
}
let current: (() => Promise<void>) | null = null;

/** The exposition text, database gauges refreshed first (within 1 s, else as last read). */
export async function metricsText(): Promise<string> {
  if (current) {
    const refresh = current().catch(() => {});
    await Promise.race([refresh, new Promise((r) => setTimeout(r, 1000).unref())]);
  }
  return registry.metrics();
}

export const METRICS_CONTENT_TYPE = registry.contentType;
