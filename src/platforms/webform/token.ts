import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config';
import { serverSecret } from '../../core/server-secret';

/**
 * Without LINK_SECRET a random secret is made per process: links then die with the process and
 * do not work across instances (docs/line.md says so; multi-instance deployments must set it).
 */
export function linkSecret(config: Pick<Config, 'LINK_SECRET'>): string {
  return serverSecret(config.LINK_SECRET);
}

const sign = (secret: string, body: string) => createHmac('sha256', secret).update(`form-link:v1:${body}`).digest('base64url');

/** `<link id>.<expiry, unix seconds>.<HMAC>`: short enough for LINE's 1,000-character URI limit. */
export function makeToken(secret: string, id: string, expiresAt: Date): string {
  const body = `${id}.${Math.floor(expiresAt.getTime() / 1000)}`;
  return `${body}.${sign(secret, body)}`;
}

export type TokenCheck = { ok: true; id: string } | { ok: false; reason: 'invalid' | 'expired' };

/** Checks shape, signature (timing-safe) and expiry; the database decides about reuse. */
export function readToken(secret: string, token: string, now: Date): TokenCheck {
  const m = /^([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m?.[1] || !m[2] || !m[3]) return { ok: false, reason: 'invalid' };
  const expected = Buffer.from(sign(secret, `${m[1]}.${m[2]}`));
  const given = Buffer.from(m[3]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
  if (Number(m[2]) * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, id: m[1] };
}
