import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no']).transform((v) => ['true', '1', 'on', 'yes'].includes(v));
const optionalText = z.string().trim().min(1).optional();
const url = (example: string) => z.url({ message: `must be a URL such as ${example}` });

/** Every environment variable the bot reads, validated once. `.env.example` documents each. */
const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number({ message: 'must be a port number such as 3000' }).int().min(0).max(65535).default(3000),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL such as postgres://user:pass@127.0.0.1:5432/soudan')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Named prepared statements on the bot's pools (db/client.ts reads it); false behind PgBouncer in transaction mode. */
  DB_PREPARE: bool.default(true),
  /** Opening a database connection gives up after this long (ms). */
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(5000),
  /** statement_timeout of the bot's pool (ms): a lookup never hangs longer than this. */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  /** idle_in_transaction_session_timeout of the bot's pool (ms): a stuck transaction frees its locks. */
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /**
   * Apply migrations at start-up. Unset: only with the embedded server; with DATABASE_URL the bot
   * runs as soudan_app, which has no DDL, and `npm run db:migrate` is a separate step as the owner.
   */
  MIGRATE_ON_START: bool.optional(),
  /** Key of the signed audit anchors (HMAC-SHA256; at least 32 characters). Never stored in the database. */
  AUDIT_ANCHOR_KEY: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
  /** File the audit anchors are appended to, one signed line each (default DATA_DIR/audit-anchors.jsonl). */
  AUDIT_ANCHOR_FILE: z.string().min(1).optional(),
  /** How often a scheduler instance writes an anchor of every tenant's chain head (ms; default 1 h). */
  AUDIT_ANCHOR_INTERVAL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(3_600_000),
  /** The embedded PostgreSQL when DATABASE_URL is unset: auto = yes, except under NODE_ENV=production (then 'on' is needed). */
  EMBEDDED_DB: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Load the fictional demo tenant into an empty database: auto = only with the embedded server. */
  DEMO_DATA: z.enum(['auto', 'on', 'off']).default('auto'),
  /** The local web chat has no login: served only on a loopback HOST, and under NODE_ENV=production only when 'on'. */
  LOCAL_CHAT: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Secret for signed one-time links and the link-code HMAC; generated per start when unset (links and codes then die on restart). */
  LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** When set, GET /metrics wants `Authorization: Bearer <this>`; unset, /metrics is open (restrict it at the proxy). */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The bot's address as phones reach it (https://bot.example.jp): form, export, chart and calendar links point here. */
  PUBLIC_BASE_URL: url('https://bot.example.jp').optional(),

  SLACK_SIGNING_SECRET: optionalText,
  SLACK_BOT_TOKEN: optionalText,
  SLACK_CLIENT_ID: optionalText,
  SLACK_CLIENT_SECRET: optionalText,
  SLACK_STATE_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText,
  SLACK_API_URL: url('https://slack.com/api/').default('https://slack.com/api/'),
  /** 32 bytes (64 hex digits or base64) encrypting OAuth installations at rest; required with OAuth. */
  SLACK_TOKEN_ENCRYPTION_KEY: optionalText,

  LINEWORKS_BOT_ID: optionalText,
  LINEWORKS_BOT_SECRET: optionalText,
  LINEWORKS_CLIENT_ID: optionalText,
  LINEWORKS_CLIENT_SECRET: optionalText,
  LINEWORKS_SERVICE_ACCOUNT: optionalText,
  LINEWORKS_PRIVATE_KEY: optionalText,
  LINEWORKS_DOMAIN_ID: optionalText,
  LINEWORKS_API_URL: url('https://www.worksapis.com/v1.0').default('https://www.worksapis.com/v1.0'),
  LINEWORKS_AUTH_URL: url('https://auth.worksmobile.com/oauth2/v2.0/token').default('https://auth.worksmobile.com/oauth2/v2.0/token'),
  /** Requests per minute per API per domain: 240 on Standard/Advanced, 60 on the free plan. */
  LINEWORKS_RATE_PER_MIN: z.coerce
    .number({ message: 'must be a number such as 240 (60 on the free plan)' })
    .int()
    .min(1)
    .max(10_000)
    .default(240),

  LINE_CHANNEL_SECRET: optionalText,
  LINE_CHANNEL_ACCESS_TOKEN: optionalText,
  LINE_API_URL: url('https://api.line.me').default('https://api.line.me'),

  SCHEDULER: bool.default(true),
  /** The process's one clock. 'database': a simulated "now" read from scheduler_clock (tests and benchmarks only). */
  SCHEDULER_CLOCK: z.enum(['system', 'database']).default('system'),
  SCHEDULER_PLAN_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  SCHEDULER_SYNC_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
  SCHEDULER_WORKERS: z.coerce.number().int().min(1).max(100).default(2),
  DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  DELIVERY_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(5_000),
  DELIVERY_RETRY_MAX_MS: z.coerce.number().int().min(100).max(86_400_000).default(3_600_000),
  DELIVERY_CONCURRENCY_PER_PLATFORM: z.coerce.number().int().min(1).max(100).default(4),
  /** Delivery jobs fetched and attempted together by one worker loop (docs/reminders.md). */
  DELIVERY_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(50),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the environment (empty strings count as unset) and names every wrong variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') input[key] = v;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = String(i.path[0] ?? '(root)');
        // Never echo a secret (or a URL that may carry a password) into a log.
        const shown = /SECRET|TOKEN|KEY|PASSWORD|DATABASE_URL/.test(key) ? '[hidden]' : JSON.stringify(input[key] ?? null);
        return `${key}: ${i.message} (got ${shown})`;
      }),
    );
  }
  return parsed.data;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
