/**
 * The Slack app manifest, built from the command registry so that every command is a slash
 * command. `manifest.yaml` beside this file is its output for a placeholder URL; regenerate with
 *   npx tsx src/platforms/slack/manifest.ts https://bot.example.jp > src/platforms/slack/manifest.yaml
 * (a test fails when a registered command is missing from it).
 */
import type { CommandRegistry } from '../../chat/registry';
import { BOT_SCOPES } from './scopes';

/** The adapter's own command (linking a Slack account), besides the registry's. */
const LINK_COMMAND = {
  command: '/soudan-link',
  description: '職員アカウントと連携します（管理者から受け取った8桁のコード）',
  usage_hint: '12345678',
};

/** Slack caps a slash command's description and usage hint; we keep well inside. */
const clip = (s: string, max: number) => ([...s].length <= max ? s : `${[...s].slice(0, max - 1).join('')}…`);

/** `会議　/　会議 新規` → `新規`: the words after the command, which is all Slack's hint shows. */
function usageHint(usage: string): string {
  return usage
    .split(/\s*[/／]\s+|\s+[/／]\s*/)
    .map((alt) => alt.trim().replace(/^\S+\s*/, ''))
    .filter(Boolean)
    .join(' | ');
}

export function slackManifest(registry: CommandRegistry, baseUrl: string) {
  const base = baseUrl.replace(/\/$/, '');
  const events = `${base}/slack/events`;
  return {
    display_information: {
      name: 'soudan-bot',
      description: '相談支援の記録・ケース確認・二次相談・会議とリマインド',
      background_color: '#2f5d50',
    },
    features: {
      app_home: { home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: false },
      bot_user: { display_name: 'soudan-bot', always_online: true },
      slash_commands: [
        ...registry.all().map((c) => ({
          command: `/${c.id}`,
          url: events,
          description: clip(`${c.label}: ${c.description}`, 100),
          ...(usageHint(c.usage) ? { usage_hint: clip(usageHint(c.usage), 100) } : {}),
          should_escape: false,
        })),
        { ...LINK_COMMAND, url: events, should_escape: false },
      ],
    },
    oauth_config: {
      redirect_urls: [`${base}/slack/oauth_redirect`],
      scopes: { bot: [...BOT_SCOPES] },
    },
    settings: {
      event_subscriptions: { request_url: events, bot_events: ['app_home_opened', 'message.im', 'app_uninstalled', 'tokens_revoked'] },
      interactivity: { is_enabled: true, request_url: events },
      org_deploy_enabled: false,
      socket_mode_enabled: false,
      token_rotation_enabled: false,
    },
  };
}

/** A small YAML writer for the manifest's shape (maps, lists, strings, booleans). */
export function toYaml(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  const scalar = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  if (Array.isArray(value)) {
    return value
      .map((item) => {
        if (item !== null && typeof item === 'object') {
          const body = toYaml(item, indent + 2).trimStart();
          return `${pad}- ${body}`;
        }
        return `${pad}- ${scalar(item)}\n`;
      })
      .join('');
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => {
        if (v !== null && typeof v === 'object') {
          const empty = Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
          return empty ? `${pad}${k}: ${Array.isArray(v) ? '[]' : '{}'}\n` : `${pad}${k}:\n${toYaml(v, indent + 2)}`;
        }
        return `${pad}${k}: ${scalar(v)}\n`;
      })
      .join('');
  }
  return `${pad}${scalar(value)}\n`;
}
