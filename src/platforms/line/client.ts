import { HTTPFetchError, LineBotClient, type messagingApi } from '@line/bot-sdk';
import type { SendResult } from '../../chat/adapter';
import type { Config } from '../../config';
import { safeErrorText } from '../../log';
import { retryKeyFor } from './retry-key';

/** LINE takes 1–5 messages per reply or push. */
export const MAX_MESSAGES = 5;
/** Without a Retry-After header a 429 waits this long: LINE's per-channel limits reset within a minute. */
const DEFAULT_RETRY_AFTER_MS = 60_000;

export interface LineSettings {
  channelSecret: string;
  accessToken: string;
  apiUrl: string;
}

/** LINE is on when both secrets are set; one without the other is a configuration mistake. */
export function lineSettings(config: Config): LineSettings | null {
  const secret = config.LINE_CHANNEL_SECRET;
  const token = config.LINE_CHANNEL_ACCESS_TOKEN;
  if (!secret && !token) return null;
  if (!secret || !token) throw new Error('LINE needs both LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN (see docs/line.md)');
  return { channelSecret: secret, accessToken: token, apiUrl: config.LINE_API_URL };
}

export function createLineClient(s: LineSettings): LineBotClient {
  return LineBotClient.fromChannelAccessToken({ channelAccessToken: s.accessToken, apiBaseURL: s.apiUrl.replace(/\/+$/, '') });
}

export function chunks<T>(items: T[], size = MAX_MESSAGES): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A failed LINE call as a SendResult: 429 waits, other 4xx are permanent, the rest is retried. */
export function failureOf(e: unknown): Extract<SendResult, { ok: false }> {
  if (e instanceof HTTPFetchError) {
    const detail = `LINE API ${e.status}: ${messageOf(e.body)}`;
    if (e.status === 429) {
      const after = Number(e.headers.get('retry-after'));
      return {
        ok: false,
        error: detail,
        permanent: false,
        retryAfterMs: Number.isFinite(after) && after > 0 ? after * 1000 : DEFAULT_RETRY_AFTER_MS,
      };
    }
    return { ok: false, error: detail, permanent: e.status >= 400 && e.status < 500 };
  }
  return { ok: false, error: `LINE API unreachable: ${safeErrorText(e)}`, permanent: false };
}

/** LINE's error body is `{"message": "..."}`; only that English message goes to logs. */
function messageOf(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string')
      return parsed.message.slice(0, 200);
  } catch {
    // Not JSON: fall through to a generic word, never the raw body.
  }
  return 'error';
}

/**
 * Pushes messages to a user or group, five at a time. Each chunk carries its own X-Line-Retry-Key
 * derived from `idempotencyKey`, so a retried send after a partial failure skips what LINE already
 * accepted (LINE answers 409 to a repeated key: that chunk counts as delivered).
 */
export async function pushAll(
  client: LineBotClient,
  to: string,
  messages: messagingApi.Message[],
  idempotencyKey: string,
): Promise<SendResult> {
  let requestId: string | undefined;
  for (const [i, chunk] of chunks(messages).entries()) {
    try {
      const res = await client.pushMessageWithHttpInfo({ to, messages: chunk }, retryKeyFor(`${idempotencyKey}#${i}`));
      requestId ??= res.httpResponse.headers.get('x-line-request-id') ?? undefined;
    } catch (e) {
      if (e instanceof HTTPFetchError && e.status === 409) continue;
      return failureOf(e);
    }
  }
  return { ok: true, messageId: requestId };
}
