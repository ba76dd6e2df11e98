/**
 * The 二次相談's one post in the 基幹's queue channel, built from the request as it is now. It is
 * posted at 依頼 and posted again as its new state at every step (受付, 対応中, 終結): the sender
 * edits the first post where the platform can (Slack chat.update, the web chat's channel view)
 * and elsewhere posts the new state, so that 受付 is never offered on a request that was taken.
 */
import { eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { offices } from '../../../db/schema/index';
import { jstToday } from '../calendar/jst';
import type { NoticeFact } from '../notices';
import { URGENCY } from '../vocabulary';
import { postToChannel } from './channel-post';
import { openSecondary } from './notify';
import { SECONDARY_STATUS_LABELS, type SecondaryStatus } from './policy';
import { knownScopeOf, namesOf, personOf, type SecondaryRow } from './store';

/** The queue post: only these fields ever reach the 基幹's channel (see channel-post.ts). */
export interface QueuePostFacts {
  id: string;
  number: number;
  officeName: string;
  difficulties: string[];
  urgency: keyof typeof URGENCY;
  helpWanted: string[];
  /** Only when the person consented to sharing with the 基幹. */
  consentedProfile: { ageBand?: string; category?: string } | null;
  question: string;
}

export function queuePostFields(f: QueuePostFacts): {
  title: string;
  facts: NoticeFact[];
  free: { label: string; text: string; max: number }[];
} {
  const facts: NoticeFact[] = [
    { label: '依頼元', value: f.officeName },
    { label: '困りごと', value: f.difficulties.join('・') },
    { label: '緊急度', value: URGENCY[f.urgency] },
    { label: '希望する支援', value: f.helpWanted.join('・') },
  ];
  if (f.consentedProfile?.ageBand) facts.push({ label: '年代', value: f.consentedProfile.ageBand });
  if (f.consentedProfile?.category) facts.push({ label: '障害種別', value: f.consentedProfile.category });
  const mark = f.urgency === 'urgent' ? '【至急】' : '';
  return { title: `${mark}二次相談 #${f.number}`, facts, free: [{ label: '相談の要旨', text: f.question, max: 120 }] };
}

/** The key of a request's first queue post: later states name it as the post they replace. */
const queuePostKey = (secondaryId: string) => `niji:${secondaryId}:posted`;

/**
 * Puts the request's queue post in the outbox, as it is now. `change` (e.g. 受付, 終結) makes it
 * the new state of the first post, under `key`, with the change as its lead line.
 */
export async function postQueueState(tx: Tx, row: SecondaryRow, now: Date, change?: { key: string; lead: string }): Promise<boolean> {
  const [office] = await tx.select({ name: offices.name }).from(offices).where(eq(offices.id, row.requesterOfficeId));
  const person = await personOf(tx, row);
  const consented = person?.consentKikan === true && row.profile ? { ageBand: row.profile.ageBand, category: row.profile.category } : null;
  const post = queuePostFields({
    id: row.id,
    number: row.number,
    officeName: office?.name ?? '',
    difficulties: row.difficulties,
    urgency: row.urgency as keyof typeof URGENCY,
    helpWanted: row.helpWanted,
    consentedProfile: consented,
    question: row.question,
  });
  const status = row.status as SecondaryStatus;
  const facts = [...post.facts];
  if (status !== 'requested') {
    const taker = row.takenBy ? (await namesOf(tx, [row.takenBy], [])).staff.get(row.takenBy) : undefined;
    facts.unshift({ label: '状況', value: `${SECONDARY_STATUS_LABELS[status] ?? status}${taker ? `（担当: ${taker}）` : ''}` });
  }
  if (status === 'closed' && row.outcome) facts.push({ label: '結果', value: row.outcome });
  return postToChannel(
    tx,
    {
      tenantId: row.tenantId,
      channel: 'kikan-queue',
      kind: change ? `niji_${status}` : 'niji_posted',
      idempotencyKey: change?.key ?? queuePostKey(row.id),
      title: status === 'requested' ? post.title : `${post.title}【${SECONDARY_STATUS_LABELS[status] ?? status}】`,
      facts,
      freeText: post.free,
      // 受付 only while it can be taken; the detail always.
      actions: status === 'requested' ? [{ intent: 'secondary.accept', ref: row.id }, openSecondary(row.id)] : [openSecondary(row.id)],
      known: knownScopeOf(row),
      today: jstToday(now),
      ...(change ? { replaces: queuePostKey(row.id), lead: change.lead } : {}),
    },
    now,
  );
}
