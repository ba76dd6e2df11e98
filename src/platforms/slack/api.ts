import { ErrorCode, WebClient, type WebAPICallResult } from '@slack/web-api';
import { log } from '../../log';

/**
 * Calls per minute per workspace, by method (Slack's tiers: 1 ≈ 1+, 2 ≈ 20+, 3 ≈ 50+, 4 ≈ 100+).
 * chat.postMessage is "special": about one message per second per channel, limited below.
 */
const PER_MINUTE: Record<string, number> = {
  'chat.postMessage': 600,
  'chat.update': 50,
  'conversations.open': 50,
  'views.open': 100,
  'views.update': 100,
  'views.push': 100,
  'views.publish': 100,
  'auth.test': 100,
  'oauth.v2.access': 50,
};
const DEFAULT_PER_MINUTE = 20; // tier 2: the safe guess for a method not listed
/** Why 1 s: Slack allows about one message per second per channel, with short bursts. */
const PER_CHANNEL_INTERVAL_MS = 1_000;
/** Past this many buckets (one per DM channel adds up), idle ones are forgotten. */
const MAX_BUCKETS = 10_000;

export class SlackRateLimited extends Error {
  constructor(
    readonly method: string,
    readonly retryAfterMs: number,
  ) {
    super(`slack rate limited on ${method} for ${retryAfterMs} ms`);
    this.name = 'SlackRateLimited';
  }
}

/** A Slack Web API error answer (`ok: false`), by its error code. */
export class SlackApiError extends Error {
  constructor(
    readonly method: string,
    readonly slackError: string,
  ) {
    super(`slack ${method} failed: ${slackError}`);
    this.name = 'SlackApiError';
  }
}

/** A token bucket: `capacity` calls at once, refilled at `perMs` per call. */
class Bucket {
  private tokens: number;
  private last: number;
  blockedUntil = 0;
  constructor(
    private readonly capacity: number,
    private readonly perMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }
  /** Reserves the next token (the balance may go below zero: later callers then wait longer). */
  take(now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) / this.perMs) - 1;
    this.last = now;
  }
  /** Full and not blocked: forgetting it changes nothing. */
  idle(now: number): boolean {
    return this.waitFor(now) === 0 && this.tokens + (now - this.last) / this.perMs >= this.capacity;
  }
  /** How long until a token is free. */
  waitFor(now: number): number {
    const tokens = Math.min(this.capacity, this.tokens + (now - this.last) / this.perMs);
    return Math.max(Math.max(0, this.blockedUntil - now), tokens >= 1 ? 0 : (1 - tokens) * this.perMs);
  }
}

export interface CallOptions {
  /** Longest we may wait for a free slot or a Retry-After (interactive paths: short). */
  maxWaitMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The one way to the Slack Web API: per workspace and method token buckets sized by Slack's
 * tiers, one message per second per channel, and 429 Retry-After honoured for everyone calling
 * that method afterwards. The buckets are per process; with several instances the 429 answer is
 * the shared backstop, and the delivery queue retries at the Retry-After it is given.
 */
export class SlackApi {
  private readonly clients = new Map<string, WebClient>();
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly apiUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  private client(token: string): WebClient {
    let c = this.clients.get(token);
    if (!c) {
      // Rate limits are ours to handle (we know the caller's patience); network errors get one retry.
      c = new WebClient(token, { slackApiUrl: this.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 1, minTimeout: 200 } });
      this.clients.set(token, c);
    }
    return c;
  }

  private bucket(key: string, perMinute: number, capacity: number): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= MAX_BUCKETS) this.sweep();
      b = new Bucket(capacity, 60_000 / perMinute, this.now());
      this.buckets.set(key, b);
    }
    return b;
  }

  /** Forgets buckets that are full again (unused for a while): per-channel keys are many. */
  private sweep(): void {
    const now = this.now();
    for (const [key, b] of this.buckets) if (b.idle(now)) this.buckets.delete(key);
  }

  private bucketsFor(team: string, method: string, args: Record<string, unknown>): Bucket[] {
    const perMinute = PER_MINUTE[method] ?? DEFAULT_PER_MINUTE;
    const list = [this.bucket(`${team}|${method}`, perMinute, Math.max(1, Math.ceil(perMinute / 4)))];
    if (method === 'chat.postMessage' && typeof args.channel === 'string') {
      list.push(this.bucket(`${team}|channel|${args.channel}`, 60_000 / PER_CHANNEL_INTERVAL_MS, 1));
    }
    return list;
  }

  /** Calls `method` for workspace `team` with `token`; throws SlackRateLimited or SlackApiError. */
  async call<T extends WebAPICallResult = WebAPICallResult>(
    team: string,
    token: string,
    method: string,
    args: Record<string, unknown>,
    opts: CallOptions = {},
  ): Promise<T> {
    const maxWaitMs = opts.maxWaitMs ?? 2_000;
    for (let attempt = 0; ; attempt++) {
      const buckets = this.bucketsFor(team, method, args);
      const now = this.now();
      const needed = Math.max(...buckets.map((b) => b.waitFor(now)));
      if (needed > maxWaitMs) throw new SlackRateLimited(method, Math.ceil(needed));
      for (const b of buckets) b.take(now);
      if (needed > 0) await sleep(needed);
      try {
        return (await this.client(token).apiCall(method, args)) as T;
      } catch (e) {
        const err = e as { code?: string; retryAfter?: number; data?: { error?: string } };
        if (err.code === ErrorCode.RateLimitedError) {
          const retryAfterMs = Math.max(1, err.retryAfter ?? 1) * 1000;
          for (const b of buckets) b.blockedUntil = this.now() + retryAfterMs;
          log.warn({ team, method, retryAfterMs }, 'slack rate limited');
          if (attempt === 0 && retryAfterMs <= maxWaitMs) continue;
          throw new SlackRateLimited(method, retryAfterMs);
        }
        if (err.code === ErrorCode.PlatformError) throw new SlackApiError(method, err.data?.error ?? 'unknown_error');
        throw e;
      }
    }
  }

  /**
   * Posts to a response_url (an ephemeral answer, or a replacement of the message acted on).
   * Only Slack's hooks host, or the configured API host (tests, proxies), is ever contacted.
   */
  async respond(responseUrl: string, body: Record<string, unknown>): Promise<void> {
    if (!this.isTrustedResponseUrl(responseUrl)) throw new Error('untrusted response_url');
    const res = await fetch(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    // Read the body to its end: undici keeps the connection busy until an unread body is
    // garbage-collected, and replies then wait for a connection (measured: bench:case-lookup).
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new SlackApiError('response_url', `http_${res.status}`);
  }

  isTrustedResponseUrl(responseUrl: string): boolean {
    try {
      const u = new URL(responseUrl);
      if (u.protocol === 'https:' && u.hostname === 'hooks.slack.com') return true;
      return u.origin === new URL(this.apiUrl).origin;
    } catch {
      return false;
    }
  }
}
