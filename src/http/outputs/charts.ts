import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../../db/client';
import type { Actor } from '../../core/actor';
import { svgToPng } from '../../core/export/png';
import { indicatorChart } from '../../core/indicators/chart';
import { countIndicators, INDICATOR_ROLES, indicatorTargetsOf } from '../../core/indicators/count';
import { actorForStaff } from '../../core/staff/actor';
import { text, type HttpResponse, type HttpServer } from '../server';
import { log } from '../../log';
import { publicUrl } from './public-url';

const CHART_SVG_PATH = '/chart/indicators.svg';
const CHART_PNG_PATH = '/chart/indicators.png';
/**
 * Why a day: Slack and LINE fetch the picture when the message is shown, and a secretariat
 * looks at it again during the day; a link found later shows nothing. Aggregates only (no
 * person), so the link is not single-use.
 */
const CHART_LINK_TTL_MS = 24 * 60 * 60 * 1000;

let secret: string | null = null;
const sign = (key: string, body: string) => createHmac('sha256', key).update(`chart-link:v1:${body}`).digest('base64url');

/**
 * Signed URLs of the indicator chart the actor asked for: the tenant, the asker, the fiscal
 * year and the moment counted ("as of": the picture shows the numbers the text answer gave).
 * Null when the routes are not mounted.
 */
export function chartUrls(actor: Actor, fy: number, asOf: Date, now: Date): { svgUrl: string; pngUrl: string; expiresAt: Date } | null {
  // Without the HTTP routes (a handler run on its own) there is no picture to link to.
  if (!secret) return null;
  const expiresAt = new Date(now.getTime() + CHART_LINK_TTL_MS);
  const body = `${actor.tenantId}.${actor.staffId}.${fy}.${asOf.getTime()}.${Math.floor(expiresAt.getTime() / 1000)}`;
  const t = `${body}.${sign(secret, body)}`;
  return { svgUrl: publicUrl(`${CHART_SVG_PATH}?t=${t}`), pngUrl: publicUrl(`${CHART_PNG_PATH}?t=${t}`), expiresAt };
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const TOKEN = new RegExp(`^(${UUID})\\.(${UUID})\\.(\\d{4})\\.(\\d{1,15})\\.(\\d{1,12})\\.([A-Za-z0-9_-]{43})$`);

function readToken(key: string, token: string, now: Date): { tenantId: string; staffId: string; fy: number; asOf: Date } | null {
  const m = TOKEN.exec(token);
  if (!m) return null;
  const [, tenantId = '', staffId = '', fy = '', asOf = '', exp = '', sig = ''] = m;
  const expected = Buffer.from(sign(key, `${tenantId}.${staffId}.${fy}.${asOf}.${exp}`));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  if (Number(exp) * 1000 <= now.getTime()) return null;
  return { tenantId, staffId, fy: Number(fy), asOf: new Date(Number(asOf)) };
}

/** Drawings kept per process: a picture is fetched a few times right after it is sent. */
const PNG_CACHE_SIZE = 16;
const pngCache = new Map<string, { svg: string; body: Buffer }>();

const GONE = 'このグラフのリンクは期限切れです。チャットでもう一度「指標」と送ってください。';

/**
 * GET /chart/indicators.svg|png?t=…: the chart, drawn when fetched, under the asker's rights at
 * that moment (a staff member removed or without the role since gets nothing). Aggregates only.
 */
export function mountCharts(http: HttpServer, deps: { db: Db; secret: string; now: () => Date }): void {
  secret = deps.secret;
  const serve =
    (format: 'svg' | 'png') =>
    async (req: { method: string; query: URLSearchParams }): Promise<HttpResponse> => {
      const t = readToken(deps.secret, req.query.get('t') ?? '', deps.now());
      if (!t) return text(404, GONE);
      const actor = await actorForStaff(deps.db, t.staffId);
      if (!actor || actor.tenantId !== t.tenantId || !actor.roles.some((r) => (INDICATOR_ROLES as readonly string[]).includes(r)))
        return text(403, 'このグラフを見る権限がありません。');
      const headers = {
        'cache-control': 'private, max-age=3600',
        'referrer-policy': 'no-referrer',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      };
      if (req.method === 'HEAD')
        return { status: 200, headers: { ...headers, 'content-type': format === 'svg' ? 'image/svg+xml; charset=utf-8' : 'image/png' } };
      try {
        const key = `${t.tenantId}.${t.fy}.${t.asOf.getTime()}`;
        const values = await countIndicators(deps.db, t.tenantId, t.fy, t.asOf, await indicatorTargetsOf(deps.db, t.tenantId));
        const chart = indicatorChart(values, t.fy, t.asOf);
        if (format === 'svg')
          return { status: 200, headers: { ...headers, 'content-type': 'image/svg+xml; charset=utf-8' }, body: chart.svg };
        // LINE fetches the same picture as preview and original: the last few drawings are kept
        // (per process, by the numbers' SVG, so a changed count is drawn again).
        let png = pngCache.get(key);
        if (!png || png.svg !== chart.svg) {
          png = { svg: chart.svg, body: await svgToPng(chart.svg) };
          pngCache.set(key, png);
          if (pngCache.size > PNG_CACHE_SIZE) pngCache.delete(pngCache.keys().next().value ?? '');
        }
        return { status: 200, headers: { ...headers, 'content-type': 'image/png' }, body: png.body };
      } catch (e) {
        log.error({ err: e }, 'chart failed');
        return text(500, 'internal error');
      }
    };
  http.add({ method: 'GET', path: CHART_SVG_PATH, handler: serve('svg') });
  http.add({ method: 'GET', path: CHART_PNG_PATH, handler: serve('png') });
}
