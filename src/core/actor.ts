/**
 * Who acts in the domain: the staff member, their office and roles, on which platform. The
 * domain owns this vocabulary; the conversation model (src/chat/types.ts) re-exports it.
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
