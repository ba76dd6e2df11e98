import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../../db/client';
import type { Platform } from '../../core/actor';
import type { Config } from '../../config';
import { isUserError } from '../../core/errors';
import { exportPerson, exportTenant, isExportFormat } from '../../core/export/export';
import { claimExportLink } from '../../core/export/links';
import { actorForStaff } from '../../core/staff/actor';
import { text, type HttpServer } from '../server';
import { log } from '../../log';
import { serverSecret } from '../../core/server-secret';
import { mountCalendar } from './calendar';
import { mountCharts } from './charts';
import { publicBase, publicUrl, setPublicBase } from './public-url';

const EXPORT_PATH = '/export';

let current: { secret: string } | null = null;

const sign = (secret: string, body: string) => createHmac('sha256', secret).update(`export-link:v1:${body}`).digest('base64url');

/** The URL of a download: signed (id and expiry), short-lived; the database makes it single-use. */
export function exportUrl(id: string, expiresAt: Date): string {
  const secret = current?.secret;
  if (!secret) throw new Error('export routes are not mounted');
  const body = `${id}.${Math.floor(expiresAt.getTime() / 1000)}`;
  return publicUrl(`${EXPORT_PATH}?t=${body}.${sign(secret, body)}`);
}

function readToken(secret: string, token: string, now: Date): string | null {
  const m = /^([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m?.[1] || !m[2] || !m[3]) return null;
  const expected = Buffer.from(sign(secret, `${m[1]}.${m[2]}`));
  const given = Buffer.from(m[3]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  return Number(m[2]) * 1000 > now.getTime() ? m[1] : null;
}

const GONE = 'このリンクは使用済みか期限切れです。チャットでもう一度「出力」してください。';

/**
 * GET /export?t=<token>: the file an asker requested in chat. The export is made at download time
 * under the asker's rights at that moment (a staff member removed since gets nothing), audited.
 */
export function mountExport(
  http: HttpServer,
  deps: { db: Db; config: Pick<Config, 'LINK_SECRET' | 'PUBLIC_BASE_URL' | 'HOST'>; now: () => Date; port?: () => number | undefined },
): void {
  const secret = serverSecret(deps.config.LINK_SECRET); // the same secret as the web form links (platforms/webform/token.ts linkSecret)
  current = { secret };
  setPublicBase(publicBase(deps.config, deps.port ?? (() => http.address()?.port)));
  // The other outputs people open from chat: indicator charts, calendars.
  mountCharts(http, { db: deps.db, secret, now: deps.now });
  mountCalendar(http, { db: deps.db, secret, now: deps.now });
  http.add({
    method: 'GET',
    path: EXPORT_PATH,
    handler: async (req) => {
      const now = deps.now();
      const id = readToken(secret, req.query.get('t') ?? '', now);
      if (!id) return text(404, GONE);
      // HEAD is what link previewers (chat unfurlers, mail scanners) send: it must neither use the
      // link up nor build (and audit) an export. The signature was checked; nothing else is told.
      if (req.method === 'HEAD')
        return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } };
      const link = await claimExportLink(deps.db, id, now);
      if (!link) return text(410, GONE);
      const actor = await actorForStaff(deps.db, link.staffId, (link.platform ?? 'local') as Platform);
      if (!actor || actor.tenantId !== link.tenantId) return text(403, 'この出力を受け取る権限がありません。');
      try {
        const format = link.format;
        if (!isExportFormat(format)) return text(410, GONE);
        const f =
          link.scope === 'person' && link.subjectId
            ? await exportPerson(deps.db, actor, link.subjectId, format, now)
            : await exportTenant(deps.db, actor, link.tenantId, format, now, actor.platform);
        return {
          status: 200,
          headers: {
            'content-type': f.contentType,
            'content-disposition': `${f.inline ? 'inline' : 'attachment'}; filename="${f.filename.replace(/[^\w.-]/g, '_')}"`,
            'cache-control': 'no-store',
            'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
            'referrer-policy': 'no-referrer',
          },
          body: f.body,
        };
      } catch (e) {
        if (isUserError(e)) return text(403, e.userMessage);
        log.error({ link: link.id, err: e }, 'export failed');
        return text(500, 'internal error');
      }
    },
  });
}
