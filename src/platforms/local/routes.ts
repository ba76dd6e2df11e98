import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { projectPath } from '../../../db/project-root';
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client';
import { offices, staff, tenants } from '../../../db/schema/index';
import { dispatch } from '../../chat/dispatch';
import { parseChatLine, UNKNOWN_COMMAND_MESSAGE } from '../../chat/parse';
import type { CommandRegistry } from '../../chat/registry';
import { textReply } from '../../chat/replies';
import type { Input } from '../../chat/types';
import { ROLE_LABELS, type Role } from '../../core/actor';
import { actorForStaff } from '../../core/staff/actor';
import { isLoopback, type Config } from '../../config';
import { json, text, type HttpRequest, type HttpResponse, type HttpServer, type RouteHandler } from '../../http/server';
import { log } from '../../log';
import { channelPostsOf, inboxOf, markSent } from '../../scheduler/outbox';
import { inboxView } from './inbox-view';
import { linkSecret } from '../webform/token';

const here = projectPath('src', 'platforms', 'local');
const asset = (name: string) => fs.readFileSync(path.join(here, 'web', name));

const inputSchema = z.object({
  staffId: z.uuid(),
  input: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('line'), line: z.string().max(10_000) }),
    z.object({ kind: z.literal('action'), id: z.string().max(100), value: z.string().max(300) }),
    z.object({
      kind: z.literal('form'),
      formId: z.string().max(100),
      values: z.record(z.string(), z.union([z.string().max(20_000), z.array(z.string().max(500)).max(50)])),
      context: z.string().max(300).optional(),
    }),
  ]),
});

export interface LocalChatDeps {
  db: Db;
  registry: CommandRegistry;
  now: () => Date;
  /** HOST, and the secret the page's session token is signed with (LINK_SECRET or the process's own). */
  config: Pick<Config, 'HOST' | 'LINK_SECRET'>;
  /** The port the server really listens on (PORT may be 0): the Host check needs it. */
  port: () => number | undefined;
}

/** The header the page's script sends its session token in (a cross-site form cannot set one). */
export const TOKEN_HEADER = 'x-local-chat-token';
/** Why 12 hours: a working day with the page left open; a reload issues a fresh token. */
const TOKEN_TTL_MS = 12 * 60 * 60 * 1000;
const TOKEN_META = '<meta name="local-chat-token" content="">';

const sign = (secret: string, body: string) => createHmac('sha256', secret).update(`local-chat:v1:${body}`).digest('base64url');

/** `<issued, unix seconds>.<random>.<HMAC>`: stateless, so any instance can check it. */
export function issueToken(secret: string, now: Date): string {
  const body = `${Math.floor(now.getTime() / 1000)}.${randomBytes(18).toString('base64url')}`;
  return `${body}.${sign(secret, body)}`;
}

function tokenValid(secret: string, token: string, now: Date): boolean {
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m?.[1] || !m[2] || !m[3]) return false;
  const expected = Buffer.from(sign(secret, `${m[1]}.${m[2]}`));
  const given = Buffer.from(m[3]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
  return Math.abs(now.getTime() - Number(m[1]) * 1000) <= TOKEN_TTL_MS;
}

/** The Host values the chat answers to: HOST:port, and the other loopback names for the same port. */
function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set([host.includes(':') && !host.startsWith('[') ? `[${host}]` : host]);
  if (isLoopback(host)) for (const n of ['127.0.0.1', 'localhost', '[::1]']) names.add(n);
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${n.toLowerCase()}:${port}`);
    if (port === 80) out.add(n.toLowerCase());
  }
  return out;
}

type Refusal = 'host' | 'origin' | 'fetch_site' | 'token' | 'content_type';

const REFUSED: Record<Refusal, string> = {
  host: 'このアドレスではローカルチャットを開けません。http://127.0.0.1 のアドレスで開いてください。',
  origin: '別のページからの操作は受け付けていません。ローカルチャットの画面から操作してください。',
  fetch_site: '別のページからの操作は受け付けていません。ローカルチャットの画面から操作してください。',
  token: '画面の有効期限が切れたか、別のページからの操作です。ページを再読み込みしてから、もう一度操作してください。',
  content_type: '入力の形式が正しくありません。ページを再読み込みしてください。',
};

/**
 * The embedded web chat: pick a staff member and use every command, with no chat account. It
 * has no login, so app.ts mounts it only on a loopback address (and not under NODE_ENV=production
 * unless LOCAL_CHAT=on). Loopback alone is not a boundary: any page the browser opens can send
 * requests to 127.0.0.1, and a DNS-rebound name reaches it as the same origin. So every route
 * checks the Host header exactly (DNS rebinding), the API refuses another Origin and any
 * cross-site or same-site fetch (another port of 127.0.0.1 is the same site), and every API call
 * carries the session token the page was served with, in a header (a cross-site form or
 * `text/plain` POST cannot send one, nor read the page to learn it).
 */
export function mountLocalChat(server: HttpServer, deps: LocalChatDeps): void {
  const secret = linkSecret(deps.config);
  const page = asset('index.html').toString('utf8');
  if (!page.includes(TOKEN_META)) throw new Error('local chat page lacks its token placeholder');
  const script = asset('app.js');
  const style = asset('app.css');

  const refuse = (req: HttpRequest, reason: Refusal): HttpResponse => {
    log.warn({ path: req.path, reason }, 'local chat request refused');
    return req.path.startsWith('/local/api/') ? json(403, { error: REFUSED[reason] }) : text(403, REFUSED[reason]);
  };
  const hostOk = (req: HttpRequest): boolean => {
    const port = deps.port();
    const host = typeof req.headers.host === 'string' ? req.headers.host.toLowerCase() : '';
    return port !== undefined && allowedHosts(deps.config.HOST, port).has(host);
  };
  /** Every API call: exact Host, same Origin, a same-origin fetch, the page's token. */
  const apiRefusal = (req: HttpRequest): Refusal | null => {
    if (!hostOk(req)) return 'host';
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host?.toLowerCase()}`) return 'origin';
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return 'fetch_site';
    const token = req.headers[TOKEN_HEADER];
    if (typeof token !== 'string' || !tokenValid(secret, token, deps.now())) return 'token';
    if (req.method === 'POST' && !/^application\/json(;|$)/i.test(String(req.headers['content-type'] ?? ''))) return 'content_type';
    return null;
  };
  const api =
    (handler: RouteHandler): RouteHandler =>
    async (req) => {
      const refused = apiRefusal(req);
      return refused ? refuse(req, refused) : handler(req);
    };
  const staticFile =
    (body: Buffer, type: string): RouteHandler =>
    async (req) =>
      hostOk(req) ? { status: 200, headers: { 'content-type': type, 'cache-control': 'no-cache' }, body } : refuse(req, 'host');

  // The page carries a fresh token each time it is served: one per opened page (session).
  server.add({
    method: 'GET',
    path: '/',
    handler: async (req) => {
      if (!hostOk(req)) return refuse(req, 'host');
      const body = page.replace(TOKEN_META, `<meta name="local-chat-token" content="${issueToken(secret, deps.now())}">`);
      return {
        status: 200,
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
          'x-frame-options': 'DENY',
          'content-security-policy': "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        },
        body,
      };
    },
  });
  server.add({ method: 'GET', path: '/local/app.js', handler: staticFile(script, 'text/javascript; charset=utf-8') });
  server.add({ method: 'GET', path: '/local/render.js', handler: staticFile(asset('render.js'), 'text/javascript; charset=utf-8') });
  server.add({ method: 'GET', path: '/local/app.css', handler: staticFile(style, 'text/css; charset=utf-8') });

  server.add({
    method: 'GET',
    path: '/local/api/staff',
    handler: api(async () => {
      const rows = await deps.db
        .select({
          id: staff.id,
          name: staff.name,
          roles: staff.roles,
          office: offices.name,
          officeKind: offices.kind,
          tenant: tenants.name,
        })
        .from(staff)
        .innerJoin(offices, eq(offices.id, staff.officeId))
        .innerJoin(tenants, eq(tenants.id, staff.tenantId))
        .where(eq(staff.active, true))
        .orderBy(asc(tenants.name), asc(offices.name), asc(staff.kana));
      const menu = deps.registry
        .all()
        .filter((c) => c.menu)
        .map((c) => ({ id: c.id, label: c.label }));
      // Role names as everywhere else (ROLE_LABELS), not a second list in the page's script.
      return json(200, { staff: rows.map((r) => ({ ...r, roleLabels: r.roles.map((x) => ROLE_LABELS[x as Role] ?? x) })), menu });
    }),
  });

  server.add({
    method: 'POST',
    path: '/local/api/input',
    maxBody: 256 * 1024,
    handler: api(async (req) => {
      let body: unknown;
      try {
        body = JSON.parse(req.body.toString('utf8'));
      } catch {
        return json(400, { error: 'JSONとして読めませんでした。' });
      }
      const parsed = inputSchema.safeParse(body);
      if (!parsed.success) return json(400, { error: '入力の形式が正しくありません。' });
      const actor = await actorForStaff(deps.db, parsed.data.staffId, 'local');
      if (!actor) return json(404, { error: 'その職員は登録されていません。' });
      const raw = parsed.data.input;
      let input: Input;
      if (raw.kind === 'line') {
        // A bare name or case code is a case lookup (parseChatLine).
        const cmd = parseChatLine(deps.registry, raw.line);
        if (!cmd) return json(200, { replies: [textReply(UNKNOWN_COMMAND_MESSAGE)] });
        input = cmd;
      } else if (raw.kind === 'action') input = { kind: 'action', id: raw.id, value: raw.value };
      else input = { kind: 'form', formId: raw.formId, values: raw.values, context: raw.context };
      const result = await dispatch({ db: deps.db, registry: deps.registry, now: deps.now }, actor, input);
      return json(200, result);
    }),
  });

  server.add({
    method: 'GET',
    path: '/local/api/inbox',
    handler: api(async (req) => {
      const staffId = z.uuid().safeParse(req.query.get('staffId'));
      if (!staffId.success) return json(400, { error: 'staffId が必要です。' });
      const actor = await actorForStaff(deps.db, staffId.data, 'local');
      if (!actor) return json(404, { error: 'その職員は登録されていません。' });
      const items = await inboxOf(deps.db, actor.tenantId, actor.staffId);
      // Shown here is delivered here: the local chat is this staff member's platform.
      await markSent(
        deps.db,
        items.filter((i) => i.status === 'pending').map((i) => i.id),
        deps.now(),
      );
      return json(200, { items: await inboxView(deps.db, actor.tenantId, items, deps.now()) });
    }),
  });

  // The tenant's shared channels (e.g. the 基幹's queue): what everyone in the channel would see.
  server.add({
    method: 'GET',
    path: '/local/api/channel',
    handler: api(async (req) => {
      const staffId = z.uuid().safeParse(req.query.get('staffId'));
      if (!staffId.success) return json(400, { error: 'staffId が必要です。' });
      const actor = await actorForStaff(deps.db, staffId.data, 'local');
      if (!actor) return json(404, { error: 'その職員は登録されていません。' });
      return json(200, { items: await channelPostsOf(deps.db, actor.tenantId) });
    }),
  });
}
