/**
 * Characters PostgreSQL cannot store: U+0000 (refused in text and jsonb) and lone UTF-16
 * surrogates (not Unicode scalar values: the driver would write U+FFFD in their place, jsonb
 * refuses their escapes). An input carrying one is refused at the edge with a polite Japanese
 * message, before any handler or query sees it: a failing query would otherwise end in an error
 * (and, before src/log.ts made errors safe, in a log line quoting the input).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly what this looks for.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

export const UNSTORABLE_MESSAGE =
  '申し訳ありません。入力に保存できない文字（NUL などの制御文字か、壊れた文字）が含まれていたため、受け付けませんでした。その文字を除いて、もう一度お送りください。';
export const UNSTORABLE_FIELD_MESSAGE = '保存できない文字（制御文字など）が含まれています。その文字を除いて入力してください。';

/** The key an inbox adds to a platform event whose text had to be replaced to be stored. */
export const UNSTORABLE_MARK = 'soudanUnstorable';

/** Was this stored platform event marked by an inbox (storableCopy replaced something)? */
export function isMarkedUnstorable(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as Record<string, unknown>)[UNSTORABLE_MARK] === true;
}

export function hasUnstorable(text: string): boolean {
  return UNSTORABLE.test(text);
}

/** Does any string in this value (strings, arrays, plain objects, keys included) hold one? */
export function containsUnstorable(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return hasUnstorable(value);
  if (depth > 20 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => containsUnstorable(v, depth + 1));
  return Object.entries(value).some(([k, v]) => hasUnstorable(k) || containsUnstorable(v, depth + 1));
}

/**
 * A copy that PostgreSQL can store, each unstorable character replaced by U+FFFD, and whether
 * anything was replaced: for inboxes that must keep a platform's event whole to answer it (the
 * answer is then the polite refusal, never a record).
 */
export function storableCopy<T>(value: T): { value: T; replaced: boolean } {
  let replaced = false;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      if (!hasUnstorable(v)) return v;
      replaced = true;
      return v.replace(UNSTORABLE_ALL, '\ufffd');
    }
    if (depth > 20 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [walk(k, depth + 1) as string, walk(x, depth + 1)]));
  };
  const out = walk(value, 0) as T;
  return { value: replaced ? out : value, replaced };
}
