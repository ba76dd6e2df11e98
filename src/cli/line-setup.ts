/**
 * LINE operator commands (see docs/line.md):
 *   npx tsx src/cli/line-setup.ts bot-info                     the bot's user id (webhook `destination`)
 *   npx tsx src/cli/line-setup.ts register-channel <tenant-code>  map this LINE channel to a tenant
 *   npx tsx src/cli/line-setup.ts rich-menu-json                print the rich menu definition
 *   npx tsx src/cli/line-setup.ts rich-menu-image <out.png>     draw the menu image (needs Chromium)
 *   npx tsx src/cli/line-setup.ts rich-menu <image.png>         create the menu, upload the image, make it the default
 * Reads LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN, LINE_API_URL and DATABASE_URL like the bot.
 */
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { eq } from 'drizzle-orm';
import { LineBotClient } from '@line/bot-sdk';
import { tenants } from '../../db/schema/index';
import { createRegistry } from '../../handlers/index';
import { consoleOutput, withDatabase, type Output } from './with-db';
import { loadConfig, type Config } from '../config';
import { registerWorkspace } from '../core/staff/link';
import { lineSettings } from '../platforms/line/client';
import { menuTiles, RICH_MENU_SIZE, richMenuDefinition, richMenuHtml } from '../platforms/line/rich-menu';

const DEFAULT_API_URL = 'https://api.line.me';

/** A client whose data API (image upload) follows LINE_API_URL when it is pointed elsewhere. */
function clientFor(config: Config): LineBotClient {
  const s = lineSettings(config);
  if (!s) throw new Error('LINE is not configured: set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN');
  const api = s.apiUrl.replace(/\/+$/, '');
  return LineBotClient.fromChannelAccessToken({
    channelAccessToken: s.accessToken,
    apiBaseURL: api,
    dataApiBaseURL: api === DEFAULT_API_URL ? undefined : api,
  });
}

export async function runLineCli(args: string[], config: Config = loadConfig(), io: Output = consoleOutput): Promise<number> {
  const [command, arg] = args;
  switch (command) {
    case 'bot-info': {
      const info = await clientFor(config).getBotInfo();
      io.out(`userId (webhook destination): ${info.userId}\nbasicId: ${info.basicId}\ndisplayName: ${info.displayName}`);
      return 0;
    }
    case 'register-channel': {
      if (!arg) return usage(io);
      const info = await clientFor(config).getBotInfo();
      return withDatabase(async ({ db }) => {
        const [tenant] = await db.select({ id: tenants.id, name: tenants.name }).from(tenants).where(eq(tenants.code, arg));
        if (!tenant) {
          io.err(`no tenant with code ${arg}`);
          return 1;
        }
        await registerWorkspace(db, tenant.id, 'line', info.userId);
        io.out(`LINE channel ${info.userId} now belongs to tenant ${arg}`);
        return 0;
      });
    }
    case 'rich-menu-json':
      io.out(JSON.stringify(richMenuDefinition(createRegistry()), null, 2));
      return 0;
    case 'rich-menu-image': {
      if (!arg) return usage(io);
      // playwright-core is a dev dependency: only this operator command needs it.
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu'],
      });
      try {
        const page = await browser.newPage({ viewport: { ...RICH_MENU_SIZE } });
        await page.setContent(richMenuHtml(menuTiles(createRegistry())));
        await page.screenshot({ path: arg, type: 'png' });
      } finally {
        await browser.close();
      }
      io.out(`wrote ${arg} (${RICH_MENU_SIZE.width}×${RICH_MENU_SIZE.height})`);
      return 0;
    }
    case 'rich-menu': {
      if (!arg) return usage(io);
      const client = clientFor(config);
      const { richMenuId } = await client.createRichMenu(richMenuDefinition(createRegistry()));
      await client.setRichMenuImage(richMenuId, new Blob([fs.readFileSync(arg)], { type: 'image/png' }));
      await client.setDefaultRichMenu(richMenuId);
      io.out(`rich menu ${richMenuId} created and set as the default`);
      return 0;
    }
    default:
      return usage(io);
  }
}

function usage(io: Output): number {
  io.err(
    'usage: line-setup.ts bot-info | register-channel <tenant-code> | rich-menu-json | rich-menu-image <out.png> | rich-menu <image.png>',
  );
  return 2;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runLineCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
}
