/**
 * A fake LINE Messaging API on 127.0.0.1 that records every request (headers included) and
 * behaves like LINE where the tests need it: reply tokens are single-use, a push repeating an
 * accepted X-Line-Retry-Key gets 409, and scripted failures (429, 400, 500) can be queued.
 */
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  // any: the parsed JSON LINE would receive, of many shapes; each test reads the fields it checks.
  body: any;
  status: number;
}

interface Scripted {
  path: string;
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export class FakeLineApi {
  readonly requests: RecordedRequest[] = [];
  private readonly scripted: Scripted[] = [];
  private readonly usedTokens = new Set<string>();
  private readonly retryKeys = new Set<string>();
  private server: http.Server | null = null;
  url = '';
  /** What GET /v2/bot/info answers as the bot's user id. */
  botUserId = 'Ubot';

  /**
   * Holds every answer until the returned function is called: the API is "slow", which the
   * webhook must not wait for.
   */
  hold(): () => void {
    let release = () => {};
    this.gate = new Promise<void>((r) => {
      release = () => {
        this.gate = null;
        r();
      };
    });
    return release;
  }

  /** Requests that arrived while answers were held. */
  waiting = 0;
  private gate: Promise<void> | null = null;

  /** The next request to `path` answers with this status (in order, once each). */
  failNext(path: string, status: number, body: unknown = { message: 'scripted failure' }, headers?: Record<string, string>): void {
    this.scripted.push({ path, status, body, headers });
  }

  /** Requests to one endpoint (`/v2/bot/message/reply`, `/v2/bot/message/push`). */
  calls(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path && r.status < 300);
  }

  /** Every message accepted for a recipient (push) or reply token, flattened. */
  // any: LINE message JSON of many shapes, read field by field in the tests.
  messagesTo(to: string): any[] {
    return this.calls('/v2/bot/message/push')
      .filter((r) => r.body.to === to)
      .flatMap((r) => r.body.messages);
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const gate = this.gate;
        if (!gate) return this.answer(req, raw, res);
        this.waiting++;
        void gate.then(() => {
          this.waiting--;
          this.answer(req, raw, res);
        });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private answer(req: http.IncomingMessage, raw: string, res: http.ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    let body: unknown = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = raw;
    }
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method: req.method ?? '', path, headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'application/json', 'x-line-request-id': randomUUID(), ...headers });
      res.end(JSON.stringify(payload));
    };
    if (req.headers.authorization !== 'Bearer test-access-token') return send(401, { message: 'Authentication failed' });
    const i = this.scripted.findIndex((s) => s.path === path);
    if (i >= 0) {
      const [s] = this.scripted.splice(i, 1);
      if (s) return send(s.status, s.body, s.headers);
    }
    const b = (body ?? {}) as { replyToken?: string; messages?: unknown[] };
    if (path === '/v2/bot/message/reply') {
      if (!b.replyToken || this.usedTokens.has(b.replyToken)) return send(400, { message: 'Invalid reply token' });
      this.usedTokens.add(b.replyToken);
      return send(200, { sentMessages: (b.messages ?? []).map(() => ({ id: randomUUID() })) });
    }
    if (path === '/v2/bot/message/push') {
      const key = req.headers['x-line-retry-key'];
      if (typeof key === 'string') {
        if (this.retryKeys.has(key))
          return send(409, { message: 'The retry key is already accepted' }, { 'x-line-accepted-request-id': randomUUID() });
        this.retryKeys.add(key);
      }
      return send(200, { sentMessages: (b.messages ?? []).map(() => ({ id: randomUUID() })) });
    }
    if (path === '/v2/bot/info') return send(200, { userId: this.botUserId, basicId: '@soudan', displayName: 'soudan-bot' });
    if (path === '/v2/bot/richmenu') return send(200, { richMenuId: 'richmenu-test-1' });
    if (/^\/v2\/bot\/richmenu\/[^/]+\/content$/.test(path) || /^\/v2\/bot\/user\/all\/richmenu\/[^/]+$/.test(path)) return send(200, {});
    return send(404, { message: 'Not found' });
  }

  /** Waits until `predicate` holds (LINE answers are sent after the webhook's 200). */
  async waitFor(predicate: () => boolean, what = 'LINE API calls'): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (predicate()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}; recorded: ${this.requests.map((r) => `${r.path} ${r.status}`).join(', ')}`);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** The body and x-line-signature LINE would send for these events. */
export function signedWebhook(secret: string, destination: string, events: object[]): { body: string; signature: string } {
  const body = JSON.stringify({ destination, events });
  return { body, signature: createHmac('sha256', secret).update(body).digest('base64') };
}

let seq = 0;
const base = (type: string, userId: string, extra: object, source?: object) => ({
  type,
  mode: 'active',
  timestamp: Date.now(),
  webhookEventId: `01TEST${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase(),
  deliveryContext: { isRedelivery: false },
  source: source ?? { type: 'user', userId },
  replyToken: randomUUID().replace(/-/g, ''),
  ...extra,
});

export const lineEvent = {
  text: (userId: string, text: string, source?: object) =>
    base('message', userId, { message: { id: String(seq), type: 'text', quoteToken: 'q', text } }, source),
  postback: (userId: string, data: string, params?: object) =>
    base('postback', userId, { postback: { data, ...(params ? { params } : {}) } }),
  follow: (userId: string) => base('follow', userId, { follow: { isUnblocked: false } }),
  /** The bot was added to a group: the event names the group, not a user. */
  join: (groupId: string) => base('join', '', {}, { type: 'group', groupId }),
};
