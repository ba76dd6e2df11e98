import { and, asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { chatAccounts, offices, OFFICE_KINDS, staff, tenants, type OfficeKind } from '../../../db/schema/index';
import { ROLE_LABELS, ROLES, type Role } from '../actor';
import { writeAudit } from '../audit/write';
import { UserError } from '../errors';

/**
 * Tenants, offices and staff, for the operator CLI and the admin chat command. Every change is
 * audited; `by` is the admin's staff id, or null for an operator at the console.
 */
export interface AdminContext {
  by: string | null;
  platform: string;
}

export async function tenantByCode(
  db: DbOrTx,
  code: string,
): Promise<{ id: string; code: string; name: string; settings: Record<string, unknown> }> {
  const [t] = await db.select().from(tenants).where(eq(tenants.code, code));
  if (!t) throw new UserError('unknown_tenant', `自治体コード ${code} は登録されていません。`, `unknown tenant ${code}`);
  return t;
}

export async function addTenant(
  db: DbOrTx,
  ctx: AdminContext,
  input: { code: string; name: string; retentionYears?: number },
): Promise<string> {
  if (!/^[a-z0-9-]{2,40}$/.test(input.code))
    throw new UserError('bad_code', 'コードは半角英小文字・数字・ハイフン（2〜40文字）で指定してください。', 'bad tenant code');
  const settings = input.retentionYears ? { retentionYears: input.retentionYears } : {};
  const [t] = await db
    .insert(tenants)
    .values({ code: input.code, name: input.name, settings })
    .onConflictDoNothing()
    .returning({ id: tenants.id });
  if (!t) throw new UserError('duplicate', `自治体コード ${input.code} は既に使われています。`, 'duplicate tenant');
  await writeAudit(db, {
    tenantId: t.id,
    actorStaffId: ctx.by,
    platform: ctx.platform,
    action: 'create',
    resourceType: 'tenant',
    resourceId: t.id,
  });
  return t.id;
}

export async function setTenantSetting(db: DbOrTx, ctx: AdminContext, tenantId: string, key: string, value: unknown): Promise<void> {
  const [t] = await db.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId));
  if (!t) throw new UserError('unknown_tenant', '自治体が見つかりません。', 'unknown tenant');
  await db
    .update(tenants)
    .set({ settings: { ...t.settings, [key]: value } })
    .where(eq(tenants.id, tenantId));
  await writeAudit(db, {
    tenantId,
    actorStaffId: ctx.by,
    platform: ctx.platform,
    action: 'update',
    resourceType: 'tenant',
    resourceId: tenantId,
    detail: { fields: [`settings.${key}`] },
  });
}

export async function addOffice(db: DbOrTx, ctx: AdminContext, tenantId: string, input: { name: string; kind: string }): Promise<string> {
  if (!(OFFICE_KINDS as readonly string[]).includes(input.kind)) {
    throw new UserError('bad_kind', `事業所の種類は ${OFFICE_KINDS.join(' / ')} のいずれかです。`, 'bad office kind');
  }
  const [o] = await db
    .insert(offices)
    .values({ tenantId, name: input.name, kind: input.kind as OfficeKind })
    .returning({ id: offices.id });
  if (!o) throw new Error('insert returned no row');
  await writeAudit(db, {
    tenantId,
    actorStaffId: ctx.by,
    platform: ctx.platform,
    action: 'create',
    resourceType: 'office',
    resourceId: o.id,
  });
  return o.id;
}

export async function officeByName(db: DbOrTx, tenantId: string, nameOrId: string): Promise<{ id: string; name: string; kind: string }> {
  const rows = await db
    .select({ id: offices.id, name: offices.name, kind: offices.kind })
    .from(offices)
    .where(eq(offices.tenantId, tenantId));
  const o = rows.find((r) => r.id === nameOrId || r.name === nameOrId);
  if (!o) throw new UserError('unknown_office', `事業所「${nameOrId}」が見つかりません。`, 'unknown office');
  return o;
}

/**
 * One role as an admin types it: its Japanese label as shown everywhere (ROLE_LABELS: 相談支援専門員,
 * 事業所管理者 …), a part of one label only (主任, 基幹, 事務局, 虐待防止), or its id (counselor).
 */
function roleOf(word: string): Role | null {
  const w = word.normalize('NFKC').trim();
  const id = w.toLowerCase();
  if ((ROLES as readonly string[]).includes(id)) return id as Role;
  const exact = ROLES.find((r) => ROLE_LABELS[r] === w);
  if (exact) return exact;
  const partial = w.length >= 2 ? ROLES.filter((r) => ROLE_LABELS[r].includes(w)) : [];
  return partial.length === 1 ? (partial[0] ?? null) : null;
}

/** A list of roles (comma, 、, ・ or spaces between): Japanese labels or ids. */
export function parseRoles(text: string): Role[] {
  const words = text.split(/[,、，・\s]+/).filter(Boolean);
  const roles = words.map((w) => roleOf(w));
  const bad = words.filter((_, i) => roles[i] === null);
  if (bad.length > 0 || words.length === 0) {
    const known = ROLES.map((r) => ROLE_LABELS[r]).join('、');
    throw new UserError(
      'bad_roles',
      `役割は ${known} から指定してください（「・」か「,」で区切って複数可。不明: ${bad.join('、') || 'なし'}）。`,
      'bad roles',
    );
  }
  return [...new Set(roles as Role[])];
}

export async function addStaff(
  db: DbOrTx,
  ctx: AdminContext,
  tenantId: string,
  input: { officeId: string; name: string; kana?: string; roles: Role[] },
): Promise<string> {
  const [s] = await db
    .insert(staff)
    .values({ tenantId, officeId: input.officeId, name: input.name, kana: input.kana ?? null, roles: input.roles })
    .returning({ id: staff.id });
  if (!s) throw new Error('insert returned no row');
  await writeAudit(db, {
    tenantId,
    actorStaffId: ctx.by,
    platform: ctx.platform,
    action: 'create',
    resourceType: 'staff',
    resourceId: s.id,
    detail: { roles: input.roles },
  });
  return s.id;
}

export async function staffByNameOrId(
  db: DbOrTx,
  tenantId: string,
  nameOrId: string,
): Promise<{ id: string; name: string; roles: string[] }> {
  const rows = await db.select({ id: staff.id, name: staff.name, roles: staff.roles }).from(staff).where(eq(staff.tenantId, tenantId));
  const matches = rows.filter((r) => r.id === nameOrId || r.name === nameOrId || r.name.replace(/\s/g, '') === nameOrId.replace(/\s/g, ''));
  if (matches.length !== 1 || !matches[0]) {
    throw new UserError(
      'unknown_staff',
      matches.length > 1 ? `「${nameOrId}」に該当する職員が複数います。IDで指定してください。` : `職員「${nameOrId}」が見つかりません。`,
      'staff not resolved',
    );
  }
  return matches[0];
}

export async function setRoles(db: DbOrTx, ctx: AdminContext, tenantId: string, staffId: string, roles: Role[]): Promise<void> {
  const rows = await db
    .update(staff)
    .set({ roles })
    .where(and(eq(staff.id, staffId), eq(staff.tenantId, tenantId)))
    .returning({ id: staff.id });
  if (rows.length === 0) throw new UserError('unknown_staff', '職員が見つかりません。', 'unknown staff');
  await writeAudit(db, {
    tenantId,
    actorStaffId: ctx.by,
    platform: ctx.platform,
    action: 'update',
    resourceType: 'staff',
    resourceId: staffId,
    detail: { roles },
  });
}

export async function setActive(db: DbOrTx, ctx: AdminContext, tenantId: string, staffId: string, active: boolean): Promise<void> {
  const rows = await db
    .update(staff)
    .set({ active })
    .where(and(eq(staff.id, staffId), eq(staff.tenantId, tenantId)))
    .returning({ id: staff.id });
  if (rows.length === 0) throw new UserError('unknown_staff', '職員が見つかりません。', 'unknown staff');
  await writeAudit(db, {
    tenantId,
    actorStaffId: ctx.by,
    platform: ctx.platform,
    action: 'update',
    resourceType: 'staff',
    resourceId: staffId,
    detail: { fields: ['active'], active },
  });
}

export interface StaffListItem {
  id: string;
  name: string;
  office: string;
  roles: string[];
  active: boolean;
  linked: number;
}

export async function listStaff(db: DbOrTx, tenantId: string): Promise<StaffListItem[]> {
  const rows = await db
    .select({ id: staff.id, name: staff.name, office: offices.name, roles: staff.roles, active: staff.active })
    .from(staff)
    .innerJoin(offices, eq(offices.id, staff.officeId))
    .where(eq(staff.tenantId, tenantId))
    .orderBy(asc(offices.name), asc(staff.kana), asc(staff.name));
  const accounts = await db.select({ staffId: chatAccounts.staffId }).from(chatAccounts).where(eq(chatAccounts.tenantId, tenantId));
  return rows.map((r) => ({ ...r, linked: accounts.filter((a) => a.staffId === r.id).length }));
}
