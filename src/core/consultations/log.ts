import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { consultations, persons } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { raiseAbuseAlert } from '../abuse/alerts';
import { canLogConsultations, canWritePerson } from '../access';
import { writeAudit } from '../audit/write';
import { jstToday } from '../calendar/jst';
import { UserError } from '../errors';
import { MONITORING_KIND } from '../vocabulary';
import { completeRemindersByKey } from '../reminders/store';
import { monitoringKey } from '../reminders/plan-due';
import { monitoringMonthOf } from './monitoring-check';
import { checkNextActionDue } from './next-action';

export interface NewConsultation {
  /** A registered person, or null for an anonymous first contact (一般相談). */
  personId: string | null;
  anonymousLabel?: string | null;
  occurredOn: string;
  method: string;
  kind: string;
  summary: string;
  minutes?: number | null;
  nextAction?: string | null;
  nextActionDue?: string | null;
  abuseSuspected?: boolean;
}

export interface LoggedConsultation {
  id: string;
  personCode: string | null;
  anonymousLabel: string | null;
  offMonth: boolean;
  abuseSuspected: boolean;
}

/**
 * Records one consultation in one transaction with its audit row: either all of it is stored
 * or nothing. Only the person's own office may write their record.
 */
export async function logConsultation(db: Db, actor: Actor, input: NewConsultation, now: Date): Promise<LoggedConsultation> {
  if (!canLogConsultations(actor)) {
    throw new UserError('forbidden', '相談記録を登録する権限がありません。', 'role cannot log consultations');
  }
  if (input.occurredOn > jstToday(now)) {
    throw new UserError('future_date', '相談日に未来の日付は指定できません。', 'occurredOn in the future', {
      occurredOn: '相談日に未来の日付は指定できません。',
    });
  }
  checkNextActionDue(input.nextActionDue, jstToday(now));
  return db.transaction(async (tx) => {
    let personCode: string | null = null;
    let offMonth = false;
    let monitoringDone: string | null = null;
    if (input.personId) {
      const [person] = await tx
        .select({
          id: persons.id,
          code: persons.code,
          tenantId: persons.tenantId,
          officeId: persons.officeId,
          consentKikan: persons.consentKikan,
        })
        .from(persons)
        .where(and(eq(persons.id, input.personId), eq(persons.tenantId, actor.tenantId), isNull(persons.deletedAt)));
      if (!person || !canWritePerson(actor, person)) {
        throw new UserError(
          'unknown_person',
          '指定されたケースが見つかりません。ケース番号か氏名を確認してください。',
          'person not found or not writable',
        );
      }
      personCode = person.code;
      if (input.kind === MONITORING_KIND) {
        const counted = await monitoringMonthOf(tx, actor.tenantId, person.id, input.occurredOn);
        offMonth = counted === null;
        if (counted && counted !== 'no_plan') monitoringDone = monitoringKey(counted.planId, counted.month);
      }
    }
    const anonymousLabel = input.personId ? null : input.anonymousLabel?.trim() || (await nextAnonymousLabel(tx, actor, input.occurredOn));
    const [row] = await tx
      .insert(consultations)
      .values({
        tenantId: actor.tenantId,
        officeId: actor.officeId,
        staffId: actor.staffId,
        personId: input.personId,
        anonymousLabel,
        occurredOn: input.occurredOn,
        method: input.method,
        kind: input.kind,
        summary: input.summary,
        minutes: input.minutes ?? null,
        nextAction: input.nextAction ?? null,
        nextActionDue: input.nextActionDue ?? null,
        abuseSuspected: input.abuseSuspected ?? false,
        offMonth,
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: consultations.id });
    if (!row) throw new Error('insert returned no row');
    await writeAudit(tx, {
      tenantId: actor.tenantId,
      actorStaffId: actor.staffId,
      platform: actor.platform,
      action: 'create',
      resourceType: 'consultation',
      resourceId: row.id,
      detail: { personId: input.personId, kind: input.kind, abuseSuspected: input.abuseSuspected ?? false },
    });
    // The month's monitoring reminders are done now, not at the next reminder sync: every
    // surface (予定, App Home, the digest) stops offering 完了 for it at once.
    if (monitoringDone) await completeRemindersByKey(tx, actor.tenantId, [monitoringDone], now);
    // 虐待の疑い: the alert to the 虐待防止センター is stored with the record, or neither is.
    if (input.abuseSuspected)
      await raiseAbuseAlert(tx, actor, { consultationId: row.id, personId: input.personId, occurredOn: input.occurredOn }, now);
    return { id: row.id, personCode, anonymousLabel, offMonth, abuseSuspected: input.abuseSuspected ?? false };
  });
}

/** 一般相談 labels are short and carry no name: `匿名-20261122-3` (per office and day). */
async function nextAnonymousLabel(tx: Parameters<Parameters<Db['transaction']>[0]>[0], actor: Actor, date: string): Promise<string> {
  const rows = await tx
    .select({ id: consultations.id })
    .from(consultations)
    .where(
      and(
        eq(consultations.tenantId, actor.tenantId),
        eq(consultations.officeId, actor.officeId),
        eq(consultations.occurredOn, date),
        isNull(consultations.personId),
      ),
    );
  return `匿名-${date.replaceAll('-', '')}-${rows.length + 1}`;
}
