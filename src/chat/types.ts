/**
 * The platform-free conversation model. Every adapter (Slack, LINE WORKS, LINE, the local web
 * chat) turns its own events into these shapes and renders `Reply` into its own UI. Handlers and
 * core see nothing else: no Bolt type, no LINE type.
 */

/** Chat platforms the bot speaks on. `local` is the embedded web chat. */
export type Platform = 'local' | 'slack' | 'lineworks' | 'line';

/** Staff roles. One staff member may hold several. */
export const ROLES = [
  'counselor', // 相談支援専門員
  'chief', // 主任相談支援専門員
  'kikan', // 基幹相談支援センター職員
  'secretariat', // 協議会事務局
  'gyosei', // 行政 (city official)
  'office_manager', // 事業所管理者
  'abuse_contact', // 虐待防止センター窓口
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  counselor: '相談支援専門員',
  chief: '主任相談支援専門員',
  kikan: '基幹相談支援センター',
  secretariat: '協議会事務局',
  gyosei: '行政',
  office_manager: '事業所管理者',
  abuse_contact: '虐待防止窓口',
  admin: '管理者',
};

/** Who is asking: resolved from a platform account to a staff member of one tenant. */
export interface Actor {
  tenantId: string;
  staffId: string;
  officeId: string;
  /** The kind of the staff member's office (kikan, tokutei, …): access rules depend on it. */
  officeKind: string;
  name: string;
  roles: readonly Role[];
  platform: Platform;
  /** Platform user id, for logs and delivery (never shown to other users). */
  platformUserId: string;
  /**
   * Set only by core, for one request: access to one person beyond the standing rules (a
   * break-glass opening, an admin's grant, an abuse alert), already audited. See core/access.ts.
   */
  elevation?: { personId: string; scope: 'break_glass' | 'granted' | 'abuse_alert' };
}

/** A typed command: `/case 山田`, `ケース 山田`, or the local chat's input line. */
export interface Command {
  kind: 'command';
  /** Registry id (`case`, `soudan`, …) after alias resolution. */
  name: string;
  /** Everything after the command word, trimmed. */
  text: string;
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

export interface TextBlock {
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

export type FormFieldType =
  | 'text'
  | 'longtext'
  | 'date'
  | 'select'
  | 'multiselect'
  | 'number'
  | 'person';

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

export type Block = TextBlock | CardBlock | ListBlock | FormBlock;

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
