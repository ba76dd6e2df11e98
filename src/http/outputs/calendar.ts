import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../../db/client';
import type { Actor } from '../../core/actor';
import { isUserError } from '../../core/errors';
import { feedCalendar } from '../../core/meetings/feeds';
import { meetingsIcs } from '../../core/meetings/ics';
import { loadMeetingFor } from '../../core/meetings/view';
import { actorForStaff } from '../../core/staff/actor';
import { text, type HttpRequest, type HttpResponse, type HttpServer } from '../server';
import { log } from '../../log';
import { publicUrl } from './public-url';

const MEETING_ICS_PATH = '/calendar/meeting.ics';
const FEED_PATH = '/calendar/feed.ics';
/** Why a week: the link sits on a meeting card that is opened again before the meeting. */
const MEETING_ICS_TTL_MS = 7 * 24 * 60 * 60 * 1000;

let secret: string | null = null;
const sign = (key: string, purpose: string, body: string) => createHmac('sha256', key).update(`${purpose}:v1:${body}`).digest('base64url');
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const MEETING_TOKEN = new RegExp(`^(${UUID})\\.(${UUID})\\.(\\d{1,12})\\.([A-Za-z0-9_-]{43})$`);
const FEED_TOKEN = new RegExp(`^(${UUID})\\.([A-Za-z0-9_-]{43})$`);

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** One meeting as an .ics file for the asker: signed, valid a week, checked again when fetched. Null without the routes. */
export function meetingIcsUrl(actor: Actor, meetingId: string, now: Date): string | null {
  if (!secret) return null;
  const body = `${meetingId}.${actor.staffId}.${Math.floor((now.getTime() + MEETING_ICS_TTL_MS) / 1000)}`;
  return publicUrl(`${MEETING_ICS_PATH}?t=${body}.${sign(secret, 'meeting-ics', body)}`);
}

/**
 * A staff member's subscription URL, https and webcal (the scheme that makes iPhones and Macs
 * subscribe). Signed; it stops working when its feed is revoked (カレンダー → 作り直す / 停止).
 */
export function feedUrls(feedId: string): { https: string; webcal: string } | null {
  if (!secret) return null;
  const https = publicUrl(`${FEED_PATH}?t=${feedId}.${sign(secret, 'calendar-feed', feedId)}`);
  return { https, webcal: https.replace(/^https?:\/\//, 'webcal://') };
}

const calendarHeaders = (filename: string) => ({
  'content-type': 'text/calendar; charset=utf-8',
  'content-disposition': `inline; filename="${filename}"`,
  'cache-control': 'private, no-cache',
  'referrer-policy': 'no-referrer',
});
const GONE_MEETING = 'このリンクは期限切れか、会議を見る権限がありません。チャットの「会議」からもう一度開いてください。';
const GONE_FEED = 'このカレンダーの購読URLは停止されています。チャットで「カレンダー」と送ると新しいURLを確認できます。';

export function mountCalendar(http: HttpServer, deps: { db: Db; secret: string; now: () => Date }): void {
  secret = deps.secret;
  http.add({
    method: 'GET',
    path: MEETING_ICS_PATH,
    handler: async (req: HttpRequest): Promise<HttpResponse> => {
      const now = deps.now();
      const m = MEETING_TOKEN.exec(req.query.get('t') ?? '');
      if (!m || !same(sign(deps.secret, 'meeting-ics', `${m[1]}.${m[2]}.${m[3]}`), m[4] ?? '') || Number(m[3]) * 1000 <= now.getTime())
        return text(404, GONE_MEETING);
      if (req.method === 'HEAD') return { status: 200, headers: calendarHeaders('meeting.ics') };
      const actor = await actorForStaff(deps.db, m[2] ?? '');
      if (!actor) return text(404, GONE_MEETING);
      try {
        // Visibility is the chat's: not visible (any more) and absent answer alike.
        const d = await loadMeetingFor(deps.db, actor, m[1] ?? '');
        const ics = meetingsIcs(
          [
            {
              id: d.id,
              kind: d.kind,
              title: d.title,
              bodyName: d.bodyName,
              startsAt: d.startsAt,
              endsAt: d.endsAt,
              place: d.place,
              cancelled: d.cancelled,
              attendees: d.attendees.map((a) => a.name),
            },
          ],
          { name: '会議', now, publish: true },
        );
        return { status: 200, headers: calendarHeaders('meeting.ics'), body: ics };
      } catch (e) {
        if (isUserError(e)) return text(404, GONE_MEETING);
        log.error({ err: e }, 'meeting ics failed');
        return text(500, 'internal error');
      }
    },
  });
  http.add({
    method: 'GET',
    path: FEED_PATH,
    handler: async (req: HttpRequest): Promise<HttpResponse> => {
      const m = FEED_TOKEN.exec(req.query.get('t') ?? '');
      if (!m || !same(sign(deps.secret, 'calendar-feed', m[1] ?? ''), m[2] ?? '')) return text(404, GONE_FEED);
      const cal = await feedCalendar(deps.db, m[1] ?? '', deps.now(), { touch: req.method !== 'HEAD' });
      if (!cal) return text(410, GONE_FEED);
      return { status: 200, headers: calendarHeaders('soudan-meetings.ics'), body: cal.ics };
    },
  });
}
