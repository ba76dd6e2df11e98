/**
 * The bot's persistent menu (固定メニュー): at most 4 buttons (platform limit). The first three
 * menu commands of the registry (記録, ケース, …) and ヘルプ, which lists every flow. Buttons are
 * `message` actions (the only kind the menu allows besides uri/copy) whose postback opens the
 * command afresh, even in the middle of a dialogue.
 */
import type { CommandRegistry } from '../../chat/registry';
import { cut } from './render';
import { log } from '../../log';
import type { LineWorksApi } from './client';
import { encodeAction } from './postback';

export const MENU_ACTION = 'menu:open';
const MAX_MENU = 4;

function menuActions(registry: CommandRegistry) {
  const main = registry
    .all()
    .filter((c) => c.menu && c.id !== 'help')
    .slice(0, MAX_MENU - 1);
  const help = registry.get('help');
  const specs = help
    ? [...main, help]
    : registry
        .all()
        .filter((c) => c.menu)
        .slice(0, MAX_MENU);
  return specs.map((c) => ({
    type: 'message',
    label: cut(c.label, 20),
    text: c.label,
    postback: encodeAction({ kind: 'action', id: MENU_ACTION, value: c.id }) ?? undefined,
  }));
}

/** Registers the menu (every instance may do it: the call replaces the menu with the same one). */
export async function registerMenu(api: LineWorksApi, botId: string, registry: CommandRegistry): Promise<boolean> {
  const r = await api.post(
    'bot.persistentmenu',
    `/bots/${encodeURIComponent(botId)}/persistentmenu`,
    { content: { actions: menuActions(registry) } },
    'bulk',
  );
  if (!r.ok) log.warn({ status: r.status, error: r.error }, 'lineworks persistent menu not registered');
  return r.ok;
}
