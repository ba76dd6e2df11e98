import type { Config } from '../../config';
import { parseEncryptionKey } from './seal';

type SlackAuth =
  | { kind: 'single'; botToken: string }
  | { kind: 'oauth'; clientId: string; clientSecret: string; stateSecret: string; key: Buffer };
type SlackTransport = { kind: 'http'; signingSecret: string } | { kind: 'socket'; appToken: string };

export interface SlackSettings {
  auth: SlackAuth;
  transport: SlackTransport;
  apiUrl: string;
}

/**
 * Which Slack set-up the environment describes, or null when no Slack variable is set.
 * A half-done set-up is an error naming what is missing, not a silently disabled Slack.
 */
export function slackSettings(c: Config): SlackSettings | null {
  const any = [
    c.SLACK_SIGNING_SECRET,
    c.SLACK_BOT_TOKEN,
    c.SLACK_CLIENT_ID,
    c.SLACK_CLIENT_SECRET,
    c.SLACK_STATE_SECRET,
    c.SLACK_APP_TOKEN,
  ];
  if (any.every((v) => v === undefined)) return null;
  const oauthParts = [c.SLACK_CLIENT_ID, c.SLACK_CLIENT_SECRET, c.SLACK_STATE_SECRET];
  let auth: SlackAuth;
  if (oauthParts.some((v) => v !== undefined)) {
    if (c.SLACK_BOT_TOKEN)
      throw new Error('Slack: set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID/SECRET/STATE_SECRET (OAuth), not both');
    if (!c.SLACK_CLIENT_ID || !c.SLACK_CLIENT_SECRET || !c.SLACK_STATE_SECRET) {
      throw new Error('Slack OAuth needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET together');
    }
    if (!c.SLACK_TOKEN_ENCRYPTION_KEY)
      throw new Error('Slack OAuth needs SLACK_TOKEN_ENCRYPTION_KEY (32 bytes, hex or base64) to encrypt installations');
    auth = {
      kind: 'oauth',
      clientId: c.SLACK_CLIENT_ID,
      clientSecret: c.SLACK_CLIENT_SECRET,
      stateSecret: c.SLACK_STATE_SECRET,
      key: parseEncryptionKey(c.SLACK_TOKEN_ENCRYPTION_KEY),
    };
  } else {
    if (!c.SLACK_BOT_TOKEN) throw new Error('Slack needs SLACK_BOT_TOKEN (xoxb-…) for one workspace, or the OAuth variables for several');
    auth = { kind: 'single', botToken: c.SLACK_BOT_TOKEN };
  }
  let transport: SlackTransport;
  if (c.SLACK_APP_TOKEN) transport = { kind: 'socket', appToken: c.SLACK_APP_TOKEN };
  else if (c.SLACK_SIGNING_SECRET) transport = { kind: 'http', signingSecret: c.SLACK_SIGNING_SECRET };
  else throw new Error('Slack needs SLACK_SIGNING_SECRET (requests to /slack/events) or SLACK_APP_TOKEN (Socket Mode)');
  const apiUrl = c.SLACK_API_URL.endsWith('/') ? c.SLACK_API_URL : `${c.SLACK_API_URL}/`;
  return { auth, transport, apiUrl };
}
