import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client';
import { offices, staff, tenants } from '../../../db/schema/index';
import { dispatch } from '../../chat/dispatch';
import { parseCommandLine } from '../../chat/parse';
import type { CommandRegistry } from '../../chat/registry';
import { textReply } from '../../chat/replies';
import type { Input } from '../../chat/types';
import { actorForStaff } from '../../core/staff/actor';
import { json, type HttpServer, type HttpResponse } from '../../http/server';
import { channelPostsOf, inboxOf, markSent } from '../../scheduler/outbox';

const here = path.dirname(fileURLToPath(import.meta.url));
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
}

/**
 * The embedded web chat: pick a staff member and use every command, with no chat account. It
 * has no login, so main.ts mounts it only on a loopback address.
 */
export function mountLocalChat(server: HttpServer, deps: LocalChatDeps): void {
  const page = asset('index.html');
  const script = asset('app.js');
  const style = asset('app.css');
  const staticFile = (body: Buffer, type: string) => async (): Promise<HttpResponse> => ({
    status: 200,
    headers: { 'content-type': type, 'cache-control': 'no-cache' },
    body,
  });
  server.add({ method: 'GET', path: '/', handler: staticFile(page, 'text/html; charset=utf-8') });
  server.add({ method: 'GET', path: '/local/app.js', handler: staticFile(script, 'text/javascript; charset=utf-8') });
  server.add({ method: 'GET', path: '/local/render.js', handler: staticFile(asset('render.js'), 'text/javascript; charset=utf-8') });
  server.add({ method: 'GET', path: '/local/app.css', handler: staticFile(style, 'text/css; charset=utf-8') });

  server.add({
    method: 'GET',
    path: '/local/api/staff',
    handler: async () => {
      const rows = await deps.db
        .select({ id: staff.id, name: staff.name, roles: staff.roles, office: offices.name, officeKind: offices.kind, tenant: tenants.name })
        .from(staff)
        .innerJoin(offices, eq(offices.id, staff.officeId))
        .innerJoin(tenants, eq(tenants.id, staff.tenantId))
        .where(eq(staff.active, true))
        .orderBy(asc(tenants.name), asc(offices.name), asc(staff.kana));
      const menu = deps.registry.all().filter((c) => c.menu).map((c) => ({ id: c.id, label: c.label }));
      return json(200, { staff: rows, menu });
    },
  });

  server.add({
    method: 'POST',
    path: '/local/api/input',
    maxBody: 256 * 1024,
    handler: async (req) => {
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
        const cmd = parseCommandLine(deps.registry, raw.line);
        if (!cmd) {
          return json(200, { replies: [textReply('コマンドが分かりませんでした。「ヘルプ」と送ると使えるコマンドが表示されます。')] });
        }
        input = cmd;
      } else if (raw.kind === 'action') input = { kind: 'action', id: raw.id, value: raw.value };
      else input = { kind: 'form', formId: raw.formId, values: raw.values, context: raw.context };
      const result = await dispatch({ db: deps.db, registry: deps.registry, now: deps.now }, actor, input);
      return json(200, result);
    },
  });

  server.add({
    method: 'GET',
    path: '/local/api/inbox',
    handler: async (req) => {
      const staffId = z.uuid().safeParse(req.query.get('staffId'));
      if (!staffId.success) return json(400, { error: 'staffId が必要です。' });
      const actor = await actorForStaff(deps.db, staffId.data, 'local');
      if (!actor) return json(404, { error: 'その職員は登録されていません。' });
      const items = await inboxOf(deps.db, actor.tenantId, actor.staffId);
      // Shown here is delivered here: the local chat is this staff member's platform.
      await markSent(deps.db, items.filter((i) => i.status === 'pending').map((i) => i.id), deps.now());
      return json(200, { items });
    },
  });

  // The tenant's shared channels (e.g. the 基幹's queue): what everyone in the channel would see.
  server.add({
    method: 'GET',
    path: '/local/api/channel',
    handler: async (req) => {
      const staffId = z.uuid().safeParse(req.query.get('staffId'));
      if (!staffId.success) return json(400, { error: 'staffId が必要です。' });
      const actor = await actorForStaff(deps.db, staffId.data, 'local');
      if (!actor) return json(404, { error: 'その職員は登録されていません。' });
      return json(200, { items: await channelPostsOf(deps.db, actor.tenantId) });
    },
  });
}
