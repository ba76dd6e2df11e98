import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Checks X-WORKS-Signature: Base64 of HMAC-SHA256 over the raw body with the Bot Secret. Always
 * on the raw bytes (re-serialised JSON would differ), compared in constant time.
 */
export function verifySignature(rawBody: Buffer, signature: string | undefined, botSecret: string): boolean {
  if (!signature) return false;
  const expected = createHmac('sha256', botSecret).update(rawBody).digest();
  let given: Buffer;
  try {
    given = Buffer.from(signature.trim(), 'base64');
  } catch {
    return false;
  }
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The signature LINE WORKS would send for a body (tests and the fake platform use it). */
export function signBody(rawBody: Buffer | string, botSecret: string): string {
  return createHmac('sha256', botSecret).update(rawBody).digest('base64');
}
