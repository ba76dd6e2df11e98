/**
 * The configuration of an app under test, and the environment that points each platform at its
 * fake on loopback: one place, so a test names only what is particular to it.
 */
import { loadConfig, type Config } from '../../src/config';
import { createLinkCode, redeemLinkCode, registerWorkspace, workspaceTenant } from '../../src/core/staff/link';
import type { Platform } from '../../src/chat/types';
import type { FakeSlack } from '../fakes/slack';
import type { FakeLineWorks } from '../fakes/lineworks';
import type { TestDatabase } from './db';

type Env = Record<string, string | undefined>;

/** The app on the test database, no demo data, no local chat, no scheduler unless `env` says so. */
export function testAppConfig(tdb: Pick<TestDatabase, 'url'>, env: Env = {}): Config {
  return loadConfig({ DATABASE_URL: tdb.url, PORT: '0', DEMO_DATA: 'off', LOCAL_CHAT: 'off', SCHEDULER: 'false', ...env });
}

/** The scheduler on, retrying fast: for tests that wait for the outbox to deliver. */
export const DELIVERING: Env = { SCHEDULER: 'true', DELIVERY_RETRY_BASE_MS: '200' };

export function slackEnv(fake: FakeSlack, signingSecret: string, botToken = 'xoxb-test'): Env {
  return { SLACK_SIGNING_SECRET: signingSecret, SLACK_BOT_TOKEN: botToken, SLACK_API_URL: fake.apiUrl };
}

export function lineWorksEnv(works: FakeLineWorks, o: { botId: string; botSecret: string; domainId: number | string }): Env {
  return {
    LINEWORKS_BOT_ID: o.botId,
    LINEWORKS_BOT_SECRET: o.botSecret,
    LINEWORKS_CLIENT_ID: works.clientId,
    LINEWORKS_CLIENT_SECRET: works.clientSecret,
    LINEWORKS_SERVICE_ACCOUNT: works.serviceAccount,
    LINEWORKS_PRIVATE_KEY: works.privateKeyPem.replace(/\n/g, '\\n'),
    LINEWORKS_DOMAIN_ID: String(o.domainId),
    LINEWORKS_API_URL: works.apiUrl,
    LINEWORKS_AUTH_URL: works.authUrl,
  };
}

/** Registers the workspace to the tenant (once; its channels as given) and links one platform account to a staff member. */
export async function linkedAccount(
  tdb: Pick<TestDatabase, 'db'>,
  a: {
    tenantId: string;
    staffId: string;
    platform: Platform;
    workspaceId: string;
    userId: string;
    now: Date;
    channels?: Record<string, string>;
  },
): Promise<void> {
  if (a.channels || !(await workspaceTenant(tdb.db, a.platform, a.workspaceId)))
    await registerWorkspace(tdb.db, a.tenantId, a.platform, a.workspaceId, a.channels ?? {});
  await redeemLinkCode(tdb.db, a.platform, a.workspaceId, a.userId, await createLinkCode(tdb.db, a.tenantId, a.staffId, a.now), a.now);
}
