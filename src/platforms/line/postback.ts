import type { Action, Command } from '../../chat/types';

/** LINE refuses postback data longer than 300 characters. */
export const MAX_POSTBACK_DATA = 300;

/**
 * A button's Action as postback data (`a=<id>&v=<value>`). Returns null when it would not fit:
 * a cut action would do something else than its label says, so such a button is left out.
 */
export function encodePostback(action: Action): string | null {
  const data = new URLSearchParams({ a: action.id, v: action.value }).toString();
  return data.length <= MAX_POSTBACK_DATA ? data : null;
}

/** Rich menu areas run a command with no argument (`c=soudan`), as if its word had been typed. */
export function commandPostback(commandId: string): string {
  return new URLSearchParams({ c: commandId }).toString();
}

/** The Action or Command behind a postback, or null when the data is not ours. */
export function decodePostback(data: string): Action | Command | null {
  const params = new URLSearchParams(data);
  const command = params.get('c');
  if (command !== null) return /^[a-z][a-z0-9_-]*$/.test(command) ? { kind: 'command', name: command, text: '' } : null;
  const id = params.get('a');
  if (!id || !/^[a-z][a-z0-9_-]*:[a-z0-9_:-]+$/i.test(id)) return null;
  return { kind: 'action', id, value: params.get('v') ?? '' };
}
