/**
 * The one client through which every LINE WORKS API call goes: it takes room from the shared
 * rate budget, adds the access token (re-issued once on 401/403), and backs off on 429.
 */
import { log } from '../../log';
import type { RateBudget, Priority } from './rate';
import type { TokenClient } from './token';

export type ApiResult =
  | { ok: true; status: number; body: unknown }
  | { ok: false; status: number; error: string; permanent: boolean; retryAfterMs?: number };

export interface ApiOptions {
  apiUrl: string;
  /** Rate-limit key: the LINE WORKS domain id (one budget per domain). */
  domain: string;
  now?: () => Date;
  /** First backoff after a 429 without Retry-After; doubles each time. */
  backoffBaseMs?: number;
  /**
   * Why 3: an interactive answer that still meets 429 after ~7 s of backoff is better reported
   * than delayed further; bulk sends give up at once and let the delivery queue reschedule.
   */
  maxRetries?: number;
  /** Longest an interactive call waits for room in the minute's budget. */
  maxWaitMs?: number;
}

/** Why 15 s: a hung API must not hold a worker loop; the send is retried like any network error. */
const REQUEST_TIMEOUT_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function retryAfterMs(res: Response): number | undefined {
  const v = res.headers.get('retry-after');
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export class LineWorksApi {
  private readonly backoffBase: number;
  private readonly maxRetries: number;
  private readonly maxWait: number;

  constructor(
    private readonly tokens: TokenClient,
    private readonly budget: RateBudget,
    private readonly opts: ApiOptions,
  ) {
    this.backoffBase = opts.backoffBaseMs ?? 1000;
    this.maxRetries = opts.maxRetries ?? 3;
    this.maxWait = opts.maxWaitMs ?? 60_000;
  }

  /**
   * POSTs JSON to `path` (relative to LINEWORKS_API_URL). `api` names the API for the rate
   * budget (each API has its own limit). Never throws for an HTTP failure: the result says
   * whether a retry can help.
   */
  async post(api: string, path: string, body: unknown, priority: Priority = 'interactive'): Promise<ApiResult> {
    const bucket = `${api}@${this.opts.domain}`;
    let reissued = false;
    for (let attempt = 0; ; attempt++) {
      const wait = await this.budget.take(bucket, priority);
      if (wait > 0) {
        if (priority === 'bulk' || wait > this.maxWait) {
          return { ok: false, status: 429, error: 'rate budget exhausted', permanent: false, retryAfterMs: wait };
        }
        await sleep(wait);
        attempt--;
        continue;
      }
      const token = await this.tokens.getToken();
      let res: Response;
      try {
        res = await fetch(`${this.opts.apiUrl}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=UTF-8' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (e) {
        if (priority === 'interactive' && attempt < this.maxRetries) {
          await sleep(this.backoffBase * 2 ** attempt);
          continue;
        }
        return { ok: false, status: 0, error: `network: ${(e as Error).message}`, permanent: false };
      }
      const text = await res.text();
      if (res.ok) return { ok: true, status: res.status, body: text ? safeJson(text) : null };
      const code = errorCode(text);
      // 403 UNAUTHORIZED means the token, any other 403 a missing right that a new token cannot fix.
      if ((res.status === 401 || (res.status === 403 && code === 'UNAUTHORIZED')) && !reissued) {
        // The token may have been revoked or expired early: re-issue once, then give up.
        reissued = true;
        await this.tokens.invalidate(token);
        attempt--;
        continue;
      }
      if (res.status === 429) {
        const after = retryAfterMs(res) ?? this.backoffBase * 2 ** attempt;
        log.warn({ api, status: 429, attempt, retryAfterMs: after }, 'lineworks rate limited');
        if (priority === 'interactive' && attempt < this.maxRetries && after <= this.maxWait) {
          await sleep(after);
          continue;
        }
        return { ok: false, status: 429, error: code, permanent: false, retryAfterMs: after };
      }
      if (res.status >= 500) {
        if (priority === 'interactive' && attempt < this.maxRetries) {
          await sleep(this.backoffBase * 2 ** attempt);
          continue;
        }
        return { ok: false, status: res.status, error: code, permanent: false };
      }
      log.error({ api, status: res.status, code }, 'lineworks request refused');
      return { ok: false, status: res.status, error: code, permanent: true };
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The platform's error code (`UNAUTHORIZED`, `TOO_MANY_REQUESTS` …), never the message body. */
function errorCode(text: string): string {
  const parsed = safeJson(text);
  if (parsed && typeof parsed === 'object' && 'code' in parsed && typeof parsed.code === 'string') return parsed.code;
  return 'http error';
}
