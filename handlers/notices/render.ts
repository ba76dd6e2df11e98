/**
 * The conversation side of notices: a domain notice (src/core/notices.ts) becomes a platform-free
 * Reply here, and each intent it offers becomes the button of the handler that performs it. The
 * sender (src/scheduler) and the local chat's inbox call `deliveryReply` for every outbox row.
 */
import { button, card, truncate } from '../../src/chat/replies';
import type { Block, Button, Reply } from '../../src/chat/types';
import { isNoticePayload, type Notice, type NoticeAction, type NoticeIntent } from '../../src/core/notices';

/** Each intent's button: label, the handler's action id, style. */
const INTENT_BUTTONS: Record<NoticeIntent, { label: string; id: string; style?: Button['style'] }> = {
  'case.open': { label: 'ケースを開く', id: 'case:show' },
  'secondary.open': { label: '詳細を見る', id: 'niji:show' },
  'secondary.accept': { label: '受付', id: 'niji:accept', style: 'primary' },
  'regional.open': { label: '詳細を見る', id: 'kadai:show' },
  'regional.endorse': { label: 'うちでも同じ', id: 'kadai:endorse', style: 'primary' },
  'abuse.open': { label: '記録を開く', id: 'gyakutai:open', style: 'primary' },
  'abuse.acknowledge': { label: '確認しました', id: 'gyakutai:ack' },
};

function intentButton(a: NoticeAction): Button {
  const b = INTENT_BUTTONS[a.intent];
  return button(b.label, b.id, a.ref, b.style);
}

/** Where an outbox row goes: a staff member's DM or a channel. */
export interface DeliveryTarget {
  recipientId: string | null;
  channel: string | null;
}

function renderNotice(n: Notice, to: DeliveryTarget): Reply {
  const blocks: Block[] = [];
  if (n.lead) blocks.push({ type: 'text', text: n.lead });
  for (const item of n.items) {
    const buttons = item.actions?.map(intentButton);
    blocks.push(card(item.title, item.facts, buttons && buttons.length > 0 ? buttons : undefined, item.subtitle));
  }
  for (const note of n.notes ?? []) blocks.push({ type: 'text', text: note });
  const summary = truncate(n.summary, 100);
  if (to.channel) return { visibility: 'channel', channel: to.channel, blocks, summary };
  return { visibility: 'dm', toStaffId: to.recipientId ?? undefined, blocks, summary };
}

/**
 * The message of one outbox row: a domain notice rendered here, or a message the conversation
 * side wrote itself (a handler's reply for someone else, a digest) as it was stored.
 */
export function deliveryReply(payload: unknown, to: DeliveryTarget): Reply {
  if (isNoticePayload(payload)) return renderNotice(payload.notice, to);
  return payload as Reply;
}
