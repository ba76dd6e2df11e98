import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client';
import { actionItems, minutes, staff } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { writeAudit } from '../audit/write';
import { jstDateOf, jstToday, type IsoDate } from '../calendar/jst';
import { UserError, type UserErrorCode } from '../errors';
import { completeRemindersByKey } from '../reminders/store';
import { mayManage, mayRecordMinutes } from './access';
import { parseActionItemLines } from './action-lines';
import { actionItemReminderKey, writeActionItemReminder } from './reminders';
import { tenantStaff } from './staff';
import { loadMeetingFor } from './view';

export interface MinutesInput {
  summary: string;
  decisions: string;
  /** Lines `内容 / 担当者名 / 期限`. */
  actionItems: string;
}

const MAX_MINUTES_TEXT = 4000;

function fieldFail(field: string, msg: string, code: UserErrorCode = 'invalid_minutes'): never {
  throw new UserError(code, `入力内容を確認してください。${msg}`, `invalid minutes field ${field}`, { [field]: msg });
}

/**
 * Stores the minutes of a held meeting with its action items and their reminders, all or
 * nothing: one bad action line and nothing is stored, every bad line named by its number.
 */
export async function recordMinutes(
  db: Db,
  actor: Actor,
  meetingId: string,
  input: MinutesInput,
  now: Date,
): Promise<{ minutesId: string; items: { id: string; ownerId: string; description: string; dueOn: IsoDate }[] }> {
  return db.transaction(async (tx) => {
    const m = await loadMeetingFor(tx, actor, meetingId);
    if (!mayRecordMinutes(actor, m.scope)) {
      throw new UserError('forbidden', '議事録を登録できるのは出席者か会議を登録した職員です。', 'may not record minutes');
    }
    if (m.cancelled)
      throw new UserError('cancelled_meeting', '中止された会議には議事録を登録できません。', 'minutes for cancelled meeting');
    const today = jstToday(now);
    if (jstDateOf(m.startsAt) > today)
      throw new UserError(
        'future_meeting',
        'まだ開催されていない会議です。議事録は開催日以降に登録してください。',
        'minutes before the meeting',
      );
    if (m.hasMinutes) throw new UserError('minutes_exist', 'この会議の議事録はすでに登録されています。', 'minutes already recorded');
    const summary = input.summary.trim();
    if (summary === '') fieldFail('summary', '要約を入力してください。');
    if ([...summary].length > MAX_MINUTES_TEXT) fieldFail('summary', `要約は${MAX_MINUTES_TEXT}文字以内にしてください。`);
    const decisions = input.decisions.trim();
    if ([...decisions].length > MAX_MINUTES_TEXT) fieldFail('decisions', `決定事項は${MAX_MINUTES_TEXT}文字以内にしてください。`);
    const parsed = parseActionItemLines(input.actionItems, await tenantStaff(tx, actor.tenantId), today);
    if (parsed.errors.length > 0) {
      const text = parsed.errors.join('\n');
      throw new UserError(
        'invalid_action_items',
        `宿題（アクション）の${parsed.errors.length}行に誤りがあります。何も登録していません。\n${text}`,
        `invalid action lines: ${parsed.errors.length}`,
        { actionItems: text },
      );
    }
    const [row] = await tx
      .insert(minutes)
      .values({
        tenantId: actor.tenantId,
        meetingId: m.id,
        summary,
        decisions: decisions || null,
        recordedBy: actor.staffId,
        createdAt: now,
      })
      .returning({ id: minutes.id });
    if (!row) throw new Error('minutes insert returned no row');
    const items: { id: string; ownerId: string; description: string; dueOn: IsoDate }[] = [];
    for (const it of parsed.items) {
      const [a] = await tx
        .insert(actionItems)
        .values({
          tenantId: actor.tenantId,
          meetingId: m.id,
          description: it.description,
          ownerId: it.ownerId,
          dueOn: it.dueOn,
          createdAt: now,
        })
        .returning({ id: actionItems.id });
      if (!a) throw new Error('action item insert returned no row');
      await writeActionItemReminder(tx, { tenantId: actor.tenantId, id: a.id, ownerId: it.ownerId, dueOn: it.dueOn }, now);
      items.push({ id: a.id, ownerId: it.ownerId, description: it.description, dueOn: it.dueOn });
    }
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'create',
      resourceType: 'minutes',
      resourceId: row.id,
      detail: { meetingId: m.id, actionItems: items.length, personMeeting: m.scope.person !== null ? true : undefined },
    });
    return { minutesId: row.id, items };
  });
}

export interface MinutesView {
  summary: string;
  decisions: string | null;
  confirmed: boolean;
  items: { id: string; description: string; ownerId: string | null; ownerName: string | null; dueOn: IsoDate | null; done: boolean }[];
}

/** The minutes of a meeting the actor may see (audited when the meeting concerns a person). */
export async function loadMinutes(db: DbOrTx, actor: Actor, meetingId: string): Promise<MinutesView | null> {
  const m = await loadMeetingFor(db, actor, meetingId);
  const [row] = await db
    .select()
    .from(minutes)
    .where(and(eq(minutes.meetingId, m.id), eq(minutes.tenantId, actor.tenantId)));
  if (!row) return null;
  const items = await db
    .select({
      id: actionItems.id,
      description: actionItems.description,
      ownerId: actionItems.ownerId,
      ownerName: staff.name,
      dueOn: actionItems.dueOn,
      doneAt: actionItems.doneAt,
    })
    .from(actionItems)
    .leftJoin(staff, eq(staff.id, actionItems.ownerId))
    .where(eq(actionItems.meetingId, m.id))
    .orderBy(asc(actionItems.dueOn), asc(actionItems.createdAt));
  if (m.scope.person) {
    await writeAudit(db, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'view',
      resourceType: 'minutes',
      resourceId: row.id,
      detail: { meetingId: m.id },
    });
  }
  return {
    summary: row.summary,
    decisions: row.decisions,
    confirmed: row.confirmedAt !== null,
    items: items.map(({ doneAt, ...i }) => ({ ...i, done: doneAt !== null })),
  };
}

/** Marks an action item done (its owner, or whoever manages the meeting) and ends its reminder. */
export async function completeActionItem(
  db: Db,
  actor: Actor,
  actionItemId: string,
  now: Date,
): Promise<{ description: string; meetingId: string }> {
  return db.transaction(async (tx) => {
    const [a] = await tx
      .select({
        id: actionItems.id,
        meetingId: actionItems.meetingId,
        ownerId: actionItems.ownerId,
        description: actionItems.description,
        doneAt: actionItems.doneAt,
      })
      .from(actionItems)
      .where(and(eq(actionItems.id, actionItemId), eq(actionItems.tenantId, actor.tenantId)));
    if (!a) throw new UserError('unknown_action_item', '該当する宿題が見つかりません。', 'action item not found');
    // The owner may not attend the meeting (an item handed to another office): owning is enough.
    if (a.ownerId !== actor.staffId) {
      const m = await loadMeetingFor(tx, actor, a.meetingId);
      if (!mayManage(actor, m.scope))
        throw new UserError('forbidden', '完了にできるのは担当者か会議を登録した職員です。', 'may not complete action item');
    }
    if (a.doneAt) throw new UserError('already_done', 'この宿題はすでに完了しています。', 'action item already done');
    const doneAt = now;
    await tx
      .update(actionItems)
      .set({ doneAt })
      .where(and(eq(actionItems.id, a.id), isNull(actionItems.doneAt)));
    await completeRemindersByKey(tx, actor.tenantId, [actionItemReminderKey(a.id)], doneAt);
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'complete',
      resourceType: 'action_item',
      resourceId: a.id,
      detail: { meetingId: a.meetingId },
    });
    return { description: a.description, meetingId: a.meetingId };
  });
}

/** 議事録は必ず次の会議で確認する: the next meeting marks the previous minutes as checked. */
export async function confirmMinutes(db: Db, actor: Actor, meetingId: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const m = await loadMeetingFor(tx, actor, meetingId);
    if (!mayManage(actor, m.scope))
      throw new UserError('forbidden', '議事録の確認済みにできるのは協議会事務局か会議を登録した職員です。', 'may not confirm minutes');
    const done = await tx
      .update(minutes)
      .set({ confirmedAt: now })
      .where(and(eq(minutes.meetingId, m.id), eq(minutes.tenantId, actor.tenantId), isNull(minutes.confirmedAt)))
      .returning({ id: minutes.id });
    if (done.length === 0) throw new UserError('nothing_to_confirm', '確認待ちの議事録はありません。', 'no unconfirmed minutes');
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'confirm',
      resourceType: 'minutes',
      resourceId: done[0]?.id ?? null,
      detail: { meetingId: m.id },
    });
  });
}
