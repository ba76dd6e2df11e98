/**
 * Prints the Slack app manifest for this bot's commands:
 *   npx tsx src/cli/slack-manifest.ts https://bot.example.jp > my-manifest.yaml
 * (docs/slack.md). The generator lives with the Slack adapter; the registry comes from handlers.
 */
import { createRegistry } from '../../handlers/index';
import { slackManifest, toYaml } from '../platforms/slack/manifest';

const url = process.argv[2] ?? 'https://bot.example.jp';
process.stdout.write(`# soudan-bot Slack app manifest: replace ${url} with your bot's public URL (docs/slack.md).\n`);
process.stdout.write(toYaml(slackManifest(createRegistry(), url)));
