/**
 * The single path of every message this feature posts to a shared channel (the 基幹's queue,
 * the council channel). Channels are seen by many people, so a post is built from a typed,
 * closed set of fields, and every piece of text in it (free text, and the fixed fields as a
 * second line of defence) goes through the de-identifier with the tenant's registered persons
 * of the offices concerned as known names. It carries no person id. Tests check this function.
 */
import { and, eq, inArray, or, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { persons } from '../../../db/schema/index';
import { truncate } from '../../chat/replies';
import type { Block, Button, Field, Reply } from '../../chat/types';
import { deidentify, type KnownPerson } from '../deidentify';
import { enqueueDelivery } from '../../scheduler/outbox';

export type ChannelPurpose = 'kikan-queue' | 'council';

export interface ChannelPost {
  tenantId: string;
  channel: ChannelPurpose;
  /** Delivery kind, e.g. `niji_posted`, `kadai_filed`. */
  kind: string;
  /** Natural key: the same post planned twice is stored once. */
  idempotencyKey: string;
  title: string;
  /** Values from closed lists and numbers (request number, office, urgency …). */
  facts: Field[];
  /** Free text written by staff: de-identified and shortened. */
  freeText?: { label: string; text: string; max?: number }[];
  buttons?: Button[];
  /** Whose names to look for: the persons of these offices, and these persons. */
  known: { officeIds: string[]; personIds: string[] };
  /** 'YYYY-MM-DD' in Japan time (decides which old dates count as birth dates). */
  today: string;
}

const DEFAULT_MAX = 200;

/** Pure: the Reply of a channel post, with every text de-identified against `known`. */
export function buildChannelReply(post: Omit<ChannelPost, 'known'>, known: readonly KnownPerson[]): Reply {
  const clean = (s: string) => deidentify(s, known, { today: post.today }).text;
  const fields: Field[] = post.facts.map((f) => ({ label: f.label, value: clean(f.value) }));
  for (const t of post.freeText ?? []) {
    const text = t.text.trim();
    if (text !== '') fields.push({ label: t.label, value: truncate(clean(text), t.max ?? DEFAULT_MAX) });
  }
  const title = clean(post.title);
  const blocks: Block[] = [{ type: 'card', title, fields, buttons: post.buttons }];
  return { visibility: 'channel', channel: post.channel, blocks, summary: truncate(title, 100) };
}

/** The registered persons whose names must not reach a channel. */
export async function loadKnownPersons(
  db: DbOrTx,
  tenantId: string,
  scope: { officeIds: string[]; personIds: string[] },
): Promise<KnownPerson[]> {
  const conds: SQL[] = [];
  if (scope.officeIds.length > 0) conds.push(inArray(persons.officeId, scope.officeIds));
  if (scope.personIds.length > 0) conds.push(inArray(persons.id, scope.personIds));
  if (conds.length === 0) return [];
  // Deleted persons too: a name stays a name after the record is closed.
  return db
    .select({ familyName: persons.familyName, givenName: persons.givenName, familyKana: persons.familyKana, givenKana: persons.givenKana })
    .from(persons)
    .where(and(eq(persons.tenantId, tenantId), or(...conds)));
}

/** De-identifies one text for a reader who may not see the person (used outside channels too). */
export async function deidentifyFor(
  db: DbOrTx,
  tenantId: string,
  scope: { officeIds: string[]; personIds: string[] },
  texts: string[],
  today: string,
): Promise<string[]> {
  const known = await loadKnownPersons(db, tenantId, scope);
  return texts.map((t) => deidentify(t, known, { today }).text);
}

/** Builds the post and puts it in the outbox in the caller's transaction. */
export async function postToChannel(tx: DbOrTx, post: ChannelPost, now: Date): Promise<boolean> {
  const known = await loadKnownPersons(tx, post.tenantId, post.known);
  const reply = buildChannelReply(post, known);
  return enqueueDelivery(tx, {
    tenantId: post.tenantId,
    idempotencyKey: post.idempotencyKey,
    recipientId: null,
    channel: post.channel,
    kind: post.kind,
    reply,
  }, now);
}
