import type { Block, Button, CardBlock, Reply, Visibility } from './types';

/** Small builders so that handlers read as what they answer. */
export function textReply(text: string, visibility: Visibility = 'ephemeral'): Reply {
  return { visibility, blocks: [{ type: 'text', text }], summary: text.slice(0, 100) };
}

export function reply(summary: string, blocks: Block[], visibility: Visibility = 'ephemeral'): Reply {
  return { visibility, blocks, summary };
}

export function card(
  title: string,
  fields: CardBlock['fields'],
  buttons?: Button[],
  subtitle?: string,
): CardBlock {
  return { type: 'card', title, subtitle, fields, buttons };
}

export function button(label: string, id: string, value = '', style?: Button['style']): Button {
  return { label, action: { kind: 'action', id, value }, style };
}

/** Cuts text to `max` characters without splitting a surrogate pair or a combining mark. */
export function truncate(text: string, max: number): string {
  const chars = [...new Intl.Segmenter('ja', { granularity: 'grapheme' }).segment(text)].map((s) => s.segment);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}
