import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signSlackRequest } from '../../src/platforms/slack/verify';

/** One request the bot made to "Slack": a Web API method, or a post to a response_url. */
export interface SlackCall {
  /** `chat.postMessage`, … or `response_url` */
  method: string;
  /** For response_url calls: the hook's name (`/hooks/<name>`). */
  hook?: string;
  /** Bearer token used (Web API). */
  token?: string;
  body: Record<string, unknown>;
  at: number;
}

function parseBody(raw: string, type: string): Record<string, unknown> {
  if (type.includes('application/json')) return JSON.parse(raw || '{}') as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    // The Web API client sends objects (blocks, view) as JSON strings inside the form.
    out[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
  }
  return out;
}

/**
 * A fake Slack on loopback: the Web API under `/api/` and response_urls under `/hooks/`. It
 * records every call and answers like Slack; `rateLimit` and `fail` script errors.
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  private server: http.Server | null = null;
  private base = '';
  private ts = 1_700_000_000;
  private readonly scripted = new Map<string, { status?: number; retryAfter?: number; error?: string; times: number }[]>();
  /** What apps.connections.open answers as the Socket Mode URL (set by Socket Mode tests). */
  socketUrl = '';
  /** What oauth.v2.access answers (set by OAuth tests). */
  oauthAnswer: Record<string, unknown> = {};

  get url(): string {
    return this.base;
  }
  get apiUrl(): string {
    return `${this.base}/api/`;
  }
  hook(name: string): string {
    return `${this.base}/hooks/${name}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.answer(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  /** The next `times` calls of `method` answer 429 with Retry-After. */
  rateLimit(method: string, retryAfterSeconds: number, times = 1): void {
    this.push(method, { status: 429, retryAfter: retryAfterSeconds, times });
  }

  /** The next `times` calls of `method` answer `{ ok: false, error }`. */
  fail(method: string, error: string, times = 1): void {
    this.push(method, { error, times });
  }

  private push(method: string, s: { status?: number; retryAfter?: number; error?: string; times: number }): void {
    this.scripted.set(method, [...(this.scripted.get(method) ?? []), s]);
  }

  of(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  clear(): void {
    this.calls.length = 0;
  }

  /** Waits until a call matching `pred` has been recorded (the bot answers after acknowledging). */
  async waitFor(pred: (c: SlackCall) => boolean, timeoutMs = 10_000): Promise<SlackCall> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.calls.find(pred);
      if (hit) return hit;
      if (Date.now() > until) throw new Error(`no matching Slack call; got: ${this.calls.map((c) => c.method).join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private answer(req: http.IncomingMessage, raw: string, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.base);
    const body = parseBody(raw, String(req.headers['content-type'] ?? ''));
    const send = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    if (url.pathname.startsWith('/hooks/')) {
      this.calls.push({ method: 'response_url', hook: url.pathname.slice('/hooks/'.length), body, at: Date.now() });
      return send(200, { ok: true });
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const auth = String(req.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : typeof body.token === 'string' ? body.token : undefined;
    this.calls.push({ method, token, body, at: Date.now() });
    const queue = this.scripted.get(method);
    const script = queue?.[0];
    if (script && queue) {
      script.times -= 1;
      if (script.times <= 0) queue.shift();
      if (script.status === 429) return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(script.retryAfter ?? 1) });
      return send(200, { ok: false, error: script.error });
    }
    const ts = `${this.ts++}.000100`;
    switch (method) {
      case 'auth.test':
        return send(200, { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0' });
      case 'conversations.open':
        return send(200, { ok: true, channel: { id: `D${String(body.users ?? '').replace(/^U/, '')}` } });
      case 'chat.postMessage':
      case 'chat.update':
        return send(200, { ok: true, channel: body.channel, ts: method === 'chat.update' ? body.ts : ts });
      case 'views.open':
      case 'views.publish':
      case 'views.update':
        return send(200, { ok: true, view: { id: `V${ts}` } });
      case 'apps.connections.open':
        return send(200, { ok: true, url: this.socketUrl });
      case 'oauth.v2.access':
        return send(200, { ok: true, ...this.oauthAnswer });
      default:
        return send(200, { ok: true });
    }
  }
}

export interface SignedOptions {
  /** Seconds since the epoch written in the timestamp header (default: now). */
  timestamp?: number;
  /** Replace the signature (forgery tests). */
  signature?: string;
  headers?: Record<string, string>;
}

/** POSTs a body to /slack/events signed as Slack signs it. */
export async function postSigned(
  appUrl: string,
  secret: string,
  rawBody: string,
  contentType: string,
  o: SignedOptions = {},
): Promise<Response> {
  const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(`${appUrl}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': o.signature ?? signSlackRequest(secret, timestamp, rawBody),
      ...o.headers,
    },
    body: rawBody,
  });
}

/** Slash command bodies are form-encoded. */
export function slashBody(p: {
  team: string;
  user: string;
  command: string;
  text?: string;
  responseUrl: string;
  triggerId?: string;
  channel?: string;
}): string {
  return new URLSearchParams({
    token: 'deprecated',
    team_id: p.team,
    team_domain: 'example',
    channel_id: p.channel ?? 'C0PUBLIC',
    channel_name: 'general',
    user_id: p.user,
    user_name: 'someone',
    command: p.command,
    text: p.text ?? '',
    api_app_id: 'A0APP',
    response_url: p.responseUrl,
    trigger_id: p.triggerId ?? `trig-${Math.random().toString(36).slice(2)}`,
  }).toString();
}

/** Interactivity payloads are form-encoded with one `payload` field of JSON. */
export function interactionBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';
