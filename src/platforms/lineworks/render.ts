/**
 * Reply → LINE WORKS message contents, within the platform's limits (developers.worksmobile.com
 * bot-send-*): text ≤ 2,000 characters; button_template ≤ 10 buttons, text ≤ 1,000; list_template
 * ≤ 4 elements; carousel ≤ 10 columns of ≤ 3 actions; flex altText ≤ 400 and a bubble ≤ 15 KB; quick replies
 * ≤ 13; labels ≤ 20; postback data ≤ 300. Button and list templates take `message` actions with
 * a postback field; `postback` actions are used only where allowed (carousel, quick reply).
 * Text is cut between graphemes (no surrogate pair, emoji sequence or combining mark is split)
 * and measured in UTF-16 units, the strictest way the platform could count.
 */
import { DATE_PICKER_ACTION } from '../../chat/dialogue/questions';
import type { Block, Button, CardBlock, ChartBlock, LinksBlock, ListBlock, Reply } from '../../chat/types';
import { encodeAction } from './postback';

export const LIMITS = {
  text: 2000,
  buttonText: 1000,
  buttons: 10,
  listElements: 4,
  carouselColumns: 10,
  carouselTitle: 40,
  carouselText: 60,
  quickReplies: 13,
  label: 20,
  altText: 400,
  flexBytes: 15 * 1024,
} as const;

/** One message body for POST …/messages: `{ content: … }`. Loosely typed: it is the API's JSON. */
export type LineWorksContent = Record<string, unknown> & { type: string };

interface LwAction {
  type: 'message' | 'postback' | 'uri';
  label: string;
  uri?: string;
  postback?: string;
  data?: string;
  displayText?: string;
}

/** Template buttons: a `message` action carrying the postback. */
function messageAction(b: Button): LwAction | null {
  const data = encodeAction(b.action);
  return data ? { type: 'message', label: cut(b.label, LIMITS.label), postback: data } : null;
}

/** Carousel columns and quick replies: a real `postback` action. */
function postbackAction(b: Button): LwAction | null {
  const data = encodeAction(b.action);
  const label = cut(b.label, LIMITS.label);
  return data ? { type: 'postback', label, data, displayText: label } : null;
}

const present = <T>(x: T | null): x is T => x !== null;

function cardText(c: CardBlock): string {
  const lines = [`【${c.title}】`];
  if (c.subtitle) lines.push(c.subtitle);
  for (const f of c.fields) lines.push(`■${f.label}\n${f.value}`);
  return lines.join('\n');
}

function listText(l: ListBlock): string {
  const lines = l.title ? [l.title] : [];
  for (const [i, it] of l.items.entries())
    lines.push(`${i + 1}. ${it.title}${it.description ? `\n   ${it.description.replace(/\n/g, '\n   ')}` : ''}`);
  return lines.join('\n');
}

const segmenter = new Intl.Segmenter('ja', { granularity: 'grapheme' });
const graphemesOf = (text: string) => [...segmenter.segment(text)].map((s) => s.segment);

/** Cuts text to at most `max` UTF-16 units, between graphemes, marking the cut with …. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const g of graphemesOf(text)) {
    if (out.length + g.length > max - 1) break;
    out += g;
  }
  return `${out}…`;
}

/** Splits long text into messages of ≤ 2,000 UTF-16 units, at line ends where possible. */
export function splitText(text: string, max: number = LIMITS.text): string[] {
  const g = graphemesOf(text);
  const out: string[] = [];
  let i = 0;
  while (i < g.length) {
    let end = i;
    let size = 0;
    while (end < g.length && size + (g[end]?.length ?? 0) <= max) size += g[end++]?.length ?? 0;
    if (end === i) end = i + 1; // a single grapheme longer than max: cannot happen at 2,000
    if (end < g.length) {
      const nl = g.lastIndexOf('\n', end - 1);
      if (nl > i + (end - i) / 2) end = nl + 1;
    }
    const part = g.slice(i, end).join('').trim();
    if (part) out.push(part);
    i = end;
  }
  return out.length > 0 ? out : [''];
}

function flexCard(c: CardBlock, altText: string): LineWorksContent | null {
  const small = (text: string, extra: Record<string, unknown> = {}) => ({
    type: 'text',
    text: cut(text, 500),
    size: 'sm',
    wrap: true,
    ...extra,
  });
  const rows = c.fields.map((f) => ({
    type: 'box',
    layout: 'baseline',
    spacing: 'sm',
    contents: [small(f.label, { color: '#888888', flex: 2 }), small(f.value, { flex: 5 })],
  }));
  const contents: Record<string, unknown>[] = [{ type: 'text', text: cut(c.title, 100), weight: 'bold', wrap: true }];
  if (c.subtitle) contents.push(small(c.subtitle, { color: '#666666' }));
  const bubble = {
    type: 'bubble',
    body: { type: 'box', layout: 'vertical', spacing: 'md', contents: [...contents, { type: 'separator' }, ...rows] },
  };
  if (Buffer.byteLength(JSON.stringify(bubble)) > LIMITS.flexBytes) return null;
  return { type: 'flex', altText: cut(altText, LIMITS.altText), contents: bubble };
}

function renderCard(c: CardBlock, summary: string): LineWorksContent[] {
  const actions = (c.buttons ?? []).map(messageAction).filter(present).slice(0, LIMITS.buttons);
  const text = cardText(c);
  if (actions.length === 0) {
    const flex = flexCard(c, summary || c.title);
    return flex ? [flex] : splitText(text).map((t) => ({ type: 'text', text: t }));
  }
  if (text.length <= LIMITS.buttonText) return [{ type: 'button_template', contentText: text, actions }];
  // Too long for a template: the whole card as text, then the buttons under its title.
  return [
    ...splitText(text).map((t) => ({ type: 'text', text: t })),
    { type: 'button_template', contentText: cut(c.title, LIMITS.buttonText), actions },
  ];
}

function renderList(l: ListBlock): LineWorksContent[] {
  if (l.items.length === 0) return l.title ? [{ type: 'text', text: cut(l.title, LIMITS.text) }] : [];
  if (l.items.length <= LIMITS.listElements) {
    const elements = l.items.map((it) => {
      const action = it.button ? messageAction(it.button) : null;
      return {
        title: cut(it.title, 100),
        ...(it.description ? { subtitle: cut(it.description, 100) } : {}),
        ...(action ? { action } : {}),
      };
    });
    return [{ type: 'list_template', ...(l.title ? { coverData: { title: cut(l.title, 100) } } : {}), elements }];
  }
  if (l.items.every((it) => it.button && encodeAction(it.button.action))) {
    const columns = l.items.map((it) => ({
      title: cut(it.title, LIMITS.carouselTitle),
      text: cut(it.description || it.title, LIMITS.carouselText),
      actions: [postbackAction(it.button as Button)].filter(present),
    }));
    const out: LineWorksContent[] = l.title ? [{ type: 'text', text: cut(l.title, LIMITS.text) }] : [];
    for (let i = 0; i < columns.length; i += LIMITS.carouselColumns)
      out.push({ type: 'carousel', columns: columns.slice(i, i + LIMITS.carouselColumns) });
    return out;
  }
  return splitText(listText(l)).map((t) => ({ type: 'text', text: t }));
}

/** Links as a button template of uri actions (a calendar subscription goes by its https form). */
function renderLinks(l: LinksBlock): LineWorksContent[] {
  const uri = (url: string) => (url.startsWith('webcal://') ? `https://${url.slice('webcal://'.length)}` : url);
  const text = [l.title ?? 'リンク', ...l.links.filter((x) => x.note).map((x) => `${x.label}: ${x.note}`)].join('\n');
  const out: LineWorksContent[] = [];
  for (let i = 0; i < l.links.length; i += LIMITS.buttons) {
    const actions: LwAction[] = l.links
      .slice(i, i + LIMITS.buttons)
      .map((x) => ({ type: 'uri', label: cut(x.label, LIMITS.label), uri: uri(x.url) }));
    out.push({ type: 'button_template', contentText: cut(i === 0 ? text : (l.title ?? 'リンク'), LIMITS.buttonText), actions });
  }
  return out;
}

/**
 * The picture where LINE WORKS can fetch it (https, PUBLIC_BASE_URL), the chart in words, and a
 * button that opens it in the browser.
 */
function renderChart(c: ChartBlock): LineWorksContent[] {
  const out: LineWorksContent[] = [];
  if (c.pngUrl.startsWith('https://')) out.push({ type: 'image', previewImageUrl: c.pngUrl, originalContentUrl: c.pngUrl });
  const words = c.bars.map((b) => `${b.met ? '✓' : '⚠'} ${b.label}: ${b.value}/${b.target}${b.unit}`).join('\n');
  for (const t of splitText(`${c.title}\n${words}`)) out.push({ type: 'text', text: t });
  out.push({
    type: 'button_template',
    contentText: cut(`${c.title}（月ごとの推移）`, LIMITS.buttonText),
    actions: [{ type: 'uri', label: 'グラフを開く', uri: c.pngUrl }],
  });
  return out;
}

function renderBlock(b: Block, summary: string): LineWorksContent[] | string {
  if (b.type === 'text') return b.text;
  if (b.type === 'card') return renderCard(b, summary);
  if (b.type === 'list') return renderList(b);
  if (b.type === 'links') return renderLinks(b);
  if (b.type === 'chart') return renderChart(b);
  // Forms are asked as a dialogue before they get here; a form arriving by delivery names its command.
  return `「${b.title}」の入力は、このトークでメニューから始めてください。`;
}

/** The quick-reply object (≤ 13 postback items); date pickers are left out: LINE WORKS has none. */
function quickReply(buttons: Button[] | undefined): Record<string, unknown> | null {
  const items = (buttons ?? [])
    .filter((b) => b.action.id !== DATE_PICKER_ACTION)
    .map(postbackAction)
    .filter(present)
    .slice(0, LIMITS.quickReplies)
    .map((action) => ({ action }));
  return items.length > 0 ? { items } : null;
}

/** Why 3: the platform allows 3 actions per carousel column, the same number in every column. */
const MAX_COLUMN_ACTIONS = 3;

function columnActions(c: CardBlock): LwAction[] {
  return (c.buttons ?? []).map(postbackAction).filter(present);
}

/**
 * Two or more cards in a row with the same number (1–3) of buttons, e.g. the reminders of a
 * digest, become carousels: one request per 10 cards instead of one per card, which matters
 * under the per-minute budget on a morning of digests.
 */
function cardRun(blocks: Block[], from: number): CardBlock[] {
  const first = blocks[from];
  if (first?.type !== 'card') return [];
  const n = columnActions(first).length;
  if (n < 1 || n > MAX_COLUMN_ACTIONS || n !== (first.buttons ?? []).length) return [];
  const run: CardBlock[] = [];
  for (let i = from; i < blocks.length; i++) {
    const b = blocks[i];
    if (b?.type !== 'card' || columnActions(b).length !== n || (b.buttons ?? []).length !== n) break;
    run.push(b);
  }
  return run.length >= 2 ? run : [];
}

function cardCarousels(cards: CardBlock[]): LineWorksContent[] {
  const columns = cards.map((c) => ({
    title: cut(c.title, LIMITS.carouselTitle),
    text: cut([c.subtitle, ...c.fields.map((f) => `${f.label}: ${f.value}`)].filter(Boolean).join('\n') || c.title, LIMITS.carouselText),
    actions: columnActions(c),
  }));
  const out: LineWorksContent[] = [];
  for (let i = 0; i < columns.length; i += LIMITS.carouselColumns)
    out.push({ type: 'carousel', columns: columns.slice(i, i + LIMITS.carouselColumns) });
  return out;
}

/** The messages for one Reply, in order; its quick replies ride on the last one. */
export function renderReply(reply: Reply): LineWorksContent[] {
  const out: LineWorksContent[] = [];
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    for (const t of splitText(pending.join('\n\n'))) out.push({ type: 'text', text: t });
    pending = [];
  };
  for (let i = 0; i < reply.blocks.length; i++) {
    const run = cardRun(reply.blocks, i);
    if (run.length > 0) {
      flush();
      out.push(...cardCarousels(run));
      i += run.length - 1;
      continue;
    }
    const b = reply.blocks[i] as Block;
    const r = renderBlock(b, reply.summary);
    if (typeof r === 'string') pending.push(r);
    else {
      flush();
      out.push(...r);
    }
  }
  flush();
  if (out.length === 0) out.push({ type: 'text', text: cut(reply.summary || '（内容なし）', LIMITS.text) });
  const qr = quickReply(reply.quickReplies);
  const last = out[out.length - 1];
  if (qr && last) last.quickReply = qr;
  return out;
}
