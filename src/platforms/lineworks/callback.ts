/**
 * POST /lineworks/callback. In order, before anything is parsed: the body size (413), the
 * signature over the raw bytes (401), the bot id (403). Then the JSON (400), and the event is
 * stored durably and deduplicated before the 200: LINE WORKS never resends a callback, so
 * nothing may be lost between the answer and the work, which a worker does afterwards.
 */
import type { Db } from '../../../db/client';
import { json, type Route } from '../../http/server';
import { log } from '../../log';
import { storeCallback } from './inbox';
import { callbackSchema, userKeyOf } from './process';
import { verifySignature } from './verify';

const CALLBACK_PATH = '/lineworks/callback';
/** Why 64 KiB: a callback carries one event (text ≤ 2,000 characters, files only by id). */
const MAX_CALLBACK_BYTES = 64 * 1024;

const header = (h: Record<string, string | string[] | undefined>, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

export function callbackRoute(deps: { db: Db; botId: string; botSecret: string; onStored: () => void }): Route {
  return {
    method: 'POST',
    path: CALLBACK_PATH,
    maxBody: MAX_CALLBACK_BYTES,
    async handler(req) {
      // Node lower-cases header names, so X-WORKS-Signature arrives as x-works-signature.
      if (!verifySignature(req.body, header(req.headers, 'x-works-signature'), deps.botSecret)) {
        log.debug({ path: CALLBACK_PATH }, 'lineworks callback with a bad signature refused');
        return json(401, { error: 'invalid signature' });
      }
      if (header(req.headers, 'x-works-botid') !== deps.botId) {
        log.debug({ path: CALLBACK_PATH }, 'lineworks callback for another bot refused');
        return json(403, { error: 'unknown bot' });
      }
      let body: unknown;
      try {
        body = JSON.parse(req.body.toString('utf8'));
      } catch {
        return json(400, { error: 'malformed JSON' });
      }
      const parsed = callbackSchema.safeParse(body);
      if (!parsed.success) return json(400, { error: 'not a LINE WORKS callback' });
      const stored = await storeCallback(deps.db, req.body, parsed.data, userKeyOf(parsed.data));
      if (stored) deps.onStored();
      return json(200, { ok: true });
    },
  };
}
