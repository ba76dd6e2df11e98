import pino from 'pino';

/**
 * What may be logged of an error: never its parameters, never a statement with values, never a
 * message that could quote what a user typed. `safeError` builds it from anything thrown; the
 * logger's serializers apply it to every `err`, `error` and `cause` field, so a caller that logs
 * `{ err: e }` cannot leak what `e` carries (a failed query's params, a summary in a message).
 */
export interface SafeError {
  /** The error's class (`PostgresError`, `TypeError` …). */
  type: string;
  /** SQLSTATE for a database error (`57P01`, `23505` …), or a driver / system code (`ECONNREFUSED`). */
  code?: string;
  /** For a database error: the statement's kind and first table or function (`insert consultations`). */
  statement?: string;
  /** Schema names PostgreSQL reports (never values). */
  table?: string;
  constraint?: string;
  /** The message, only when it cannot hold personal data (see `safeText`). */
  message?: string;
  /** Stack frames only (`at file:line`), never the message lines above them. */
  stack?: string;
  cause?: SafeError;
}

const SAFE_KEY = Symbol.for('soudan.safeError');

/**
 * A text that cannot carry personal data: printable ASCII only (names, kana, summaries are
 * Japanese), no run of 4 digits (phone, recipient, postal numbers), no `@` (mail addresses), no
 * double quotes or backslashes (what error messages put around quoted input), at most 200
 * characters. Anything else is withheld whole rather than trimmed.
 */
export function safeText(value: string): string | undefined {
  if (!/^[\x20-\x7e]{1,200}$/.test(value)) return undefined;
  if (/\d{4}|[@"\\`]/.test(value)) return undefined;
  return value;
}

/** Classes whose message quotes their input (JSON text, a failed query and its params, values). */
const MESSAGE_QUOTES_INPUT = new Set(['SyntaxError', 'ZodError', 'DrizzleQueryError', 'PostgresError']);

const STATEMENT_KINDS = new Set([
  'select',
  'insert',
  'update',
  'delete',
  'with',
  'merge',
  'copy',
  'begin',
  'commit',
  'rollback',
  'savepoint',
  'release',
  'set',
  'lock',
  'listen',
  'notify',
  'call',
  'create',
  'alter',
  'drop',
  'truncate',
  'grant',
  'revoke',
  'do',
  'values',
  'explain',
  'prepare',
  'execute',
  'declare',
  'fetch',
  'close',
  'vacuum',
  'analyze',
]);

/**
 * The kind of a statement and the first table (or function) it names, from its text: keywords
 * and identifiers only, so nothing of a value can come out (identifiers are [a-z0-9_.]).
 */
export function statementName(query: string): string | undefined {
  const text = query
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .trim()
    .toLowerCase();
  const kind = /^[a-z]+/.exec(text)?.[0];
  if (!kind || !STATEMENT_KINDS.has(kind)) return undefined;
  const ident = '"?([a-z_][a-z0-9_]{0,62}(?:"?\\."?[a-z_][a-z0-9_]{0,62})?)"?';
  const target =
    new RegExp(`\\b(?:insert\\s+into|update|delete\\s+from|merge\\s+into|from|lock\\s+table|truncate)\\s+${ident}`).exec(text)?.[1] ??
    new RegExp(`^select\\s+${ident}\\s*\\(`).exec(text)?.[1];
  return target ? `${kind} ${target.replace(/"/g, '')}` : kind;
}

function frames(stack: unknown): string | undefined {
  if (typeof stack !== 'string') return undefined;
  const lines = stack
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 15);
  return lines.length > 0 ? lines.join('\n') : undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const ident = (v: unknown): string | undefined => {
  const s = str(v);
  return s && /^[A-Za-z_][A-Za-z0-9_.$]{0,126}$/.test(s) ? s : undefined;
};

/** postgres.js's error from the server: a five-character SQLSTATE and a severity. */
function isPostgresError(e: Record<string, unknown>): boolean {
  return typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && (typeof e.severity === 'string' || e.name === 'PostgresError');
}

/** Drizzle's wrapper around a failed query: its message is `Failed query: … params: …`. */
function isDrizzleQueryError(e: Record<string, unknown>): boolean {
  return e.name === 'DrizzleQueryError' || (typeof e.query === 'string' && 'params' in e);
}

/**
 * Turns anything thrown into what may be logged: the class, the SQL state or system code, the
 * statement's kind and table, stack frames, and the message only when `safeText` lets it
 * through. Database errors never keep their message (PostgreSQL quotes values in it: `invalid
 * input syntax for type uuid: "…"`), nor their query's parameters, nor `detail` (the key of a
 * unique violation). Follows `cause` (Drizzle wraps postgres.js's error) a few levels deep.
 */
export function safeError(e: unknown, depth = 0): SafeError {
  if (e !== null && typeof e === 'object' && (e as Record<symbol, unknown>)[SAFE_KEY] === true) return e as SafeError;
  let out: SafeError;
  if (typeof e === 'string') {
    out = { type: 'string', message: safeText(e) };
  } else if (e === null || typeof e !== 'object') {
    out = { type: typeof e };
  } else {
    const o = e as Record<string, unknown>;
    // Drizzle's DrizzleQueryError keeps the name 'Error': its class says more.
    const ctor = ident((o.constructor as { name?: unknown } | undefined)?.name);
    const name = (o.name === 'Error' && ctor ? ctor : ident(o.name)) ?? ctor ?? 'Error';
    const query = str(o.query);
    out = { type: name };
    if (isDrizzleQueryError(o)) {
      if (query) out.statement = statementName(query);
    } else if (isPostgresError(o)) {
      out.code = o.code as string;
      if (query) out.statement = statementName(query);
      out.table = ident(o.table_name);
      out.constraint = ident(o.constraint_name);
    } else {
      const code = typeof o.code === 'string' || typeof o.code === 'number' ? String(o.code) : undefined;
      if (code && /^[A-Za-z0-9_.-]{1,40}$/.test(code)) out.code = code;
      if (!MESSAGE_QUOTES_INPUT.has(name) && typeof o.message === 'string') out.message = safeText(o.message);
    }
    out.stack = frames(o.stack);
    if (o.cause !== undefined && depth < 3) {
      out.cause = safeError(o.cause, depth + 1);
      // The server's code and statement on top, where one looks first.
      out.code ??= out.cause.code;
      out.statement ??= out.cause.statement;
      if (out.cause.stack === out.stack) delete out.cause.stack;
    }
  }
  for (const k of Object.keys(out) as (keyof SafeError)[]) if (out[k] === undefined) delete out[k];
  Object.defineProperty(out, SAFE_KEY, { value: true, enumerable: false });
  return out;
}

/** One line of `safeError`, for the error columns of the inboxes and the delivery outbox. */
export function safeErrorText(e: unknown): string {
  const s = safeError(e);
  const parts = [s.type, s.code, s.statement].filter(Boolean).join(' ');
  return s.message ? `${parts}: ${s.message}` : parts;
}

const safeField = (v: unknown) => (typeof v === 'string' ? (safeText(v) ?? '[withheld]') : safeError(v));

/** Where log lines go: standard output, and the sinks a test added (captureLogs). */
const stdout = pino.destination(1);
const sinks = new Set<(line: string) => void>();
let quiet = false;
const destination = {
  write(line: string): void {
    if (!quiet) stdout.write(line);
    for (const sink of sinks) sink(line);
  },
};

/**
 * One logger. Personal data never reaches it: callers log ids and codes, errors go through
 * `safeError` (the serializers below), and these paths are redacted as a second line of defence.
 */
export const log = pino(
  {
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    base: { app: 'soudan-bot' },
    serializers: { err: safeField, error: safeField, cause: safeField },
    redact: {
      paths: ['*.summary', '*.text', '*.familyName', '*.givenName', '*.body', '*.password', '*.token', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  },
  destination,
);

let levelBefore = '';

/**
 * Every line the logger writes from now until `stop()`, at `level` or above (tests: the logger is
 * silent under NODE_ENV=test). The lines are the exact JSON that would reach standard output.
 */
export function captureLogs(level: pino.Level = 'trace'): { lines: string[]; stop(): void } {
  const lines: string[] = [];
  const sink = (line: string) => void lines.push(line);
  if (sinks.size === 0) {
    levelBefore = log.level;
    // A logger that was silent stays silent on standard output while a test listens.
    quiet = levelBefore === 'silent';
  }
  sinks.add(sink);
  log.level = level;
  return {
    lines,
    stop() {
      sinks.delete(sink);
      if (sinks.size === 0) {
        log.level = levelBefore;
        quiet = false;
      }
    },
  };
}
