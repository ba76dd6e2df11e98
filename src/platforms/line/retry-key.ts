import { createHash } from 'node:crypto';

/** Fixed namespace so that the same delivery key always maps to the same retry key, on any instance. */
const NAMESPACE = 'soudan-bot:line:retry-key';

/**
 * LINE's X-Line-Retry-Key must be a UUID. A retried push carrying the same key is accepted once
 * (LINE answers 409 to the repeat), so the key is derived from the delivery's idempotency key:
 * a name-based UUID (version 5 layout over SHA-1), stable across retries, restarts and instances.
 */
export function retryKeyFor(idempotencyKey: string): string {
  const h = createHash('sha1').update(NAMESPACE).update('\0').update(idempotencyKey).digest();
  const b = Buffer.from(h.subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
