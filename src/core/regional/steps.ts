/**
 * Every step of a regional issue after 提出: 「うちでも同じ」, triage by the 運営会議, merging
 * duplicates, 部会 progress notes, the proposal, the 全体会's confirmation and the decision.
 * Each step is one transaction: the row locked, the state checked against policy.ts, the change,
 * a regional_events row (who, when, from, to, note), the audit row, the filer's DM and, for a
 * change of state, a de-identified council post.
 */
import { and, eq } from 'drizzle-orm';
import type { Db, Tx } from '../../../db/client';
import { councilBodies, regionalEndorsements, regionalEvents, regionalIssues } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { writeAudit } from '../audit/write';
import { jstToday } from '../calendar/jst';
import { deidentify } from '../deidentify';
import { UserError } from '../errors';
import { loadKnownPersons } from '../secondary/channel-post';
import { notify } from '../secondary/notify';
import type { RegionalRow } from './file';
import { openIssue, postIssueState } from './council-post';
import {
  canEndorse,
  isCouncilMember,
  labelOf,
  nextStatus,
  PRIORITIES,
  PROPOSAL_KINDS,
  ROUTINGS,
  STEP_LABELS,
  stepRefusal,
  type Priority,
  type ProposalKind,
  type RegionalStep,
  type Routing,
} from './policy';
import { findIssue } from './store';

async function cleanText(tx: Tx, actor: Actor, issue: RegionalRow, text: string, now: Date): Promise<string> {
  if (text.trim() === '') return '';
  const known = await loadKnownPersons(tx, actor.tenantId, {
    officeIds: [...new Set([actor.officeId, issue.filedByOffice])],
    personIds: [],
  });
  return deidentify(text, known, { today: jstToday(now) }).text;
}

/** Records the event, audits it, tells the filer, and posts a change of state to the council. */
async function record(
  tx: Tx,
  actor: Actor,
  issue: RegionalRow,
  kind: string,
  toStatus: string | null,
  note: string,
  now: Date,
): Promise<void> {
  const [ev] = await tx
    .insert(regionalEvents)
    .values({
      tenantId: actor.tenantId,
      issueId: issue.id,
      staffId: actor.staffId,
      kind,
      fromStatus: issue.status,
      toStatus,
      note: note || null,
      createdAt: now,
    })
    .returning({ id: regionalEvents.id });
  if (!ev) throw new Error('insert returned no row');
  await writeAudit(tx, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'update',
    resourceType: 'regional_issue',
    resourceId: issue.id,
    detail: { number: issue.number, step: kind, from: issue.status, to: toStatus },
  });
  // One subject per sentence: the issue が becomes a status; otherwise something is added に the issue.
  const head = `地域課題 #${issue.number}「${issue.title}」`;
  const title =
    toStatus && toStatus !== issue.status
      ? `${head}が「${labelOf(toStatus)}」になりました`
      : `${head}に${kind === 'endorsed' ? '「うちでも同じ」が登録されました' : '記録が追加されました'}`;
  if (issue.filedBy !== actor.staffId) {
    const fields = [{ label: '記録者', value: actor.name }];
    if (note) fields.push({ label: 'メモ', value: note });
    await notify(
      tx,
      {
        tenantId: actor.tenantId,
        toStaffId: issue.filedBy,
        idempotencyKey: `kadai:${issue.id}:event:${ev.id}`,
        kind: `kadai_${kind}`,
        title,
        fields,
        actions: [openIssue(issue.id)],
      },
      now,
    );
  }
  // The council post shows the issue as it is now: a new state, or a count that grew.
  const changed = toStatus && toStatus !== issue.status;
  if (changed || kind === 'endorsed' || kind === 'absorbed') {
    const lead = changed
      ? `地域課題 #${issue.number} は「${labelOf(toStatus)}」になりました`
      : kind === 'endorsed'
        ? `地域課題 #${issue.number} に「うちでも同じ」が登録されました`
        : `地域課題 #${issue.number} に重複していた課題を統合しました`;
    await postIssueState(tx, actor.tenantId, issue.id, now, { key: `kadai:${issue.id}:council:${ev.id}`, lead, officeId: actor.officeId });
  }
}

function requireCouncil(actor: Actor, step: RegionalStep): void {
  if (!isCouncilMember(actor)) {
    throw new UserError(
      'forbidden',
      `「${STEP_LABELS[step]}」は運営会議のメンバー（協議会事務局・行政・基幹相談支援センター）が行います。`,
      `regional ${step}: not a council member`,
    );
  }
}

/** Moves the issue if it is still in the state it was read in (the row is locked). */
async function move(tx: Tx, issue: RegionalRow, to: string, set: Partial<typeof regionalIssues.$inferInsert>, now: Date): Promise<void> {
  const rows = await tx
    .update(regionalIssues)
    .set({ ...set, status: to, updatedAt: now })
    .where(and(eq(regionalIssues.id, issue.id), eq(regionalIssues.status, issue.status)))
    .returning({ id: regionalIssues.id });
  if (rows.length === 0)
    throw new UserError(
      'wrong_state',
      'この地域課題は他の方が更新しました。もう一度開いて確認してください。',
      'regional issue changed concurrently',
    );
}

/** 「うちでも同じ」: one row per office; pressing again updates that office's count. */
export async function endorseIssue(db: Db, actor: Actor, ref: string, count: number, now: Date): Promise<RegionalRow> {
  return db.transaction(async (tx) => {
    const issue = await findIssue(tx, actor.tenantId, ref, { lock: true });
    const check = canEndorse(actor, issue);
    if (!check.ok) throw new UserError('forbidden', check.message, 'regional endorse refused');
    await tx
      .insert(regionalEndorsements)
      .values({ tenantId: actor.tenantId, issueId: issue.id, officeId: actor.officeId, staffId: actor.staffId, count, createdAt: now })
      .onConflictDoUpdate({
        target: [regionalEndorsements.issueId, regionalEndorsements.officeId],
        set: { count, staffId: actor.staffId },
      });
    await record(tx, actor, issue, 'endorsed', null, `${count}件`, now);
    return issue;
  });
}

export interface TriageInput {
  priority: Priority;
  routing: Routing;
  /** The 専門部会 (council_bodies kind 'bukai' of the tenant) when routing is bukai. */
  councilBodyId: string | null;
  note: string;
}

/** 運営会議で整理: priority and routing (a 部会, the 定例会, or back as solvable case by case). */
export async function triageIssue(db: Db, actor: Actor, ref: string, input: TriageInput, now: Date): Promise<RegionalRow> {
  requireCouncil(actor, 'triage');
  return db.transaction(async (tx) => {
    const issue = await findIssue(tx, actor.tenantId, ref, { lock: true });
    const to = nextStatus('triage', issue, input.routing);
    if (!to) throw new UserError('wrong_state', stepRefusal('triage', issue.status), 'regional triage: wrong state');
    let bodyName = '';
    if (input.routing === 'bukai') {
      const [body] = input.councilBodyId
        ? await tx
            .select()
            .from(councilBodies)
            .where(
              and(eq(councilBodies.id, input.councilBodyId), eq(councilBodies.tenantId, actor.tenantId), eq(councilBodies.kind, 'bukai')),
            )
        : [];
      if (!body) {
        const msg = '振り分ける専門部会を選んでください。';
        throw new UserError('invalid_form', msg, 'triage without a bukai', { councilBodyId: msg });
      }
      bodyName = body.name;
    }
    const note = await cleanText(tx, actor, issue, input.note, now);
    await move(
      tx,
      issue,
      to,
      { priority: input.priority, routing: input.routing, councilBodyId: input.routing === 'bukai' ? input.councilBodyId : null },
      now,
    );
    const summary = `優先度: ${PRIORITIES[input.priority]} / ${bodyName || ROUTINGS[input.routing]}${note ? `\n${note}` : ''}`;
    await record(tx, actor, issue, input.routing === 'case_by_case' ? 'returned' : 'triaged', to, summary, now);
    return { ...issue, status: to };
  });
}

/** Merges a duplicate into another issue; the duplicate's endorsements count for the target. */
export async function mergeIssue(
  db: Db,
  actor: Actor,
  ref: string,
  targetRef: string,
  now: Date,
): Promise<{ issue: RegionalRow; target: RegionalRow }> {
  requireCouncil(actor, 'merge');
  return db.transaction(async (tx) => {
    const issue = await findIssue(tx, actor.tenantId, ref, { lock: true });
    if (!nextStatus('merge', issue)) throw new UserError('wrong_state', stepRefusal('merge', issue.status), 'regional merge: wrong state');
    const target = await findIssue(tx, actor.tenantId, targetRef, { lock: true, field: 'target' });
    const closed = ['merged', 'returned', 'resolved'];
    if (target.id === issue.id || closed.includes(target.status)) {
      const msg =
        target.id === issue.id
          ? '同じ課題には統合できません。'
          : `統合先の #${target.number} は「${labelOf(target.status)}」のため統合できません。`;
      throw new UserError('invalid_form', msg, 'regional merge: bad target', { target: msg });
    }
    await move(tx, issue, 'merged', { mergedInto: target.id }, now);
    // Issues merged into this one follow it, so a group is always one level deep.
    await tx
      .update(regionalIssues)
      .set({ mergedInto: target.id, updatedAt: now })
      .where(and(eq(regionalIssues.mergedInto, issue.id), eq(regionalIssues.tenantId, actor.tenantId)));
    await record(tx, actor, issue, 'merged', 'merged', `#${target.number} に統合`, now);
    await record(tx, actor, target, 'absorbed', null, `#${issue.number} を統合`, now);
    return { issue, target };
  });
}

/** 部会で検討: a progress note (the first one moves a routed issue to 検討中). */
export async function addProgress(db: Db, actor: Actor, ref: string, note: string, now: Date): Promise<RegionalRow> {
  requireCouncil(actor, 'progress');
  return db.transaction(async (tx) => {
    const issue = await findIssue(tx, actor.tenantId, ref, { lock: true });
    const to = nextStatus('progress', issue);
    if (!to) throw new UserError('wrong_state', stepRefusal('progress', issue.status), 'regional progress: wrong state');
    const clean = await cleanText(tx, actor, issue, note, now);
    if (to !== issue.status) await move(tx, issue, to, {}, now);
    else await tx.update(regionalIssues).set({ updatedAt: now }).where(eq(regionalIssues.id, issue.id));
    await record(tx, actor, issue, 'progress', to, clean, now);
    return { ...issue, status: to };
  });
}

/** 提案: 施策提案 or 社会資源の開発・改善, with its text. */
export async function proposeIssue(db: Db, actor: Actor, ref: string, kind: ProposalKind, text: string, now: Date): Promise<RegionalRow> {
  requireCouncil(actor, 'propose');
  return db.transaction(async (tx) => {
    const issue = await findIssue(tx, actor.tenantId, ref, { lock: true });
    const to = nextStatus('propose', issue);
    if (!to) throw new UserError('wrong_state', stepRefusal('propose', issue.status), 'regional propose: wrong state');
    const clean = await cleanText(tx, actor, issue, text, now);
    await move(tx, issue, to, { proposalKind: kind, proposal: clean }, now);
    await record(tx, actor, issue, 'proposed', to, `${PROPOSAL_KINDS[kind]}: ${clean}`, now);
    return { ...issue, status: to };
  });
}

/** 全体会で確認, 解決, 継続: a decision with an optional note. */
export async function decideIssue(
  db: Db,
  actor: Actor,
  ref: string,
  step: 'confirm' | 'resolve' | 'continue',
  note: string,
  now: Date,
): Promise<RegionalRow> {
  requireCouncil(actor, step);
  return db.transaction(async (tx) => {
    const issue = await findIssue(tx, actor.tenantId, ref, { lock: true });
    const to = nextStatus(step, issue);
    if (!to) throw new UserError('wrong_state', stepRefusal(step, issue.status), `regional ${step}: wrong state`);
    const clean = await cleanText(tx, actor, issue, note, now);
    await move(tx, issue, to, step === 'confirm' ? { confirmedAt: now } : {}, now);
    await record(tx, actor, issue, to, to, clean, now);
    return { ...issue, status: to };
  });
}
