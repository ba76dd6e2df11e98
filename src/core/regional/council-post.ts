/**
 * A 地域課題's one post in the council channel, built from the issue as it is now: posted at 提出
 * and posted again as its new state when the issue changes state or gains 「うちでも同じ」. The
 * sender edits the first post where the platform can (Slack chat.update, the web chat's channel
 * view) and elsewhere posts the new state; 「うちでも同じ」 is offered only while it can be given.
 */
import { eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { regionalIssues, secondaryConsultations } from '../../../db/schema/index';
import { jstToday } from '../calendar/jst';
import type { NoticeAction, NoticeFact } from '../notices';
import { postToChannel } from '../secondary/channel-post';
import { isEndorsable, labelOf, PRIORITIES, ROUTINGS, type Priority, type Routing } from './policy';
import { evidenceOf } from './store';

/** The key of an issue's first council post: later states name it as the post they replace. */
const councilPostKey = (issueId: string) => `kadai:${issueId}:filed`;

export const openIssue = (id: string): NoticeAction => ({ intent: 'regional.open', ref: id });

/**
 * Puts the issue's council post in the outbox as it is now. `change` makes it the new state of
 * the first post, under `key`, with what changed as its lead line.
 */
export async function postIssueState(
  tx: Tx,
  tenantId: string,
  issueId: string,
  now: Date,
  change?: { key: string; lead: string; officeId?: string },
): Promise<boolean> {
  const [issue] = await tx.select().from(regionalIssues).where(eq(regionalIssues.id, issueId));
  if (!issue || issue.tenantId !== tenantId) return false;
  const evidence = (await evidenceOf(tx, tenantId, [issue.id])).get(issue.id) ?? { offices: 1, cases: issue.affectedCount };
  const facts: NoticeFact[] = [];
  if (issue.status !== 'submitted') facts.push({ label: '状況', value: labelOf(issue.status) });
  facts.push({
    label: '該当件数',
    value: evidence.offices > 1 ? `${evidence.cases}件（${evidence.offices}事業所）` : `${evidence.cases}件`,
  });
  if (issue.priority) facts.push({ label: '優先度', value: PRIORITIES[issue.priority as Priority] ?? issue.priority });
  if (issue.routing) facts.push({ label: '振り分け', value: ROUTINGS[issue.routing as Routing] ?? issue.routing });
  if (issue.status === 'merged' && issue.mergedInto) {
    const [target] = await tx.select({ number: regionalIssues.number }).from(regionalIssues).where(eq(regionalIssues.id, issue.mergedInto));
    if (target) facts.push({ label: '統合先', value: `地域課題 #${target.number}` });
  }
  // Matched most strictly: the filer's office, and the office and person of the 二次相談 it came from.
  const officeIds = [issue.filedByOffice, ...(change?.officeId ? [change.officeId] : [])];
  const personIds: string[] = [];
  if (issue.sourceSecondaryId) {
    const [src] = await tx
      .select({ personId: secondaryConsultations.personId, officeId: secondaryConsultations.requesterOfficeId })
      .from(secondaryConsultations)
      .where(eq(secondaryConsultations.id, issue.sourceSecondaryId));
    if (src?.personId) personIds.push(src.personId);
    if (src) officeIds.push(src.officeId);
  }
  const actions: NoticeAction[] = isEndorsable(issue.status)
    ? [{ intent: 'regional.endorse', ref: issue.id }, openIssue(issue.id)]
    : [openIssue(issue.id)];
  return postToChannel(
    tx,
    {
      tenantId,
      channel: 'council',
      kind: change ? `kadai_${issue.status}` : 'kadai_filed',
      idempotencyKey: change?.key ?? councilPostKey(issue.id),
      title: `地域課題 #${issue.number}: ${issue.title}`,
      facts,
      freeText: [
        { label: '把握した状況', text: issue.finding, max: 300 },
        { label: '不足している資源', text: issue.resourceGap ?? '' },
        { label: '考えられる方向性', text: issue.suggestedDirection ?? '' },
      ],
      actions,
      known: { officeIds: [...new Set(officeIds)], personIds },
      today: jstToday(now),
      ...(change ? { replaces: councilPostKey(issue.id), lead: change.lead } : {}),
    },
    now,
  );
}
