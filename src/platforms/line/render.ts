/**
 * Reply → LINE messages. Cards become Flex bubbles, lists a carousel of bubbles, buttons
 * postback actions carrying their Action, quick replies LINE quick-reply items. Every LINE limit
 * is applied here, so no handler needs to know them.
 */
import type { messagingApi } from '@line/bot-sdk';
import { truncate } from '../../chat/replies';
import type { Button, CardBlock, ChartBlock, FormBlock, LinksBlock, ListBlock, Reply } from '../../chat/types';
import { log } from '../../log';
import { encodePostback } from './postback';

type Message = messagingApi.Message;
type FlexBubble = messagingApi.FlexBubble;
type FlexComponent = messagingApi.FlexComponent;
type LineAction = messagingApi.Action;

/** LINE limits (Messaging API reference). */
export const LIMITS = {
  /** Text message, in UTF-16 code units. */
  text: 5000,
  /** Action labels, in graphemes. */
  label: 20,
  quickReplies: 13,
  carouselBubbles: 12,
  altText: 400,
  /** Per text component of a bubble (UTF-16 units). */
  flexText: 1000,
  /** LINE refuses a bubble over 30 KB of JSON; past this a card goes out as plain text instead. */
  bubbleBytes: 28_000,
  /** LINE's limit for a whole carousel is 50 KB: fewer bubbles are shown past this. */
  carouselBytes: 48_000,
} as const;

/** The button that opens a long form in the phone's browser (a one-time link). */
export const BROWSER_LABEL = 'ブラウザで入力';
/** The dialogue engine's date question button: rendered as LINE's date picker. */
const DATE_PICKER_ACTION = 'dialogue:date';

export interface RenderOptions {
  /** One-time browser links for forms, when the deployment has a public URL. */
  formUrl?: (form: FormBlock) => string | undefined;
}

const segmenter = new Intl.Segmenter('ja', { granularity: 'grapheme' });

/**
 * The last grapheme boundary at or before `pos`. Only a small window around it is segmented:
 * Intl.Segmenter costs about 0.1 ms per character here, too slow for whole long texts.
 */
function boundaryBefore(text: string, pos: number): number {
  const start = Math.max(0, pos - 64);
  let best = start;
  for (const seg of segmenter.segment(text.slice(start, Math.min(text.length, pos + 64)))) {
    const at = start + seg.index;
    if (at > pos) break;
    best = at;
  }
  return best;
}

/** Splits text into pieces of at most `max` UTF-16 units, never inside a grapheme. */
export function splitText(text: string, max: number = LIMITS.text): string[] {
  const parts: string[] = [];
  let i = 0;
  while (text.length - i > max) {
    let cut = boundaryBefore(text, i + max);
    // A single grapheme longer than the window (never in real text): cut it rather than loop.
    if (cut <= i) cut = i + max;
    parts.push(text.slice(i, cut));
    i = cut;
  }
  parts.push(text.slice(i));
  return parts;
}

const label = (s: string) => truncate(s, LIMITS.label);
/** Cuts to `max` UTF-16 units (with an ellipsis), never inside a grapheme. */
const cut = (s: string, max: number) => (s.length > max ? `${splitText(s, max - 1)[0] ?? ''}…` : s);
/** Flex text must not be empty. */
const flexText = (s: string) => cut(s.trim() === '' ? '—' : s, LIMITS.flexText);

/** A Button as a LINE action, or null when its Action cannot be carried (too long). */
function lineAction(b: Button): LineAction | null {
  const data = encodePostback(b.action);
  if (data === null) {
    log.warn({ action: b.action.id }, 'LINE postback data over 300 characters: button left out');
    return null;
  }
  if (b.action.id === DATE_PICKER_ACTION) {
    const initial = /^\d{4}-\d{2}-\d{2}$/.test(b.action.value) ? b.action.value : undefined;
    return { type: 'datetimepicker', label: label(b.label), data, mode: 'date', initial };
  }
  // displayText echoes the choice into the chat, as if the user had typed it.
  return { type: 'postback', label: label(b.label), data, displayText: cut(b.label, 300) };
}

function buttonBox(buttons: Button[]): messagingApi.FlexBox | undefined {
  const contents: FlexComponent[] = [];
  for (const b of buttons) {
    const action = lineAction(b);
    if (!action) continue;
    contents.push({
      type: 'button',
      action,
      height: 'sm',
      style: b.style === 'primary' ? 'primary' : b.style === 'danger' ? 'secondary' : 'link',
      color: b.style === 'danger' ? '#b42318' : b.style === 'primary' ? '#1f5f8b' : undefined,
    });
  }
  return contents.length > 0 ? { type: 'box', layout: 'vertical', spacing: 'sm', contents } : undefined;
}

function uriBox(text: string, uri: string): messagingApi.FlexBox {
  return {
    type: 'box',
    layout: 'vertical',
    contents: [{ type: 'button', style: 'primary', color: '#1f5f8b', height: 'sm', action: { type: 'uri', label: label(text), uri } }],
  };
}

function cardBubble(card: CardBlock): FlexBubble {
  const body: FlexComponent[] = [{ type: 'text', text: flexText(card.title), weight: 'bold', size: 'lg', wrap: true }];
  if (card.subtitle) body.push({ type: 'text', text: flexText(card.subtitle), size: 'xs', color: '#5a6475', wrap: true });
  if (card.fields.length > 0) body.push({ type: 'separator', margin: 'md' });
  for (const f of card.fields) {
    body.push({
      type: 'box',
      layout: 'vertical',
      margin: 'md',
      contents: [
        { type: 'text', text: flexText(f.label), size: 'xs', color: '#5a6475', wrap: true },
        { type: 'text', text: flexText(f.value), size: 'sm', wrap: true },
      ],
    });
  }
  return { type: 'bubble', body: { type: 'box', layout: 'vertical', contents: body }, footer: buttonBox(card.buttons ?? []) };
}

/** A card too large for a bubble, as text (its buttons are lost: LINE text has none). */
function cardAsText(card: CardBlock): string {
  const lines = [`■ ${card.title}`];
  if (card.subtitle) lines.push(card.subtitle);
  for (const f of card.fields) lines.push(`【${f.label}】\n${f.value}`);
  return lines.join('\n');
}

function itemBubble(item: ListBlock['items'][number]): FlexBubble {
  const body: FlexComponent[] = [{ type: 'text', text: flexText(item.title), weight: 'bold', wrap: true }];
  if (item.description) body.push({ type: 'text', text: flexText(item.description), size: 'sm', color: '#5a6475', wrap: true });
  return {
    type: 'bubble',
    size: 'kilo',
    body: { type: 'box', layout: 'vertical', spacing: 'sm', contents: body },
    footer: item.button ? buttonBox([item.button]) : undefined,
  };
}

function formBubble(form: FormBlock, url: string | undefined): FlexBubble {
  const fields = form.fields.map((f) => `・${f.label}${f.required ? '（必須）' : ''}`).join('\n');
  const body: FlexComponent[] = [
    { type: 'text', text: flexText(form.title), weight: 'bold', size: 'lg', wrap: true },
    { type: 'text', text: flexText(fields), size: 'sm', wrap: true, margin: 'md' },
  ];
  if (url)
    body.push({
      type: 'text',
      text: 'ボタンからブラウザで入力できます（15分間・1回限り有効）。',
      size: 'xs',
      color: '#5a6475',
      wrap: true,
      margin: 'md',
    });
  return {
    type: 'bubble',
    body: { type: 'box', layout: 'vertical', contents: body },
    footer: url ? uriBox(BROWSER_LABEL, url) : undefined,
  };
}

/** LINE opens http(s) links only from a uri action (a calendar subscription goes by its https form). */
const lineUri = (url: string) => (url.startsWith('webcal://') ? `https://${url.slice('webcal://'.length)}` : url);

function linksBubble(block: LinksBlock): FlexBubble {
  const body: FlexComponent[] = [];
  if (block.title) body.push({ type: 'text', text: flexText(block.title), weight: 'bold', wrap: true });
  const notes = block.links.filter((l) => l.note).map((l) => `${l.label}: ${l.note}`);
  if (notes.length > 0)
    body.push({ type: 'text', text: flexText(notes.join('\n')), size: 'xs', color: '#5a6475', wrap: true, margin: 'md' });
  const buttons: FlexComponent[] = block.links.map((l) => ({
    type: 'button',
    style: 'link',
    height: 'sm',
    action: { type: 'uri', label: label(l.label), uri: lineUri(l.url) },
  }));
  return {
    type: 'bubble',
    body: body.length > 0 ? { type: 'box', layout: 'vertical', contents: body } : undefined,
    footer: { type: 'box', layout: 'vertical', spacing: 'sm', contents: buttons },
  };
}

/** Progress against a target as Flex bars: the numbers need no picture. */
function chartBubble(block: ChartBlock): FlexBubble {
  const rows: FlexComponent[] = block.bars.map((b) => {
    const pct = b.target > 0 ? Math.min(100, Math.round((b.value / b.target) * 100)) : b.value > 0 ? 100 : 0;
    return {
      type: 'box',
      layout: 'vertical',
      margin: 'md',
      spacing: 'xs',
      contents: [
        { type: 'text', text: flexText(b.label), size: 'xs', color: '#5a6475', wrap: true },
        {
          type: 'box',
          layout: 'horizontal',
          contents: [
            {
              type: 'box',
              layout: 'vertical',
              flex: 4,
              height: '8px',
              backgroundColor: '#e3e7ee',
              cornerRadius: '4px',
              offsetTop: '5px',
              contents: [
                {
                  type: 'box',
                  layout: 'vertical',
                  width: `${pct}%`,
                  height: '8px',
                  backgroundColor: b.met ? '#2e7d4f' : '#c77700',
                  cornerRadius: '4px',
                  contents: [],
                },
              ],
            },
            {
              type: 'text',
              text: `${b.met ? '✓' : '⚠'} ${b.value}/${b.target}${b.unit}`,
              size: 'xs',
              flex: 3,
              align: 'end',
              color: b.met ? '#2e7d4f' : '#8a4b00',
            },
          ],
        },
      ],
    };
  });
  return {
    type: 'bubble',
    size: 'mega',
    body: {
      type: 'box',
      layout: 'vertical',
      contents: [{ type: 'text', text: flexText(block.title), weight: 'bold', wrap: true }, ...rows],
    },
    footer: {
      type: 'box',
      layout: 'vertical',
      contents: [
        { type: 'button', style: 'link', height: 'sm', action: { type: 'uri', label: '月ごとの推移（グラフ）', uri: block.pngUrl } },
      ],
    },
  };
}

const flex = (altText: string, contents: messagingApi.FlexContainer): Message => ({
  type: 'flex',
  altText: cut(altText || 'メッセージ', LIMITS.altText),
  contents,
});

/** One Reply as LINE messages (without quick replies: those go on the last message of a batch). */
function renderReply(reply: Reply, opts: RenderOptions = {}): Message[] {
  const out: Message[] = [];
  for (const block of reply.blocks) {
    if (block.type === 'text') {
      if (block.text.trim() === '') continue;
      for (const part of splitText(block.text)) out.push({ type: 'text', text: part });
    } else if (block.type === 'card') {
      const bubble = cardBubble(block);
      if (Buffer.byteLength(JSON.stringify(bubble)) <= LIMITS.bubbleBytes) out.push(flex(reply.summary || block.title, bubble));
      else for (const part of splitText(cardAsText(block))) out.push({ type: 'text', text: part });
    } else if (block.type === 'list') {
      if (block.title) out.push({ type: 'text', text: splitText(block.title)[0] ?? '' });
      const bubbles = block.items.slice(0, LIMITS.carouselBubbles).map(itemBubble);
      while (bubbles.length > 1 && Buffer.byteLength(JSON.stringify(bubbles)) > LIMITS.carouselBytes) bubbles.pop();
      if (bubbles.length > 0) out.push(flex(reply.summary || block.title || '一覧', { type: 'carousel', contents: bubbles }));
      const rest = block.items.length - bubbles.length;
      if (rest > 0) out.push({ type: 'text', text: `ほかに${rest}件あります。条件を絞ってもう一度お試しください。` });
    } else if (block.type === 'links') {
      out.push(flex(block.title || reply.summary || 'リンク', linksBubble(block)));
    } else if (block.type === 'chart') {
      // The picture itself only where LINE's servers can fetch it (https); the bars always.
      if (block.pngUrl.startsWith('https://')) out.push({ type: 'image', originalContentUrl: block.pngUrl, previewImageUrl: block.pngUrl });
      const bubble = chartBubble(block);
      if (Buffer.byteLength(JSON.stringify(bubble)) <= LIMITS.bubbleBytes) out.push(flex(cut(block.alt, LIMITS.altText), bubble));
      else for (const part of splitText(block.alt)) out.push({ type: 'text', text: part });
    } else {
      out.push(flex(reply.summary || block.title, formBubble(block, opts.formUrl?.(block))));
    }
  }
  return out;
}

/** LINE quick replies from Reply.quickReplies (at most 13; buttons that cannot be carried are left out). */
function quickReplyOf(buttons: Button[] | undefined): messagingApi.QuickReply | undefined {
  if (!buttons || buttons.length === 0) return undefined;
  const items: messagingApi.QuickReplyItem[] = [];
  for (const b of buttons) {
    const action = lineAction(b);
    if (action) items.push({ type: 'action', action });
    if (items.length === LIMITS.quickReplies) break;
  }
  return items.length > 0 ? { items } : undefined;
}

/**
 * Several replies as one batch of messages. The quick replies of the last reply that has any go
 * on the last message: LINE shows quick replies of the latest message only.
 */
export function renderReplies(replies: Reply[], opts: RenderOptions = {}): Message[] {
  const messages = replies.flatMap((r) => renderReply(r, opts));
  const quick = quickReplyOf([...replies].reverse().find((r) => r.quickReplies && r.quickReplies.length > 0)?.quickReplies);
  const last = messages.at(-1);
  if (quick && last) messages[messages.length - 1] = { ...last, quickReply: quick };
  return messages;
}
