/**
 * A fake LINE WORKS on 127.0.0.1 (random port): the token endpoint (checks the service-account
 * JWT with the public key) and the Bot API (checks the bearer token), recording every request.
 * Tests can make it refuse the key, expire or revoke tokens, answer 429, or be slow.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { signBody } from '../../src/platforms/lineworks/verify';

export interface RecordedMessage {
  botId: string;
  kind: 'user' | 'channel';
  to: string;
  content: Record<string, unknown> & { type: string };
  token: string;
}

export interface FakeLineWorksOptions {
  clientId?: string;
  clientSecret?: string;
  serviceAccount?: string;
}

export interface FakeLineWorks {
  url: string;
  apiUrl: string;
  authUrl: string;
  privateKeyPem: string;
  clientId: string;
  clientSecret: string;
  serviceAccount: string;
  tokenRequests: { iss: string; sub: string; scope: string }[];
  messages: RecordedMessage[];
  menus: unknown[];
  /** Every API request (not the token endpoint), including refused ones. */
  apiRequests: { path: string; status: number }[];
  /** Token lifetime handed out, in seconds. */
  tokenExpiresIn: number;
  /** Delay before the token endpoint answers (to make concurrent callers overlap). */
  tokenDelayMs: number;
  /** The key registered for the service account; replace it to make the real key be refused. */
  publicKey: KeyObject;
  revoke(token: string): void;
  /** The next `n` API calls answer `status` (e.g. 429 with Retry-After). */
  failNext(n: number, status: number, headers?: Record<string, string>): void;
  waitForMessages(count: number, timeoutMs?: number): Promise<RecordedMessage[]>;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startFakeLineWorks(opts: FakeLineWorksOptions = {}): Promise<FakeLineWorks> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const issued = new Set<string>();
  const revoked = new Set<string>();
  let tokenSeq = 0;
  const forced: { status: number; headers: Record<string, string> }[] = [];

  const fake: FakeLineWorks = {
    url: '',
    apiUrl: '',
    authUrl: '',
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    clientId: opts.clientId ?? 'client-1',
    clientSecret: opts.clientSecret ?? 'client-secret-1',
    serviceAccount: opts.serviceAccount ?? 'bot.serviceaccount@example.co.jp',
    tokenRequests: [],
    messages: [],
    menus: [],
    apiRequests: [],
    tokenExpiresIn: 86_400,
    tokenDelayMs: 0,
    publicKey,
    revoke: (t) => revoked.add(t),
    failNext(n, status, headers = {}) {
      for (let i = 0; i < n; i++) forced.push({ status, headers });
    },
    async waitForMessages(count, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (fake.messages.length < count) {
        if (Date.now() > until)
          throw new Error(
            `expected ${count} LINE WORKS messages, got ${fake.messages.length}: ${JSON.stringify(fake.messages.map((m) => m.content))}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
      return fake.messages;
    },
    close: async () => {},
  };

  async function token(req: http.IncomingMessage, res: http.ServerResponse) {
    const form = new URLSearchParams(await readBody(req));
    if (fake.tokenDelayMs > 0) await new Promise((r) => setTimeout(r, fake.tokenDelayMs));
    const refuse = (status: number, error: string, description: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error, error_description: description }));
    };
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      return refuse(400, 'unsupported_grant_type', 'grant_type');
    if (form.get('client_id') !== fake.clientId || form.get('client_secret') !== fake.clientSecret)
      return refuse(401, 'invalid_client', 'client');
    try {
      const { payload, protectedHeader } = await jwtVerify(form.get('assertion') ?? '', fake.publicKey, { algorithms: ['RS256'] });
      if (protectedHeader.alg !== 'RS256' || payload.iss !== fake.clientId || payload.sub !== fake.serviceAccount)
        throw new Error('claims');
      if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number' || payload.exp - payload.iat > 3600)
        throw new Error('lifetime');
      fake.tokenRequests.push({ iss: String(payload.iss), sub: String(payload.sub), scope: form.get('scope') ?? '' });
    } catch {
      return refuse(400, 'invalid_grant', 'assertion rejected');
    }
    const access = `tok-${++tokenSeq}`;
    issued.add(access);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        access_token: access,
        refresh_token: `r-${tokenSeq}`,
        token_type: 'Bearer',
        scope: form.get('scope'),
        expires_in: String(fake.tokenExpiresIn),
      }),
    );
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, path: string) {
    const body = await readBody(req);
    const answer = (status: number, value: unknown = null, headers: Record<string, string> = {}) => {
      fake.apiRequests.push({ path, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(value === null ? '' : JSON.stringify(value));
    };
    const tok = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!issued.has(tok) || revoked.has(tok)) return answer(401, { code: 'UNAUTHORIZED', description: 'token' });
    const force = forced.shift();
    if (force) return answer(force.status, { code: force.status === 429 ? 'TOO_MANY_REQUESTS' : 'ERROR' }, force.headers);
    const m = /^\/v1\.0\/bots\/([^/]+)\/(users|channels)\/([^/]+)\/messages$/.exec(path);
    if (m) {
      const parsed = JSON.parse(body) as { content: RecordedMessage['content'] };
      fake.messages.push({
        botId: decodeURIComponent(m[1] ?? ''),
        kind: m[2] === 'users' ? 'user' : 'channel',
        to: decodeURIComponent(m[3] ?? ''),
        content: parsed.content,
        token: tok,
      });
      return answer(201);
    }
    if (/^\/v1\.0\/bots\/[^/]+\/persistentmenu$/.test(path)) {
      fake.menus.push(JSON.parse(body));
      return answer(201, JSON.parse(body));
    }
    return answer(404, { code: 'NOT_FOUND' });
  }

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const run = path === '/oauth2/v2.0/token' ? token(req, res) : api(req, res, path);
    run.catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${port}`;
  fake.apiUrl = `${fake.url}/v1.0`;
  fake.authUrl = `${fake.url}/oauth2/v2.0/token`;
  fake.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return fake;
}

/** Sends a callback as LINE WORKS would: raw JSON, signed with the bot secret. */
export async function postCallback(
  appUrl: string,
  body: unknown,
  opts: { botId: string; botSecret: string; signature?: string; raw?: string | Buffer },
): Promise<Response> {
  const raw = opts.raw ?? JSON.stringify(body);
  return fetch(`${appUrl}/lineworks/callback`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=UTF-8',
      'x-works-signature': opts.signature ?? signBody(raw, opts.botSecret),
      'x-works-botid': opts.botId,
    },
    body: typeof raw === 'string' ? raw : new Uint8Array(raw),
  });
}
