/**
 * Floor of the Slack webhook acknowledgement: a bare node:http server that checks the same
 * Slack signature (v0 HMAC-SHA256 over timestamp and raw body, five-minute window,
 * timing-safe compare), answers 200, and inserts one row (the event id into inbound_events, as
 * the product's event claim does after Bolt's acknowledgement) with bare postgres.js.
 * Run as its own process: `node --import tsx bench/floor/webhook-server.ts` with DATABASE_URL,
 * SLACK_SIGNING_SECRET, PORT; prints "listening on" when ready.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import postgres from 'postgres';

const secret = process.env.SLACK_SIGNING_SECRET ?? '';
const sql = postgres(process.env.DATABASE_URL ?? '', { max: Number(process.env.DB_POOL_MAX ?? 10), onnotice: () => {} });

function genuine(req: http.IncomingMessage, body: Buffer): boolean {
  const ts = req.headers['x-slack-request-timestamp'];
  const sig = req.headers['x-slack-signature'];
  if (typeof ts !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(ts)) return false;
  if (Math.abs(Math.floor(Date.now() / 1000) - Number(ts)) > 300) return false;
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${ts}:`).update(body).digest('hex')}`);
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (!genuine(req, body)) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end();
    let eventId: string = randomUUID();
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { event_id?: string; trigger_id?: string };
      eventId = parsed.event_id ?? eventId;
    } catch {
      // A slash command (form-encoded): its trigger id.
      eventId = `trigger:${new URLSearchParams(body.toString('utf8')).get('trigger_id') ?? eventId}`;
    }
    sql`insert into inbound_events (platform, event_id) values ('slack', ${eventId}) on conflict do nothing`.catch(() => {});
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const a = server.address();
  console.log(`listening on ${typeof a === 'object' && a ? a.port : '?'}`);
});
process.on('SIGTERM', () => {
  server.close();
  void sql.end({ timeout: 2 }).then(() => process.exit(0));
});
