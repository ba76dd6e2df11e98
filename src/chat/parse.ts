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

export const UNKNOWN_COMMAND_MESSAGE = 'コマンドが分かりませんでした。「ヘルプ」と送ると使えるコマンドが表示されます。';

/** The command that free text looks a case up with. */
const LOOKUP_COMMAND = 'case';

/**
 * What a bare name, kana, romaji or case code looks like: letters of a name (kanji, kana, Latin,
 * ー and 々, a middle dot), digits and a hyphen for codes, spaces between family and given name;
 * no sentence punctuation, at most 40 characters on one line.
 */
const LOOKUP_TEXT = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー々〆ヶ・A-Za-zāīūēōâîûêô0-9' -]{1,40}$/u;

/**
 * A line typed in a one-to-one chat: a command (parseCommandLine) or, when the first word is no
 * command and the whole line reads like a name or a case code (「山田」「C-0001」「やまだ たろう」
 * 「yamada」), a case lookup marked `implicit`, which the case handler answers only for those who
 * may search cases (an unknown command for anyone else). Null for anything else. Group chats keep
 * parseCommandLine: people talk to each other there.
 */
export function parseChatLine(registry: CommandRegistry, line: string): Command | null {
  const cmd = parseCommandLine(registry, line);
  if (cmd) return cmd;
  const text = line.normalize('NFKC').trim();
  if (!LOOKUP_TEXT.test(text) || !registry.get(LOOKUP_COMMAND)) return null;
  return { kind: 'command', name: LOOKUP_COMMAND, text: line.trim(), implicit: true };
}
