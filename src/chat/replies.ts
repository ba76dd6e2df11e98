import type { Block, Button, CardBlock, Reply, Visibility } from './types';

/** Small builders so that handlers read as what they answer. */
export function textReply(text: string, visibility: Visibility = 'ephemeral'): Reply {
  return { visibility, blocks: [{ type: 'text', text }], summary: text.slice(0, 100) };
}

export function reply(summary: string, blocks: Block[], visibility: Visibility = 'ephemeral'): Reply {
  return { visibility, blocks, summary };
}

export function card(title: string, fields: CardBlock['fields'], buttons?: Button[], subtitle?: string): CardBlock {
  return { type: 'card', title, subtitle, fields, buttons };
}

export function button(label: string, id: string, value = '', style?: Button['style']): Button {
  return { label, action: { kind: 'action', id, value }, style };
}

export { truncate } from '../core/text';
