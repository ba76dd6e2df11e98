import fs from 'node:fs';
import type { Config } from '../../config';
import { ConfigError } from '../../config';

/** Everything the LINE WORKS adapter needs, checked once at start-up. */
export interface LineWorksSettings {
  botId: string;
  botSecret: string;
  clientId: string;
  clientSecret: string;
  serviceAccount: string;
  /** PKCS#8 PEM text. */
  privateKey: string;
  /** The domain allowed to use the bot; null accepts any domain registered to a tenant. */
  domainId: string | null;
  apiUrl: string;
  authUrl: string;
  ratePerMinute: number;
}

const REQUIRED = [
  'LINEWORKS_BOT_ID',
  'LINEWORKS_BOT_SECRET',
  'LINEWORKS_CLIENT_ID',
  'LINEWORKS_CLIENT_SECRET',
  'LINEWORKS_SERVICE_ACCOUNT',
  'LINEWORKS_PRIVATE_KEY',
] as const;

/**
 * The key as PEM text: env files often carry it on one line with literal `\n`, or as a path to
 * the downloaded `private_*.key` file.
 */
function readPrivateKey(value: string): string {
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  try {
    return fs.readFileSync(value, 'utf8');
  } catch {
    throw new ConfigError([`LINEWORKS_PRIVATE_KEY: neither PEM text (-----BEGIN PRIVATE KEY-----) nor a readable file path`]);
  }
}

/** null when no LINE WORKS variable is set (the platform is off); an error when only some are. */
export function lineWorksSettings(config: Config): LineWorksSettings | null {
  const set = REQUIRED.filter((k) => config[k] !== undefined);
  if (set.length === 0 && config.LINEWORKS_DOMAIN_ID === undefined) return null;
  const missing = REQUIRED.filter((k) => config[k] === undefined);
  if (missing.length > 0) {
    throw new ConfigError(missing.map((k) => `${k}: required when LINE WORKS is configured (see docs/lineworks.md)`));
  }
  return {
    botId: config.LINEWORKS_BOT_ID ?? '',
    botSecret: config.LINEWORKS_BOT_SECRET ?? '',
    clientId: config.LINEWORKS_CLIENT_ID ?? '',
    clientSecret: config.LINEWORKS_CLIENT_SECRET ?? '',
    serviceAccount: config.LINEWORKS_SERVICE_ACCOUNT ?? '',
    privateKey: readPrivateKey(config.LINEWORKS_PRIVATE_KEY ?? ''),
    domainId: config.LINEWORKS_DOMAIN_ID ?? null,
    apiUrl: config.LINEWORKS_API_URL.replace(/\/+$/, ''),
    authUrl: config.LINEWORKS_AUTH_URL,
    ratePerMinute: config.LINEWORKS_RATE_PER_MIN,
  };
}
