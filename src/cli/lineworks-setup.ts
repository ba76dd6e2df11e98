/**
 * Setting up LINE WORKS from a shell (docs/lineworks.md):
 *
 *   npx tsx src/cli/lineworks-setup.ts check
 *       reads the LINEWORKS_* variables, gets an access token, registers the persistent menu
 *   npx tsx src/cli/lineworks-setup.ts register-domain <tenant code> [domain id]
 *       maps the LINE WORKS domain (default LINEWORKS_DOMAIN_ID) to a tenant
 *   npx tsx src/cli/lineworks-setup.ts link-code <staff id>
 *       a one-time code (30 minutes) the staff member sends as 「連携 12345678」
 */
import { eq } from 'drizzle-orm';
import { connect } from '../../db/client';
import { runMigrations } from '../../db/migrate';
import { staff, tenants } from '../../db/schema/index';
import { createRegistry } from '../../handlers/index';
import { openDatabase } from '../app';
import { loadConfig } from '../config';
import { createLinkCode, LINK_SECRET_NEEDED, registerWorkspace, useLinkCodeSecret } from '../core/staff/link';
import { LineWorksApi } from '../platforms/lineworks/client';
import { registerMenu } from '../platforms/lineworks/menu';
import { RateBudget } from '../platforms/lineworks/rate';
import { lineWorksSettings } from '../platforms/lineworks/settings';
import { TokenClient } from '../platforms/lineworks/token';

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const config = loadConfig();
  const settings = lineWorksSettings(config);
  const { url, embedded } = await openDatabase(config);
  await runMigrations(url);
  const database = connect(url, { max: 2 });
  try {
    if (command === 'check') {
      if (!settings) return fail('LINE WORKS is off: set the LINEWORKS_* variables (see .env.example).');
      const tokens = new TokenClient(database.db, settings);
      await tokens.getToken();
      console.log('OK: access token issued (client id, service account and private key are accepted).');
      const api = new LineWorksApi(tokens, new RateBudget(database.db, settings.ratePerMinute), {
        apiUrl: settings.apiUrl,
        domain: settings.domainId ?? 'default',
      });
      if (!(await registerMenu(api, settings.botId, createRegistry())))
        return fail('The persistent menu was refused: check LINEWORKS_BOT_ID and that the app has the "bot" scope.');
      console.log('OK: persistent menu registered. Callback URL to enter in the Developer Console: https://<your host>/lineworks/callback');
      return 0;
    }
    if (command === 'register-domain') {
      const [code, domain = settings?.domainId ?? undefined] = rest;
      if (!code || !domain) return fail('usage: register-domain <tenant code> [domain id]');
      const [tenant] = await database.db.select({ id: tenants.id, name: tenants.name }).from(tenants).where(eq(tenants.code, code));
      if (!tenant) return fail(`no tenant with code ${code}`);
      await registerWorkspace(database.db, tenant.id, 'lineworks', domain);
      console.log(`OK: LINE WORKS domain ${domain} → ${tenant.name}`);
      return 0;
    }
    if (command === 'link-code') {
      const [staffId] = rest;
      if (!staffId) return fail('usage: link-code <staff id>');
      // Codes are stored under an HMAC with LINK_SECRET: the bot must use the same one.
      if (!config.LINK_SECRET) return fail(LINK_SECRET_NEEDED);
      useLinkCodeSecret(config.LINK_SECRET);
      const [member] = await database.db.select({ tenantId: staff.tenantId }).from(staff).where(eq(staff.id, staffId));
      if (!member) return fail(`no staff member ${staffId}`);
      const code = await createLinkCode(database.db, member.tenantId, staffId, new Date());
      console.log(`連携コード: ${code}（30分有効）。LINE WORKS の Bot に「連携 ${code}」と送ってください。`);
      return 0;
    }
    return fail('commands: check | register-domain <tenant code> [domain id] | link-code <staff id>');
  } finally {
    await database.close();
    await embedded?.stop();
  }
}

function fail(message: string): number {
  console.error(message);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
