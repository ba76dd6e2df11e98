/**
 * The steps of a 二次相談 after 依頼: 受付 → 対応中 → 終結, and the thread in between. Each step is
 * one transaction: a conditional UPDATE that names the state it expects (so two staff pressing
 * 受付 at the same moment cannot both win: PostgreSQL re-checks the WHERE after the first commit),
 * the thread entry, the audit row, and the notices in the outbox.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Db, Tx } from '../../../db/client';
import { secondaryConsultations, secondaryPosts } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { writeAudit } from '../audit/write';
import { jstToday } from '../calendar/jst';
import { UserError } from '../errors';
import type { SECONDARY_OUTCOMES } from '../vocabulary';
import { fileRegionalIssueTx, type NewRegionalIssue } from '../regional/file';
import { deidentifyFor } from './channel-post';
import { notify, openSecondary } from './notify';
import { postQueueState } from './queue-post';
import { canClose, canPost, canStart, canTake, POST_KINDS, postKindsFor, refusalMessage, type PostKind, type Refusal } from './policy';
import { findSecondary, identityVisibleTo, knownScopeOf, namesOf, personOf, readerActor, type SecondaryRow } from './store';

type Step = 'take' | 'start' | 'post' | 'close';

function refuse(step: Step, r: Refusal, status: string): never {
  if (r.ok) throw new Error('refuse called with ok');
  throw new UserError(
    r.reason === 'state' ? 'wrong_state' : 'forbidden',
    refusalMessage(step, r.reason, status),
    `secondary ${step} refused: ${r.reason}`,
  );
}

async function audit(tx: Tx, actor: Actor, row: SecondaryRow, action: string, detail: Record<string, unknown> = {}) {
  await writeAudit(tx, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action,
    resourceType: 'secondary_consultation',
    resourceId: row.id,
    detail: { number: row.number, personId: row.personId, ...detail },
  });
}

/** Text written by one side, as the other side may read it (de-identified without a grant). */
async function textFor(tx: Tx, row: SecondaryRow, recipientId: string, text: string, now: Date): Promise<string> {
  const reader = await readerActor(tx, recipientId);
  const person = await personOf(tx, row);
  if (reader && identityVisibleTo(reader, person)) return text;
  const [clean] = await deidentifyFor(tx, row.tenantId, knownScopeOf(row), [text], jstToday(now));
  return clean ?? '';
}

async function thread(tx: Tx, actor: Actor, row: SecondaryRow, kind: string, body: string, now: Date) {
  const [p] = await tx
    .insert(secondaryPosts)
    .values({ tenantId: actor.tenantId, secondaryId: row.id, authorId: actor.staffId, kind, body, createdAt: now })
    .returning({ id: secondaryPosts.id });
  if (!p) throw new Error('insert returned no row');
  return p.id;
}

/** 受付: exactly one of several staff pressing at once wins; the others are told who took it. */
export async function acceptSecondary(db: Db, actor: Actor, ref: string, now: Date): Promise<SecondaryRow> {
  return db.transaction(async (tx) => {
    const before = await findSecondary(tx, actor.tenantId, ref);
    const check = canTake(actor, before);
    if (!check.ok) {
      if (check.reason === 'state' && before.takenBy && before.status !== 'closed') {
        const names = await namesOf(tx, [before.takenBy], []);
        throw new UserError(
          'wrong_state',
          `この二次相談はすでに受付済みです（担当: ${names.staff.get(before.takenBy) ?? '不明'}）。`,
          'secondary already taken',
        );
      }
      refuse('take', check, before.status);
    }
    const [row] = await tx
      .update(secondaryConsultations)
      .set({ status: 'accepted', takenBy: actor.staffId, takenAt: now, updatedAt: now })
      .where(and(eq(secondaryConsultations.id, before.id), eq(secondaryConsultations.status, 'requested')))
      .returning();
    if (!row) {
      const now2 = await findSecondary(tx, actor.tenantId, before.id);
      const names = now2.takenBy ? await namesOf(tx, [now2.takenBy], []) : null;
      const who = now2.takenBy ? `（担当: ${names?.staff.get(now2.takenBy) ?? '不明'}）` : '';
      throw new UserError('wrong_state', `この二次相談はすでに受付済みです${who}。`, 'secondary accept lost the race');
    }
    await thread(tx, actor, row, 'transition', '受付', now);
    await audit(tx, actor, row, 'update', { step: 'accept' });
    await notify(
      tx,
      {
        tenantId: row.tenantId,
        toStaffId: row.requesterId,
        idempotencyKey: `niji:${row.id}:accepted:${actor.staffId}`,
        kind: 'niji_accepted',
        title: `二次相談 #${row.number} を受付しました`,
        fields: [{ label: '担当', value: actor.name }],
        actions: [openSecondary(row.id)],
      },
      now,
    );
    await postQueueState(tx, row, now, {
      key: `niji:${row.id}:queue:accepted`,
      lead: `二次相談 #${row.number} は受付済みです（担当: ${actor.name}）`,
    });
    return row;
  });
}

/** 対応中: the taker starts work (also implied by the taker's first advice or visit). */
export async function startSecondary(db: Db, actor: Actor, ref: string, now: Date): Promise<SecondaryRow> {
  return db.transaction(async (tx) => {
    const before = await findSecondary(tx, actor.tenantId, ref);
    const check = canStart(actor, before);
    if (!check.ok) refuse('start', check, before.status);
    const row = await moveToInProgress(tx, actor, before, now);
    if (!row) refuse('start', { ok: false, reason: 'state' }, 'in_progress');
    return row;
  });
}

async function moveToInProgress(tx: Tx, actor: Actor, before: SecondaryRow, now: Date): Promise<SecondaryRow | undefined> {
  const [row] = await tx
    .update(secondaryConsultations)
    .set({ status: 'in_progress', updatedAt: now })
    .where(
      and(
        eq(secondaryConsultations.id, before.id),
        eq(secondaryConsultations.status, 'accepted'),
        eq(secondaryConsultations.takenBy, actor.staffId),
      ),
    )
    .returning();
  if (!row) return undefined;
  await thread(tx, actor, row, 'transition', '対応開始', now);
  await audit(tx, actor, row, 'update', { step: 'start' });
  await notify(
    tx,
    {
      tenantId: row.tenantId,
      toStaffId: row.requesterId,
      idempotencyKey: `niji:${row.id}:in_progress`,
      kind: 'niji_in_progress',
      title: `二次相談 #${row.number} の対応が始まりました`,
      fields: [{ label: '担当', value: actor.name }],
      actions: [openSecondary(row.id)],
    },
    now,
  );
  await postQueueState(tx, row, now, { key: `niji:${row.id}:queue:in_progress`, lead: `二次相談 #${row.number} の対応が始まりました` });
  return row;
}

/** Adds advice, a visit, a question, an answer or an attachment's description to the thread. */
export async function postToThread(db: Db, actor: Actor, ref: string, kind: PostKind, body: string, now: Date): Promise<SecondaryRow> {
  return db.transaction(async (tx) => {
    let row = await findSecondary(tx, actor.tenantId, ref, { lock: true });
    const check = canPost(actor, row);
    if (!check.ok) refuse('post', check, row.status);
    if (!postKindsFor(actor, row).includes(kind)) {
      throw new UserError('invalid_form', '書き込みの種類を選び直してください。', 'post kind not allowed for side', {
        kind: '書き込みの種類を選び直してください。',
      });
    }
    if ((kind === 'advice' || kind === 'visit') && row.status === 'accepted') row = (await moveToInProgress(tx, actor, row, now)) ?? row;
    const postId = await thread(tx, actor, row, kind, body, now);
    await tx.update(secondaryConsultations).set({ updatedAt: now }).where(eq(secondaryConsultations.id, row.id));
    await audit(tx, actor, row, 'update', { step: 'post', kind, postId });
    const other = actor.staffId === row.requesterId ? row.takenBy : row.requesterId;
    if (other) {
      await notify(
        tx,
        {
          tenantId: row.tenantId,
          toStaffId: other,
          idempotencyKey: `niji:${row.id}:post:${postId}`,
          kind: 'niji_post',
          title: `二次相談 #${row.number}: ${POST_KINDS[kind]}（${actor.name}）`,
          fields: [{ label: POST_KINDS[kind], value: await textFor(tx, row, other, body, now) }],
          actions: [openSecondary(row.id)],
        },
        now,
      );
    }
    return row;
  });
}

export interface CloseInput {
  outcome: (typeof SECONDARY_OUTCOMES)[number];
  summary: string;
  /** 個別課題の普遍化: turn the request into a regional issue (texts de-identified). */
  regional: Omit<NewRegionalIssue, 'sourceSecondaryId' | 'affectedCount'> | null;
}

/** 終結 with an outcome; optionally files a de-identified regional issue from the request. */
export async function closeSecondary(
  db: Db,
  actor: Actor,
  ref: string,
  input: CloseInput,
  now: Date,
): Promise<SecondaryRow & { regionalNumber: number | null }> {
  return db.transaction(async (tx) => {
    const before = await findSecondary(tx, actor.tenantId, ref);
    const check = canClose(actor, before);
    if (!check.ok) refuse('close', check, before.status);
    const [row] = await tx
      .update(secondaryConsultations)
      .set({ status: 'closed', closedAt: now, outcome: input.outcome, updatedAt: now })
      .where(
        and(
          eq(secondaryConsultations.id, before.id),
          inArray(secondaryConsultations.status, ['accepted', 'in_progress']),
          eq(secondaryConsultations.takenBy, actor.staffId),
        ),
      )
      .returning();
    if (!row) refuse('close', { ok: false, reason: 'state' }, 'closed');
    await thread(tx, actor, row, 'transition', `終結: ${input.outcome}${input.summary ? `\n${input.summary}` : ''}`, now);
    let regionalNumber: number | null = null;
    if (input.regional) {
      const issue = await fileRegionalIssueTx(
        tx,
        actor,
        { ...input.regional, affectedCount: 1, sourceSecondaryId: row.id },
        now,
        knownScopeOf(row),
      );
      regionalNumber = issue.number;
      await tx.update(secondaryConsultations).set({ regionalIssueId: issue.id }).where(eq(secondaryConsultations.id, row.id));
    }
    await audit(tx, actor, row, 'update', { step: 'close', outcome: input.outcome, regional: regionalNumber !== null });
    const fields: { label: string; value: string }[] = [{ label: '結果', value: input.outcome }];
    if (input.summary) fields.push({ label: 'まとめ', value: input.summary });
    if (regionalNumber !== null) fields.push({ label: '地域課題', value: `#${regionalNumber} として提出しました` });
    await notify(
      tx,
      {
        tenantId: row.tenantId,
        toStaffId: row.requesterId,
        idempotencyKey: `niji:${row.id}:closed`,
        kind: 'niji_closed',
        title: `二次相談 #${row.number} を終結しました`,
        fields,
        actions: [openSecondary(row.id)],
      },
      now,
    );
    await postQueueState(tx, row, now, {
      key: `niji:${row.id}:queue:closed`,
      lead: `二次相談 #${row.number} は終結しました（結果: ${input.outcome}）`,
    });
    return { ...row, regionalNumber };
  });
}
