import type { messagingApi } from '@line/bot-sdk';
import type { CommandRegistry } from '../../chat/registry';
import { commandPostback } from './postback';

/** LINE's large rich menu: 2500 × 1686 px, here as 2 rows × 3 tiles. */
export const RICH_MENU_SIZE = { width: 2500, height: 1686 } as const;
const COLUMNS = 3;
const ROWS = 2;

export interface MenuTile {
  commandId: string;
  label: string;
}

/** The main flows: the registry's menu commands (in registry order), help always last. */
export function menuTiles(registry: CommandRegistry): MenuTile[] {
  const menu = registry
    .all()
    .filter((c) => c.menu && c.id !== 'help')
    .slice(0, COLUMNS * ROWS - 1);
  return [...menu.map((c) => ({ commandId: c.id, label: c.label })), { commandId: 'help', label: 'ヘルプ' }];
}

/**
 * The rich menu definition: each tile a postback that runs its command as if its word had been
 * typed (and shows the label in the chat). Generated from the registry, so it never names a
 * command that does not exist.
 */
export function richMenuDefinition(registry: CommandRegistry): messagingApi.RichMenuRequest {
  const tiles = menuTiles(registry);
  const w = Math.floor(RICH_MENU_SIZE.width / COLUMNS);
  const h = Math.floor(RICH_MENU_SIZE.height / ROWS);
  return {
    size: { ...RICH_MENU_SIZE },
    selected: true,
    name: 'soudan-bot main menu',
    chatBarText: 'メニュー',
    areas: tiles.map((t, i) => ({
      bounds: { x: (i % COLUMNS) * w, y: Math.floor(i / COLUMNS) * h, width: w, height: h },
      action: { type: 'postback', label: t.label, data: commandPostback(t.commandId), displayText: t.label },
    })),
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/** A plain page with the tiles' labels; cli.ts screenshots it into the menu image. */
export function richMenuHtml(tiles: MenuTile[]): string {
  const cells = tiles.map((t) => `<div>${escapeHtml(t.label)}</div>`).join('');
  return `<!doctype html><html lang="ja"><head><meta charset="utf-8"><style>
html,body{margin:0;width:${RICH_MENU_SIZE.width}px;height:${RICH_MENU_SIZE.height}px}
body{display:grid;grid-template-columns:repeat(${COLUMNS},1fr);grid-template-rows:repeat(${ROWS},1fr);gap:12px;background:#dfe6ee;
font-family:"Noto Sans CJK JP","Hiragino Sans","Noto Sans JP",sans-serif}
div{display:flex;align-items:center;justify-content:center;background:#1f5f8b;color:#fff;font-size:150px;font-weight:bold}
</style></head><body>${cells}</body></html>`;
}
