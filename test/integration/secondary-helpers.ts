/** Shared by the 二次相談 and 地域課題 integration tests: dispatch helpers and extra staff. */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { deliveries, staff } from '../../db/schema/index';
import type { CommandRegistry } from '../../src/chat/registry';
import { dispatch, type DispatchResult } from '../../src/chat/dispatch';
import type { Actor, CardBlock, FormSubmission, ListBlock, Reply } from '../../src/chat/types';
import { asSent } from '../helpers/outbox';

export interface Driver {
  command(actor: Actor, name: string, text: string): Promise<DispatchResult>;
  action(actor: Actor, id: string, value: string): Promise<DispatchResult>;
  form(actor: Actor, formId: string, values: FormSubmission['values'], context?: string): Promise<DispatchResult>;
}

export function driver(db: Db, registry: CommandRegistry, now: () => Date): Driver {
  const opts = { db, registry, now };
  return {
    command: (actor, name, text) => dispatch(opts, actor, { kind: 'command', name, text }),
    action: (actor, id, value) => dispatch(opts, actor, { kind: 'action', id, value }),
    form: (actor, formId, values, context) => dispatch(opts, actor, { kind: 'form', formId, values, context }),
  };
}

export async function addStaff(db: Db, base: Actor, name: string, roles: Actor['roles']): Promise<Actor> {
  const [row] = await db
    .insert(staff)
    .values({ tenantId: base.tenantId, officeId: base.officeId, name, kana: name, roles: [...roles] })
    .returning({ id: staff.id });
  if (!row) throw new Error('staff insert failed');
  return { ...base, staffId: row.id, name, roles, platformUserId: row.id };
}

/** Everything a result (or any stored rows) shows, as one string to search. */
export const text = (r: DispatchResult | Reply[] | unknown[]): string =>
  JSON.stringify(!Array.isArray(r) && 'replies' in r ? r.replies : r);

export function cardOf(r: DispatchResult): CardBlock | undefined {
  return r.replies.flatMap((x) => x.blocks).find((b): b is CardBlock => b.type === 'card');
}

export function listsOf(r: DispatchResult): ListBlock[] {
  return r.replies.flatMap((x) => x.blocks).filter((b): b is ListBlock => b.type === 'list');
}

export function fieldsOf(c: CardBlock | undefined): Record<string, string> {
  return Object.fromEntries(c?.fields.map((f) => [f.label, f.value]) ?? []);
}

export function buttonsOf(c: CardBlock | undefined): string[] {
  return c?.buttons?.map((b) => b.action.id) ?? [];
}

export async function dmsTo(db: Db, staffId: string, kind?: string) {
  const rows = await db
    .select()
    .from(deliveries)
    .where(kind ? and(eq(deliveries.recipientId, staffId), eq(deliveries.kind, kind)) : eq(deliveries.recipientId, staffId));
  return asSent(rows);
}

export async function channelPosts(db: Db, channel: string) {
  return asSent(await db.select().from(deliveries).where(eq(deliveries.channel, channel)));
}
