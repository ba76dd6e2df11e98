/**
 * The one-time browser form: `GET /form?t=<token>` shows a chat form in the phone's browser,
 * `POST /form/submit?t=<token>` dispatches it as the staff member the link is bound to, through
 * the same handler as the chat. (The HTTP server routes exact paths, so the token is a query
 * parameter rather than a path segment.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectPath } from '../../../db/project-root';
import { z } from 'zod';
import type { Db } from '../../../db/client';
import { cancelDialogue } from '../../chat/dialogue/engine';
import { dispatch } from '../../chat/dispatch';
import type { CommandRegistry } from '../../chat/registry';
import type { Platform } from '../../chat/types';
import type { Config } from '../../config';
import { actorForStaff } from '../../core/staff/actor';
import { json, type HttpServer, type HttpResponse } from '../../http/server';
import { log } from '../../log';
import { claimFormLink, findFormLink, releaseFormLink } from './links';
import { formPage, problemPage, PROBLEM_MESSAGES, SECURITY_HEADERS, type LinkProblem } from './page';

const here = projectPath('src', 'platforms', 'webform');

export interface WebFormDeps {
  db: Db;
  registry: CommandRegistry;
  config: Pick<Config, 'LINK_SECRET'>;
  now: () => Date;
}

const submitSchema = z.object({
  values: z.record(z.string().max(100), z.union([z.string().max(20_000), z.array(z.string().max(500)).max(50)])),
});

const answer = (status: number, body: unknown): HttpResponse => json(status, body, SECURITY_HEADERS);
const problemJson = (p: LinkProblem) => answer(PROBLEM_MESSAGES[p].status, { error: PROBLEM_MESSAGES[p].text });

export function mountWebForm(server: HttpServer, deps: WebFormDeps): void {
  const asset = (file: string, type: string) => {
    const body = fs.readFileSync(file);
    return async (): Promise<HttpResponse> => ({ status: 200, headers: { 'content-type': type, 'cache-control': 'no-cache' }, body });
  };
  const js = 'text/javascript; charset=utf-8';
  server.add({ method: 'GET', path: '/form/assets/form.js', handler: asset(path.join(here, 'web', 'form.js'), js) });
  server.add({
    method: 'GET',
    path: '/form/assets/form.css',
    handler: asset(path.join(here, 'web', 'form.css'), 'text/css; charset=utf-8'),
  });
  // The local chat's renderer, so a form looks and validates the same in both places.
  server.add({ method: 'GET', path: '/form/assets/render.js', handler: asset(path.join(here, '..', 'local', 'web', 'render.js'), js) });

  const now = () => deps.now();

  server.add({
    method: 'GET',
    path: '/form',
    handler: async (req) => {
      const found = await findFormLink(deps.db, deps.config, req.query.get('t') ?? '', now());
      if (!found.ok) return problemPage(found.reason);
      return formPage(found.link.form);
    },
  });

  server.add({
    method: 'POST',
    path: '/form/submit',
    maxBody: 256 * 1024,
    handler: async (req) => {
      const at = now();
      const found = await findFormLink(deps.db, deps.config, req.query.get('t') ?? '', at);
      if (!found.ok) return problemJson(found.reason);
      const link = found.link;
      let body: unknown;
      try {
        body = JSON.parse(req.body.toString('utf8'));
      } catch {
        return answer(400, { error: '送信内容を読めませんでした。ページを開き直してください。' });
      }
      const parsed = submitSchema.safeParse(body);
      if (!parsed.success) return answer(400, { error: '送信内容の形式が正しくありません。ページを開き直してください。' });
      const base = await actorForStaff(deps.db, link.staffId, link.platform as Platform);
      if (!base || base.tenantId !== link.tenantId) return problemJson('unknown_staff');
      const actor = { ...base, platformUserId: link.platformUserId };
      // Only the form's own fields are taken: the page cannot add values the chat could not.
      const names = new Set(link.form.fields.map((f) => f.name));
      const values = Object.fromEntries(Object.entries(parsed.data.values).filter(([k]) => names.has(k)));

      if (!(await claimFormLink(deps.db, link.id, at))) return problemJson('used');
      const result = await dispatch({ db: deps.db, registry: deps.registry, now: () => at }, actor, {
        kind: 'form',
        formId: link.form.formId,
        values,
        context: link.form.context,
      });
      if (result.fieldErrors || result.errorId) {
        await releaseFormLink(deps.db, link.id);
        return answer(200, result);
      }
      if (link.dialogue) {
        await cancelDialogue(deps.db, {
          platform: link.dialogue.platform as Platform,
          workspaceId: link.dialogue.workspaceId,
          userId: link.dialogue.userId,
        });
      }
      log.info({ tenant: link.tenantId, staff: link.staffId, form: link.form.formId, link: link.id }, 'browser form submitted');
      return answer(200, { replies: result.replies });
    },
  });
}
