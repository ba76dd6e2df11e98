import { dispatch, type DispatchOptions } from './dispatch';
import { reply, textReply } from './replies';
import type { Actor, Command, Reply } from './types';

/**
 * The parts of a staff member's home page (Slack App Home, or any platform's start screen):
 * other commands' own answers, so that the home shows exactly what those commands show.
 * A part whose command is not registered is left out.
 */
const PARTS: readonly Command[] = [
  { kind: 'command', name: 'yotei', text: '' }, // my deadlines, today's digest, upcoming meetings
  { kind: 'command', name: 'niji', text: '一覧' }, // my open 二次相談
];

/** The viewer's home: a greeting, then each available part's replies (only what the viewer may see). */
export async function composeHome(opts: DispatchOptions, actor: Actor): Promise<Reply[]> {
  const out: Reply[] = [reply(`${actor.name}さんのホーム`, [{ type: 'text', text: `*${actor.name}さん* のホーム（soudan-bot）` }])];
  let parts = 0;
  for (const input of PARTS) {
    if (!opts.registry.get(input.name)) continue;
    const result = await dispatch(opts, actor, input);
    // Only answers for the viewer belong on their home; dispatch has queued anything else.
    out.push(...result.replies.filter((r) => r.visibility !== 'channel'));
    parts++;
  }
  const commands = opts.registry
    .all()
    .map((c) => `/${c.id}（${c.label}）`)
    .join('　');
  if (parts === 0) out.push(textReply('今日の予定や期限はここに表示されます。'));
  out.push(textReply(`使えるコマンド: ${commands}`));
  return out;
}
