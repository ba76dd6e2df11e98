/**
 * The single path of every message this feature posts to a shared channel (the 基幹's queue,
 * the council channel). Channels are seen by many people, so a post is built from a typed,
 * closed set of fields, and every piece of text in it (free text, and the fixed fields as a
 * second line of defence) goes through the de-identifier with every registered person of the
 * tenant as known names (a channel is read across offices), and free text also for names nobody
 * registered. It carries no person id. Tests check this function.
 */
import { eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { persons } from '../../../db/schema/index';
import { deidentify, type KnownPerson } from '../deidentify';
import { sendNotice, type Notice, type NoticeAction, type NoticeFact } from '../notices';
import { truncate } from '../text';

type ChannelPurpose = 'kikan-queue' | 'council';

export interface ChannelPost {
  tenantId: string;
  channel: ChannelPurpose;
  /** Delivery kind, e.g. `niji_posted`, `kadai_filed`. */
  kind: string;
  /** Natural key: the same post planned twice is stored once. */
  idempotencyKey: string;
  title: string;
  /** Values from closed lists and numbers (request number, office, urgency …). */
  facts: NoticeFact[];
  /** Free text written by staff: de-identified and shortened. */
  freeText?: { label: string; text: string; max?: number }[];
  actions?: NoticeAction[];
  /**
   * The persons the writer works with: these offices' and these persons (matched with the
   * strictest rules). Every other registered person of the tenant is looked for too.
   */
  known: { officeIds: string[]; personIds: string[] };
  /** 'YYYY-MM-DD' in Japan time (decides which old dates count as birth dates). */
  today: string;
  /** The key of the post this one is the new state of (edited in place where the platform can). */
  replaces?: string;
  /** What changed, one line above the post (shown where the new state is a new message). */
  lead?: string;
}

const DEFAULT_MAX = 200;

/**
 * Pure: the notice of a channel post, with every text de-identified against `known`. Facts are
 * composed by the system (closed values, the staff member who took a request), so in them only
 * registered persons and numbers are looked for, not names by their shape.
 */
export function buildChannelNotice(post: Omit<ChannelPost, 'known'>, known: readonly KnownPerson[]): Notice {
  const clean = (s: string) => deidentify(s, known, { today: post.today }).text;
  const fields: NoticeFact[] = post.facts.map((f) => ({
    label: f.label,
    value: deidentify(f.value, known, { today: post.today, shapes: false }).text,
  }));
  for (const t of post.freeText ?? []) {
    const text = t.text.trim();
    if (text !== '') fields.push({ label: t.label, value: truncate(clean(text), t.max ?? DEFAULT_MAX) });
  }
  const title = clean(post.title);
  // The lead is composed by the system (a step, a staff member, a closed value): as the facts.
  const lead = post.lead ? deidentify(post.lead, known, { today: post.today, shapes: false }).text : undefined;
  return {
    summary: lead ? `${title}: ${lead}` : title,
    ...(lead ? { lead } : {}),
    items: [{ title, facts: fields, actions: post.actions }],
  };
}

/**
 * The registered persons whose names must not reach a channel: every person of the tenant, of
 * every office (a 地域課題 or 二次相談 may name a person of another office, and its reader may be in
 * any office). Those of `scope` (the writer's office, the person a request is about) are matched
 * with the strictest rules; the others carry `otherOffice`, so that a name alone is masked only
 * where it is unambiguously a name (names.ts). Deleted persons too: a name stays a name after the
 * record is closed.
 */
export async function loadKnownPersons(
  db: DbOrTx,
  tenantId: string,
  scope: { officeIds: string[]; personIds: string[] },
): Promise<KnownPerson[]> {
  const conds: SQL[] = [];
  if (scope.officeIds.length > 0) conds.push(inArray(persons.officeId, scope.officeIds));
  if (scope.personIds.length > 0) conds.push(inArray(persons.id, scope.personIds));
  const own = conds.length > 0 ? or(...conds)! : sql`false`;
  const rows = await db
    .select({
      familyName: persons.familyName,
      givenName: persons.givenName,
      familyKana: persons.familyKana,
      givenKana: persons.givenKana,
      own: sql<boolean>`coalesce(${own}, false)`,
    })
    .from(persons)
    .where(eq(persons.tenantId, tenantId));
  return rows.map(({ own: mine, ...p }) => (mine ? p : { ...p, otherOffice: true }));
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
  return sendNotice(
    tx,
    {
      tenantId: post.tenantId,
      kind: post.kind,
      idempotencyKey: post.idempotencyKey,
      to: { channel: post.channel },
      notice: buildChannelNotice(post, known),
      replaces: post.replaces,
    },
    now,
  );
}
