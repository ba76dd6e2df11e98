import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client';
import { formLinks } from '../../../db/schema/index';
import { z } from 'zod';
import { readFormBlock } from '../../chat/dialogue/state';
import type { Actor, FormBlock } from '../../chat/types';
import type { Config } from '../../config';
import { linkSecret, makeToken, readToken } from './token';

/** Why 15 minutes: enough to type a visit's summary on a phone, short enough that a forwarded link soon dies. */
const FORM_LINK_TTL_MS = 15 * 60 * 1000;

/** The chat dialogue a link was offered from (same shape as the dialogue engine's key). */
export interface DialogueRef {
  platform: string;
  workspaceId: string;
  userId: string;
}

interface FormLink {
  id: string;
  tenantId: string;
  staffId: string;
  platform: string;
  platformUserId: string;
  form: FormBlock;
  dialogue: DialogueRef | null;
  usedAt: Date | null;
}

/**
 * A one-time link that opens `form` in a browser as `actor`, valid 15 minutes, single-use.
 * Null when the deployment has no PUBLIC_BASE_URL (phones could not reach the page).
 */
export async function createFormLink(
  db: DbOrTx,
  config: Pick<Config, 'LINK_SECRET' | 'PUBLIC_BASE_URL'>,
  actor: Actor,
  form: FormBlock,
  now: Date,
  dialogue?: DialogueRef,
): Promise<string | null> {
  if (!config.PUBLIC_BASE_URL) return null;
  // Expired links are refused by their token alone; their rows (prefilled values) need not stay.
  await db.delete(formLinks).where(lt(formLinks.expiresAt, now));
  const expiresAt = new Date(now.getTime() + FORM_LINK_TTL_MS);
  const [row] = await db
    .insert(formLinks)
    .values({
      tenantId: actor.tenantId,
      staffId: actor.staffId,
      platform: actor.platform,
      platformUserId: actor.platformUserId,
      form: { ...form, errors: undefined },
      dialogue: dialogue ?? null,
      expiresAt,
      createdAt: now,
    })
    .returning({ id: formLinks.id });
  if (!row) throw new Error('form link insert returned nothing');
  const url = new URL('form', config.PUBLIC_BASE_URL.endsWith('/') ? config.PUBLIC_BASE_URL : `${config.PUBLIC_BASE_URL}/`);
  url.searchParams.set('t', makeToken(linkSecret(config), row.id, expiresAt));
  return url.toString();
}

export type LinkLookup = { ok: true; link: FormLink } | { ok: false; reason: 'invalid' | 'expired' | 'used' | 'stale' };

const dialogueRef = z.object({ platform: z.string(), workspaceId: z.string(), userId: z.string() }).nullable();

/** The link behind a token, if its signature holds, it has not expired and it was not used. */
export async function findFormLink(db: DbOrTx, config: Pick<Config, 'LINK_SECRET'>, token: string, now: Date): Promise<LinkLookup> {
  const check = readToken(linkSecret(config), token, now);
  if (!check.ok) return check;
  const [row] = await db.select().from(formLinks).where(eq(formLinks.id, check.id));
  if (!row) return { ok: false, reason: 'invalid' };
  if (row.expiresAt <= now) return { ok: false, reason: 'expired' };
  if (row.usedAt) return { ok: false, reason: 'used' };
  // Parsed, never cast: a link written by another version (a deploy in between) in another shape
  // is refused politely (start again), not shown or submitted in the wrong shape.
  const form = readFormBlock(row.form);
  const dialogue = dialogueRef.safeParse(row.dialogue ?? null);
  if (!form || !dialogue.success) return { ok: false, reason: 'stale' };
  return {
    ok: true,
    link: {
      id: row.id,
      tenantId: row.tenantId,
      staffId: row.staffId,
      platform: row.platform,
      platformUserId: row.platformUserId,
      form,
      dialogue: dialogue.data,
      usedAt: row.usedAt,
    },
  };
}

/** Takes the link for one submission; false when another request (any instance) has it. */
export async function claimFormLink(db: Db, id: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(formLinks)
    .set({ usedAt: now })
    .where(and(eq(formLinks.id, id), isNull(formLinks.usedAt), gt(formLinks.expiresAt, now)))
    .returning({ id: formLinks.id });
  return rows.length > 0;
}

/** A refused submission (field errors) gives the link back, so the user can fix and send again. */
export async function releaseFormLink(db: Db, id: string): Promise<void> {
  await db.update(formLinks).set({ usedAt: null }).where(eq(formLinks.id, id));
}
