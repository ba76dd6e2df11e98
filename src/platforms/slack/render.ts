import type { types } from '@slack/bolt';
import type {
  Action,
  Block,
  Button,
  CardBlock,
  ChartBlock,
  Command,
  FormBlock,
  FormField,
  LinksBlock,
  ListBlock,
  Reply,
} from '../../chat/types';
import { cut, mrkdwn } from './text';

type KnownBlock = types.KnownBlock;
type SlackButton = types.Button;

/** Block Kit limits (docs.slack.dev/reference/block-kit). */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  field: 2000,
  fields: 10,
  header: 150,
  buttonText: 75,
  buttonValue: 2000,
  actionsElements: 25,
  optionText: 75,
  optionValue: 150,
  options: 100,
  /** Checkboxes take at most 10 options; a longer multiselect stays a multi_static_select. */
  checkboxOptions: 10,
  modalTitle: 24,
  label: 2000,
  placeholder: 150,
  hint: 2000,
  privateMetadata: 3000,
  inputMax: 3000,
} as const;
/** Why 10: ten items read well on a phone and leave room in the 50-block message limit. */
const LIST_PAGE_SIZE = 10;

/** Adapter-owned actions (never a registry command): page through a list, open a form again. */
export const PAGE_ACTION = 'slack:page';
export const OPEN_ACTION = 'slack:open';

/** The input that produced a reply, so a page button or a form button can run it again. */
export type Origin = { k: 'c'; n: string; t: string } | { k: 'a'; i: string; v: string };

export function originOf(input: Command | Action): Origin {
  return input.kind === 'command' ? { k: 'c', n: input.name, t: input.text } : { k: 'a', i: input.id, v: input.value };
}

export interface RenderOptions {
  origin?: Origin;
  /** Which page of each list to show (0-based). */
  page?: number;
  /** Index of the reply among the input's replies (pages re-render that one). */
  replyIndex?: number;
}

/** action_id must be unique in a message, but an Action id repeats (one 開く per list item): suffix it. */
export function encodeActionId(id: string, n: number): string {
  return `${id}|${n}`;
}
export function decodeActionId(actionId: string): string {
  const bar = actionId.lastIndexOf('|');
  return bar < 0 ? actionId : actionId.slice(0, bar);
}

const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: cut(text, max) || ' ', emoji: true });

class Counter {
  n = 0;
  next(): number {
    return this.n++;
  }
}

function slackButton(b: Button, c: Counter): SlackButton {
  const out: SlackButton = {
    type: 'button',
    text: plain(b.label, LIMITS.buttonText),
    action_id: encodeActionId(b.action.id, c.next()),
    value: b.action.value.slice(0, LIMITS.buttonValue),
  };
  if (b.style) out.style = b.style;
  return out;
}

function actions(buttons: SlackButton[]): KnownBlock[] {
  const out: KnownBlock[] = [];
  for (let i = 0; i < buttons.length; i += LIMITS.actionsElements) {
    out.push({ type: 'actions', elements: buttons.slice(i, i + LIMITS.actionsElements) });
  }
  return out;
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: mrkdwn(text, LIMITS.sectionText) || ' ' } };
}

function renderCard(card: CardBlock, c: Counter): KnownBlock[] {
  const out: KnownBlock[] = [{ type: 'header', text: plain(card.title, LIMITS.header) }];
  if (card.subtitle) out.push({ type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwn(card.subtitle, LIMITS.sectionText) }] });
  for (let i = 0; i < card.fields.length; i += LIMITS.fields) {
    const fields = card.fields.slice(i, i + LIMITS.fields).map((f) => ({
      type: 'mrkdwn' as const,
      text: `*${mrkdwn(f.label, 200)}*\n${mrkdwn(f.value, LIMITS.field - 210)}`,
    }));
    out.push({ type: 'section', fields });
  }
  if (card.buttons?.length) out.push(...actions(card.buttons.map((b) => slackButton(b, c))));
  return out;
}

function pageButton(origin: Origin, page: number, replyIndex: number, label: string, c: Counter): SlackButton | null {
  const value = JSON.stringify({ o: origin, p: page, r: replyIndex });
  if (value.length > LIMITS.buttonValue) return null;
  return { type: 'button', text: plain(label, LIMITS.buttonText), action_id: encodeActionId(PAGE_ACTION, c.next()), value };
}

function renderList(list: ListBlock, c: Counter, opts: RenderOptions): KnownBlock[] {
  const pages = Math.max(1, Math.ceil(list.items.length / LIST_PAGE_SIZE));
  // Without an origin there is no way back to the other pages: show the first and say so.
  const page = opts.origin ? Math.min(Math.max(0, opts.page ?? 0), pages - 1) : 0;
  const items = list.items.slice(page * LIST_PAGE_SIZE, (page + 1) * LIST_PAGE_SIZE);
  const out: KnownBlock[] = [];
  if (list.title) out.push(section(`*${list.title}*`));
  for (const item of items) {
    const text = `*${mrkdwn(item.title, 500)}*${item.description ? `\n${mrkdwn(item.description, LIMITS.sectionText - 520)}` : ''}`;
    const block: types.SectionBlock = { type: 'section', text: { type: 'mrkdwn', text } };
    if (item.button) block.accessory = slackButton(item.button, c);
    out.push(block);
  }
  if (pages > 1) {
    const nav: SlackButton[] = [];
    if (opts.origin) {
      const r = opts.replyIndex ?? 0;
      const prev = page > 0 ? pageButton(opts.origin, page - 1, r, '前へ', c) : null;
      const next = page < pages - 1 ? pageButton(opts.origin, page + 1, r, '次へ', c) : null;
      if (prev) nav.push(prev);
      if (next) nav.push(next);
    }
    const shown = `${page * LIST_PAGE_SIZE + 1}〜${page * LIST_PAGE_SIZE + items.length}件目 / 全${list.items.length}件`;
    out.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: nav.length > 0 ? shown : `${shown}（条件を絞ってもう一度お試しください）` }],
    });
    if (nav.length > 0) out.push({ type: 'actions', elements: nav });
  }
  return out;
}

/** A form shown where no modal can open (a DM, App Home): a button that opens it. */
function renderFormButton(form: FormBlock, c: Counter, opts: RenderOptions): KnownBlock[] {
  const value = opts.origin ? JSON.stringify(opts.origin) : '';
  if (!opts.origin || value.length > LIMITS.buttonValue) return [section(`「${form.title}」はスラッシュコマンドから開いてください。`)];
  return [
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          style: 'primary',
          text: plain(`${form.title}を入力する`, LIMITS.buttonText),
          action_id: encodeActionId(OPEN_ACTION, c.next()),
          value,
        },
      ],
    },
  ];
}

/** Slack's own link syntax: `<url|label>`, with the characters it reserves kept out of the label. */
const slackLink = (url: string, label: string) =>
  `<${url.replace(/[<>|]/g, encodeURIComponent)}|${mrkdwn(label, 200).replace(/\|/g, ' ')}>`;

function renderLinks(block: LinksBlock): KnownBlock[] {
  const lines = block.links.map((l) => `• ${slackLink(l.url, l.label)}${l.note ? `　${mrkdwn(l.note, 300)}` : ''}`);
  // Built here, not through section(): that escapes every '<', and these are links on purpose.
  const body = `${block.title ? `*${mrkdwn(block.title, 300)}*\n` : ''}${lines.join('\n')}`;
  return [{ type: 'section', text: { type: 'mrkdwn', text: body.slice(0, LIMITS.sectionText) } }];
}

/**
 * Slack fetches an image block's picture from its own servers: only an https URL it can reach
 * (PUBLIC_BASE_URL) is shown as the picture; otherwise the chart is a link and its words.
 */
function renderChart(block: ChartBlock): KnownBlock[] {
  const out: KnownBlock[] = [];
  if (block.pngUrl.startsWith('https://')) {
    out.push({ type: 'image', image_url: block.pngUrl, alt_text: cut(block.alt, 2000), title: plain(block.title, 2000) });
  } else out.push(section(`*${mrkdwn(block.title, 300)}*`));
  out.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${slackLink(block.pngUrl, 'グラフを開く（PNG）')}　${slackLink(block.svgUrl, 'SVG')}` }],
  });
  return out;
}

function renderBlock(block: Block, c: Counter, opts: RenderOptions): KnownBlock[] {
  switch (block.type) {
    case 'text':
      return [section(block.text)];
    case 'card':
      return renderCard(block, c);
    case 'list':
      return renderList(block, c, opts);
    case 'form':
      return renderFormButton(block, c, opts);
    case 'links':
      return renderLinks(block);
    case 'chart':
      return renderChart(block);
  }
}

/** Keeps within a surface's block limit; what does not fit is named, never silently lost. */
function fit(blocks: KnownBlock[], max: number): KnownBlock[] {
  if (blocks.length <= max) return blocks;
  return [
    ...blocks.slice(0, max - 1),
    { type: 'context', elements: [{ type: 'mrkdwn', text: '（表示しきれない項目があります。条件を絞ってお試しください）' }] },
  ];
}

function replyBlocks(reply: Reply, c: Counter, opts: RenderOptions): KnownBlock[] {
  const blocks = reply.blocks.flatMap((b) => renderBlock(b, c, opts));
  if (reply.quickReplies?.length) blocks.push(...actions(reply.quickReplies.map((b) => slackButton(b, c))));
  return blocks;
}

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** A Reply as a Slack message: `text` is the notification fallback, `blocks` the message. */
export function renderMessage(reply: Reply, opts: RenderOptions = {}): SlackMessage {
  return {
    text: cut(reply.summary || ' ', LIMITS.sectionText),
    blocks: fit(replyBlocks(reply, new Counter(), opts), LIMITS.messageBlocks),
  };
}

/** What a modal carries between opening and submission (Slack keeps it for us). */
export interface ModalMetadata {
  /** Form id and context from the FormBlock. */
  f: string;
  c?: string;
  /** Where to answer after the submission: the response_url of the command that opened it. */
  r?: string;
  /** Opened from App Home: the home is published again after the submission. */
  h?: 1;
}

function element(field: FormField): types.InputBlock['element'] {
  const action_id = 'v';
  const placeholder = field.placeholder ? plain(field.placeholder, LIMITS.placeholder) : undefined;
  const initial = typeof field.initial === 'string' ? field.initial : undefined;
  const options = (field.options ?? [])
    .slice(0, LIMITS.options)
    .map((o) => ({ text: plain(o.label, LIMITS.optionText), value: o.value.slice(0, LIMITS.optionValue) }));
  switch (field.type) {
    case 'date':
      return {
        type: 'datepicker',
        action_id,
        ...(initial && /^\d{4}-\d{2}-\d{2}$/.test(initial) ? { initial_date: initial } : {}),
        ...(placeholder ? { placeholder } : {}),
      };
    case 'number':
      return {
        type: 'number_input',
        action_id,
        is_decimal_allowed: false,
        ...(initial ? { initial_value: initial } : {}),
        ...(placeholder ? { placeholder } : {}),
      };
    case 'select': {
      const chosen = options.find((o) => o.value === initial);
      return {
        type: 'static_select',
        action_id,
        options,
        ...(chosen ? { initial_option: chosen } : {}),
        ...(placeholder ? { placeholder } : {}),
      };
    }
    case 'multiselect': {
      const wanted = Array.isArray(field.initial) ? field.initial : [];
      const chosen = options.filter((o) => wanted.includes(o.value));
      // A few choices read best all visible, as checkboxes; a long list (staff) as a searchable menu.
      if (options.length <= LIMITS.checkboxOptions)
        return { type: 'checkboxes', action_id, options, ...(chosen.length ? { initial_options: chosen } : {}) };
      return {
        type: 'multi_static_select',
        action_id,
        options,
        ...(chosen.length ? { initial_options: chosen } : {}),
        ...(placeholder ? { placeholder } : {}),
      };
    }
    default:
      return {
        type: 'plain_text_input',
        action_id,
        multiline: field.type === 'longtext',
        max_length: Math.min(field.maxLength ?? LIMITS.inputMax, LIMITS.inputMax),
        ...(initial ? { initial_value: cut(initial, LIMITS.inputMax) } : {}),
        ...(placeholder ? { placeholder } : {}),
      };
  }
}

/** A FormBlock as a modal; `intro` are the reply's other blocks, shown above the fields. */
export function renderModal(form: FormBlock, meta: ModalMetadata, intro: Block[] = []): types.ModalView {
  const c = new Counter();
  const head = intro.flatMap((b) => renderBlock(b, c, {}));
  if (form.errors && Object.keys(form.errors).length > 0) {
    head.push(section(`⚠ ${Object.values(form.errors).join('\n')}`));
  }
  const inputs: KnownBlock[] = form.fields.map((f) => ({
    type: 'input',
    block_id: f.name,
    optional: !f.required,
    label: plain(f.label, LIMITS.label),
    ...(f.hint && f.type !== 'date' ? { hint: plain(f.hint, LIMITS.hint) } : {}),
    element: element(f),
  }));
  return {
    type: 'modal',
    callback_id: form.formId,
    title: plain(form.title, LIMITS.modalTitle),
    submit: plain(form.submitLabel ?? '送信', LIMITS.modalTitle),
    close: plain('キャンセル', LIMITS.modalTitle),
    private_metadata: encodeMetadata(meta),
    blocks: fit([...head, ...inputs], LIMITS.viewBlocks),
  };
}

/** Metadata is capped at 3,000 characters: the response_url is dropped first (the answer then goes by DM). */
function encodeMetadata(meta: ModalMetadata): string {
  const full = JSON.stringify(meta);
  if (full.length <= LIMITS.privateMetadata) return full;
  return JSON.stringify({ f: meta.f, c: meta.c, h: meta.h }).slice(0, LIMITS.privateMetadata);
}

/** A read-only modal (an answer to a button on App Home, where there is no message to reply in). */
export function renderInfoModal(reply: Reply, opts: RenderOptions = {}): types.ModalView {
  return {
    type: 'modal',
    title: plain(reply.summary || 'soudan-bot', LIMITS.modalTitle),
    close: plain('閉じる', LIMITS.modalTitle),
    blocks: fit(replyBlocks(reply, new Counter(), opts), LIMITS.viewBlocks),
  };
}

/** App Home: the replies one after another, divided. */
export function renderHome(replies: Reply[]): types.HomeView {
  const c = new Counter();
  const blocks: KnownBlock[] = [];
  replies.forEach((r, i) => {
    if (i > 0) blocks.push({ type: 'divider' });
    blocks.push(...replyBlocks(r, c, {}));
  });
  return { type: 'home', blocks: fit(blocks, LIMITS.viewBlocks) };
}

/**
 * Field errors for `response_action: errors`, keyed by block id (= field name). Errors about
 * no field of the form go on its first field, so the user always sees them.
 */
export function slackFieldErrors(fieldErrors: Record<string, string>, blockIds: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const stray: string[] = [];
  for (const [field, message] of Object.entries(fieldErrors)) {
    if (blockIds.includes(field)) out[field] = cut(message, LIMITS.label);
    else stray.push(message);
  }
  const first = blockIds[0];
  if (stray.length > 0 && first) out[first] = cut([out[first], ...stray].filter(Boolean).join(' / '), LIMITS.label);
  return out;
}
