import type { CommandRegistry } from './registry';
import type { Command } from './types';

/**
 * Turns a line typed in a chat (`/case 山田`, `ケース　山田`, `記録`) into a Command, or null
 * when the first word is no command. Full-width spaces and slashes count as ordinary ones.
 */
export function parseCommandLine(registry: CommandRegistry, line: string): Command | null {
  const trimmed = line.normalize('NFKC').trim();
  if (trimmed === '') return null;
  const match = /^\/?(\S+)\s*([\s\S]*)$/.exec(trimmed);
  if (!match) return null;
  const spec = registry.resolve(match[1] ?? '');
  if (!spec) return null;
  // Arguments keep the user's own characters (kana stay kana), only outer spaces go.
  const rest = line.trim().replace(/^[/／]?\S+[\s　]*/, '');
  return { kind: 'command', name: spec.id, text: rest.trim() };
}
