/**
 * A fake chat platform on 127.0.0.1 that records every message it accepts and can be told to
 * answer 429 (with Retry-After) or 500, and a PlatformSender that posts to it. Used by the
 * scheduler tests, the three-process test and the benchmarks.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Destination, PlatformSender, SendResult } from '../../src/chat/adapter';
import type { Platform, Reply } from '../../src/chat/types';

export interface Received {
  key: string;
  to: Destination;
  summary: string;
  at: number;
}

export interface Rule {
  /** Answer this status while `times` lasts (Infinity = always). */
  status: 429 | 500 | 400;
  times: number;
  retryAfterSeconds?: number;
  /** Only for messages whose summary or destination user matches. */
  match?: (body: { key: string; to: Destination; summary: string }) => boolean;
}

export class FakePlatform {
  readonly received: Received[] = [];
  requests = 0;
  /**
   * Sends of a key it had already accepted, answered 409 like LINE's X-Line-Retry-Key: the
   * user sees the message once. Only a sender that crashed after the platform accepted a
   * message, before it could record that, sends it again.
   */
  resendsAbsorbed = 0;
  /** Messages accepted (shown), with `keepMessages` off too. */
  acceptedCount = 0;
  /**
   * Off: `received` stays empty (a benchmark's million messages); keys and counts are still
   * kept, and `onAccept` still sees each message.
   */
  keepMessages = true;
  /** Called when a message is accepted (shown), with its key and the arrival time. */
  onAccept: ((key: string, at: number) => void) | null = null;
  private readonly accepted = new Map<string, string>();
  /** Answer this much later (a slow platform, so that sends are in flight when a test interferes). */
  delayMs = 0;
  private rules: Rule[] = [];
  private server: http.Server | null = null;
  url = '';

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void this.answer(chunks, res));
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private async answer(chunks: Buffer[], res: http.ServerResponse): Promise<void> {
    this.requests++;
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { key: string; to: Destination; summary: string };
    const rule = this.rules.find((r) => r.times > 0 && (!r.match || r.match(body)));
    const earlier = this.accepted.get(body.key);
    if (!rule && earlier === undefined) {
      // Accepted on arrival: the user sees it even if the sender dies before the answer.
      const at = Date.now();
      if (this.keepMessages) this.received.push({ key: body.key, to: body.to, summary: body.summary, at });
      this.acceptedCount++;
      this.accepted.set(body.key, `m${this.acceptedCount}`);
      this.onAccept?.(body.key, at);
    }
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (earlier !== undefined && !rule) {
      this.resendsAbsorbed++;
      res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: 'already accepted', ts: earlier }));
      return;
    }
    if (rule) {
      rule.times--;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (rule.retryAfterSeconds !== undefined) headers['retry-after'] = String(rule.retryAfterSeconds);
      res.writeHead(rule.status, headers).end(JSON.stringify({ ok: false, error: `fake ${rule.status}` }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, ts: this.accepted.get(body.key) }));
  }

  addRule(rule: Rule): void {
    this.rules.push(rule);
  }

  /** Whether a message with this key was accepted. */
  has(key: string): boolean {
    return this.accepted.has(key);
  }

  /** How many times each key was accepted. */
  counts(): Map<string, number> {
    const m = new Map<string, number>();
    for (const r of this.received) m.set(r.key, (m.get(r.key) ?? 0) + 1);
    return m;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A sender for `platform` that posts each message to the fake platform's URL. */
export function httpSender(platform: Platform, url: string): PlatformSender {
  // node:http with keep-alive rather than fetch(): fetch's web streams cost a worker more CPU per
  // message than the whole queue layer (profiled in bench:delivery), which would measure the test
  // double instead of the queue.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL('/send', url);
  const post = (payload: string) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request(
        target,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return {
    platform,
    async send(to: Destination, reply: Reply, idempotencyKey: string): Promise<SendResult> {
      const res = await post(JSON.stringify({ key: idempotencyKey, to, summary: reply.summary }));
      const body = JSON.parse(res.body) as { ok: boolean; ts?: string; error?: string };
      const ok = res.status >= 200 && res.status < 300;
      if (ok && body.ok) return { ok: true, messageId: body.ts };
      // The platform already has this key (an earlier attempt that died before recording it).
      if (res.status === 409) return { ok: true, messageId: body.ts };
      if (res.status === 429)
        return { ok: false, error: 'rate limited', permanent: false, retryAfterMs: Number(res.headers['retry-after'] ?? '1') * 1000 };
      return { ok: false, error: `HTTP ${res.status}: ${body.error ?? ''}`, permanent: res.status >= 400 && res.status < 500 };
    },
  };
}
