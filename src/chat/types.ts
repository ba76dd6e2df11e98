/**
 * The platform-free conversation model. Every adapter (Slack, LINE WORKS, LINE, the local web
 * chat) turns its own events into these shapes and renders `Reply` into its own UI. Handlers and
 * core see nothing else: no Bolt type, no LINE type.
 */

export { ROLE_LABELS, ROLES } from '../core/actor';
export type { Actor, Platform, Role } from '../core/actor';

/** A typed command: `/case 山田`, `ケース 山田`, or the local chat's input line. */
export interface Command {
  kind: 'command';
  /** Registry id (`case`, `soudan`, …) after alias resolution. */
  name: string;
  /** Everything after the command word, trimmed. */
  text: string;
  /**
   * Typed with no command word at all (「山田」, 「C-0001」, 「yamada」): free text taken as a case
   * lookup (see parseChatLine); the handler answers it as such or as an unknown command.
   */
  implicit?: boolean;
}

/** A button press or a menu choice. `id` names the action, `value` carries its argument. */
export interface Action {
  kind: 'action';
  /** `<command>:<verb>`, e.g. `case:show`; the part before ':' routes it to its handler. */
  id: string;
  value: string;
}

/** A completed form (modal, dialogue or web form). Values are raw strings until a schema parses them. */
export interface FormSubmission {
  kind: 'form';
  /** `<command>:<form>`, e.g. `soudan:new`. */
  formId: string;
  values: Record<string, string | string[] | undefined>;
  /** Opaque context the form carried (e.g. a record id), as set in `Form.context`. */
  context?: string;
}

export type Input = Command | Action | FormSubmission;

/** Who may see a reply. Case data is only ever `ephemeral` or `dm`. */
export type Visibility = 'ephemeral' | 'dm' | 'channel';

export interface Button {
  label: string;
  action: Action;
  style?: 'primary' | 'danger';
}

export interface Field {
  label: string;
  value: string;
}

interface TextBlock {
  type: 'text';
  text: string;
}

export interface CardBlock {
  type: 'card';
  title: string;
  subtitle?: string;
  fields: Field[];
  buttons?: Button[];
}

export interface ListBlock {
  type: 'list';
  title?: string;
  items: { title: string; description?: string; button?: Button }[];
}

export type FormFieldType = 'text' | 'longtext' | 'date' | 'select' | 'multiselect' | 'number' | 'person';

export interface FormField {
  name: string;
  label: string;
  type: FormFieldType;
  required?: boolean;
  /** For select / multiselect. */
  options?: { value: string; label: string }[];
  /** Initial value (ISO date for `date`). */
  initial?: string | string[];
  placeholder?: string;
  hint?: string;
  maxLength?: number;
  /**
   * For `longtext`: a file may be chosen instead of typing (e.g. `.csv`). Browsers (web chat,
   * one-time form pages) send the file's bytes as a `data:…;base64,` value, so that the server
   * reads its encoding (Shift_JIS from Excel); other platforms keep the text box.
   */
  accept?: string;
}

export interface FormBlock {
  type: 'form';
  /** `<command>:<form>`; the submission comes back with the same id. */
  formId: string;
  title: string;
  submitLabel?: string;
  fields: FormField[];
  context?: string;
  /** Field-level errors (Japanese) when a submission is shown again. */
  errors?: Record<string, string>;
}

/** Links to open (a download, a printable record, a calendar): tappable on every platform. */
export interface LinksBlock {
  type: 'links';
  title?: string;
  /** Absolute http(s) or webcal URLs. */
  links: { label: string; url: string; note?: string }[];
}

/** One bar of a chart: progress against a target, for platforms that draw it themselves. */
interface ChartBar {
  label: string;
  value: number;
  target: number;
  unit: string;
  met: boolean;
}

/**
 * A chart drawn on the server. The picture is behind signed, expiring URLs (SVG for the web
 * chat, PNG where a platform needs an image); the numbers travel too, so LINE can draw Flex
 * progress bars and every platform has the chart in words.
 */
export interface ChartBlock {
  type: 'chart';
  title: string;
  /** The chart in words: alt text, and the fallback where no picture can be shown. */
  alt: string;
  svgUrl: string;
  pngUrl: string;
  width: number;
  height: number;
  bars: ChartBar[];
}

export type Block = TextBlock | CardBlock | ListBlock | FormBlock | LinksBlock | ChartBlock;

/** One message to show. An input may produce several (e.g. an ephemeral answer and a DM). */
export interface Reply {
  visibility: Visibility;
  blocks: Block[];
  /** Short plain text for notifications and platforms that need a fallback. */
  summary: string;
  /** For `dm`: the staff member to reach (defaults to the asker). */
  toStaffId?: string;
  /** For `channel`: a configured channel purpose (e.g. `kikan-queue`). */
  channel?: string;
  /**
   * Suggested answers: quick replies on LINE and LINE WORKS, buttons elsewhere. The dialogue
   * engine uses them for select fields and for 戻る / やめる.
   */
  quickReplies?: Button[];
  /**
   * For a reply to an Action pressed on a message: replace that message (a reminder marked
   * 完了 updates in place) instead of sending a new one.
   */
  replaceOriginal?: boolean;
}
