/**
 * A button's Action travels as postback data `<id>|<value>` (at most 300 characters, the
 * platform's limit) and comes back as the same Action. Typed text never carries a postback, so
 * nothing a user types can pose as a button press.
 */
import type { Action } from '../../chat/types';

export const MAX_POSTBACK = 300;
const ACTION_ID = /^[a-z][a-z0-9_-]*:[a-z0-9_:.-]+$/i;

/** The postback data for an action, or null when it does not fit (the button is then left out). */
export function encodeAction(action: Action): string | null {
  if (!ACTION_ID.test(action.id)) return null;
  const data = `${action.id}|${action.value}`;
  return data.length <= MAX_POSTBACK ? data : null;
}

/** The Action behind postback data, or null for data this bot did not make. */
export function decodeAction(data: string): Action | null {
  if (data.length > MAX_POSTBACK) return null;
  const bar = data.indexOf('|');
  if (bar <= 0) return null;
  const id = data.slice(0, bar);
  if (!ACTION_ID.test(id)) return null;
  return { kind: 'action', id, value: data.slice(bar + 1) };
}
