import type { CommandRegistry, CommandSpec } from '../src/chat/registry';
import { reply } from '../src/chat/replies';

/** `help` lists every registered command, so it is built from the registry it belongs to. */
export function helpCommand(registry: () => CommandRegistry): CommandSpec {
  return {
    id: 'help',
    aliases: ['ヘルプ', 'へるぷ', '使い方', '?'],
    label: 'ヘルプ',
    description: '使えるコマンドの一覧',
    usage: 'ヘルプ',
    async onCommand() {
      const items = registry()
        .all()
        .filter((c) => c.id !== 'help')
        .map((c) => ({ title: `${c.label}（/${c.id}）`, description: `${c.description}\n例: ${c.usage}` }));
      return [reply('使えるコマンド', [{ type: 'list', title: 'soudan-bot で使えるコマンド', items }])];
    },
  };
}
