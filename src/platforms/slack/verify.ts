import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses (and so do we) requests whose timestamp is more than five minutes off. */
const MAX_SKEW_SECONDS = 5 * 60;

export type VerifyFailure = 'missing_headers' | 'stale' | 'bad_signature';

export interface SlackSignedHeaders {
  signature: string | undefined;
  timestamp: string | undefined;
}

/** The `v0=<hex>` signature Slack puts on a request: HMAC-SHA256 of `v0:{timestamp}:{rawBody}`. */
export function signSlackRequest(signingSecret: string, timestamp: number | string, rawBody: Buffer | string): string {
  const mac = createHmac('sha256', signingSecret);
  mac.update(`v0:${timestamp}:`);
  mac.update(rawBody);
  return `v0=${mac.digest('hex')}`;
}

/**
 * Checks a request against the signing secret, on the raw bytes, with a timing-safe compare.
 * `nowMs` is injected so that the replay window can be tested. Returns null when the request
 * is genuine, otherwise why it is not.
 */
export function verifySlackRequest(
  signingSecret: string,
  headers: SlackSignedHeaders,
  rawBody: Buffer,
  nowMs: number,
): VerifyFailure | null {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return 'missing_headers';
  if (Math.abs(Math.floor(nowMs / 1000) - Number(timestamp)) > MAX_SKEW_SECONDS) return 'stale';
  const expected = Buffer.from(signSlackRequest(signingSecret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch is itself no secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad_signature';
  return null;
}
