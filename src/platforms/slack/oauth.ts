import type { IncomingMessage, ServerResponse } from 'node:http';
import { InstallProvider, type InstallationStore } from '@slack/oauth';
import type { Db } from '../../../db/client';
import { workspaceTenant } from '../../core/staff/link';
import type { HttpRequest, HttpResponse, HttpServer } from '../../http/server';
import { log } from '../../log';
import { boltLogger } from './logger';
import { BOT_SCOPES } from './scopes';

export interface OAuthSettings {
  clientId: string;
  clientSecret: string;
  stateSecret: string;
  apiUrl: string;
}

/**
 * Collects what InstallProvider writes to a Node response, so that its handlers run on our
 * HTTP server's request → response routes. It uses only these four members.
 */
class ResponseRecorder {
  status = 200;
  headers: Record<string, string> = {};
  body = '';
  getHeader(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }
  setHeader(name: string, value: string | string[]): void {
    this.headers[name.toLowerCase()] = Array.isArray(value) ? value.join('\n') : value;
  }
  writeHead(status: number, headers?: Record<string, string>): void {
    this.status = status;
    for (const [k, v] of Object.entries(headers ?? {})) this.setHeader(k, v);
  }
  end(body?: string): void {
    this.body = body ?? '';
  }
  toResponse(): HttpResponse {
    return { status: this.status, headers: this.headers, body: this.body };
  }
}

function page(title: string, message: string): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
  return `<!doctype html><html lang="ja"><meta charset="utf-8"><title>${esc(title)}</title><body style="font-family:sans-serif;max-width:40em;margin:3em auto"><h1>${esc(title)}</h1><p>${esc(message)}</p></body></html>`;
}

/**
 * `/slack/install` (redirects to Slack's consent page, with a state cookie) and
 * `/slack/oauth_redirect` (exchanges the code, stores the installation encrypted). Installing
 * does not give access: an admin maps the workspace to a tenant (see docs/slack.md).
 */
export function mountOAuth(http: HttpServer, db: Db, store: InstallationStore, s: OAuthSettings): InstallProvider {
  const installer = new InstallProvider({
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    stateSecret: s.stateSecret,
    installationStore: store,
    directInstall: true,
    installUrlOptions: { scopes: [...BOT_SCOPES] },
    clientOptions: { slackApiUrl: s.apiUrl },
    logger: boltLogger('slack-oauth'),
  });
  // The recorder and a request carrying url and headers are all InstallProvider reads or writes.
  const asNode = (req: HttpRequest) => ({ url: `${req.path}?${req.query.toString()}`, headers: req.headers }) as unknown as IncomingMessage;
  const asRes = (r: ResponseRecorder) => r as unknown as ServerResponse;

  http.add({
    method: 'GET',
    path: '/slack/install',
    handler: async (req) => {
      const rec = new ResponseRecorder();
      await installer.handleInstallPath(asNode(req), asRes(rec));
      return rec.toResponse();
    },
  });
  http.add({
    method: 'GET',
    path: '/slack/oauth_redirect',
    handler: async (req) => {
      const rec = new ResponseRecorder();
      await installer.handleCallback(asNode(req), asRes(rec), {
        successAsync: async (installation, _opts, _req, res) => {
          const team = installation.team?.id ?? installation.enterprise?.id ?? '';
          const known = installation.team?.id ? await workspaceTenant(db, 'slack', installation.team.id) : null;
          log.info({ team, registered: known !== null }, 'slack app installed');
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(
            known
              ? page(
                  'インストールしました',
                  'soudan-bot をこのワークスペースにインストールしました。Slackに戻って /help をお試しください。',
                )
              : page(
                  'インストールしました（登録待ち）',
                  `管理者がこのワークスペース（ID: ${team}）を自治体に登録すると使えるようになります。`,
                ),
          );
        },
        failureAsync: async (error, _opts, _req, res) => {
          log.warn({ code: error.code }, 'slack app installation failed');
          res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
          res.end(page('インストールできませんでした', 'もう一度「インストール」からやり直してください。'));
        },
      });
      return rec.toResponse();
    },
  });
  return installer;
}
