import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { abuseAlerts, consultations, offices, persons, staff } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { sendNotice, type Notice } from '../notices';
import { log } from '../../log';
import { authorize } from '../access';
import { writeAudit } from '../audit/write';
import { formatJpDate } from '../calendar/wareki';
import { UserError } from '../errors';
import { nextNumber } from '../tenancy/counters';

/** Unacknowledged this long, an alert is sent again, wider (why 30 min: the duty is "at once"). */
export const ESCALATE_AFTER_MS = 30 * 60 * 1000;
/** After this many rounds the alert keeps its list entry but stops re-sending. */
const MAX_ESCALATIONS = 6;

export interface AlertSource {
  consultationId: string;
  personId: string | null;
  occurredOn: string;
}

/** Staff of a tenant holding one of the roles, active. */
async function staffWithRole(tx: DbOrTx, tenantId: string, role: string, officeId?: string): Promise<string[]> {
  const rows = await tx
    .select({ id: staff.id })
    .from(staff)
    .where(
      and(
        eq(staff.tenantId, tenantId),
        eq(staff.active, true),
        sql`${role} = any(${staff.roles})`,
        officeId ? eq(staff.officeId, officeId) : undefined,
      ),
    );
  return rows.map((r) => r.id);
}

function alertLabel(n: number): string {
  return `虐待-${n}`;
}

/**
 * The DM. Contacts get 記録を開く / 確認しました; others reached by escalation (office managers,
 * admins) get the case card button their own rights allow, and a request to reach the contact.
 */
function alertNotice(
  label: string,
  officeName: string,
  occurredOn: string,
  alertId: string,
  escalation: number,
  forContact = true,
  personId: string | null = null,
): Notice {
  const title = escalation === 0 ? '虐待の疑いの記録があります' : `【未確認・再通知${escalation}回目】虐待の疑いの記録があります`;
  return {
    summary: `${title}（${label}）`,
    items: [
      {
        title,
        facts: [
          { label: '番号', value: label },
          { label: '記録した事業所', value: officeName },
          { label: '相談日', value: formatJpDate(occurredOn) },
        ],
        actions: forContact
          ? [
              { intent: 'abuse.open', ref: alertId },
              { intent: 'abuse.acknowledge', ref: alertId },
            ]
          : personId
            ? [{ intent: 'case.open', ref: personId }]
            : undefined,
      },
    ],
    notes: [
      forContact
        ? '内容を確認し「確認しました」を押してください。確認されるまで再通知されます。'
        : '虐待防止センターの窓口がまだ確認していません。窓口への連絡をお願いします。',
    ],
  };
}

/**
 * A consultation flagged 虐待の疑い: registers the alert and queues a direct message to every
 * 虐待防止センター contact of the tenant, in the caller's transaction (the record and its
 * notice are stored together or not at all). With no contact registered, the tenant's admins
 * get it, so that the duty to report never ends in silence.
 */
export async function raiseAbuseAlert(
  tx: DbOrTx,
  actor: Actor,
  src: AlertSource,
  now: Date,
): Promise<{ alertId: string; label: string; recipients: number }> {
  const number = await nextNumber(tx, actor.tenantId, 'abuse_alert');
  const [row] = await tx
    .insert(abuseAlerts)
    .values({
      tenantId: actor.tenantId,
      number,
      consultationId: src.consultationId,
      personId: src.personId,
      raisedBy: actor.staffId,
      createdAt: now,
    })
    .onConflictDoNothing({ target: abuseAlerts.consultationId })
    .returning({ id: abuseAlerts.id });
  if (!row) {
    const [existing] = await tx.select().from(abuseAlerts).where(eq(abuseAlerts.consultationId, src.consultationId));
    return { alertId: existing?.id ?? '', label: alertLabel(existing?.number ?? 0), recipients: 0 };
  }
  let recipients = await staffWithRole(tx, actor.tenantId, 'abuse_contact');
  if (recipients.length === 0) {
    log.error({ tenant: actor.tenantId, alert: row.id }, 'no abuse_contact registered: alert goes to the admins');
    recipients = await staffWithRole(tx, actor.tenantId, 'admin');
  }
  const [office] = await tx.select({ name: offices.name }).from(offices).where(eq(offices.id, actor.officeId));
  const label = alertLabel(number);
  for (const staffId of recipients) {
    await sendNotice(
      tx,
      {
        tenantId: actor.tenantId,
        kind: 'abuse_alert',
        idempotencyKey: `abuse:${row.id}:${staffId}:0`,
        to: { staffId },
        notice: alertNotice(label, office?.name ?? '', src.occurredOn, row.id, 0),
      },
      now,
    );
  }
  await writeAudit(tx, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'abuse_alert',
    resourceType: 'consultation',
    resourceId: src.consultationId,
    detail: { alertId: row.id, recipients: recipients.length },
  });
  return { alertId: row.id, label, recipients: recipients.length };
}

export interface AlertListItem {
  id: string;
  label: string;
  createdAt: Date;
  officeName: string;
  personCode: string | null;
  occurredOn: string;
  acknowledgedAt: Date | null;
  escalations: number;
}

/** The alerts a contact must look at: open ones first, then the latest acknowledged. Audited. */
export async function listAlerts(db: DbOrTx, actor: Actor, opts: { includeAcknowledged?: boolean } = {}): Promise<AlertListItem[]> {
  authorize(actor, 'abuse_alert', 'view', { tenantId: actor.tenantId }, '虐待通報の一覧');
  const rows = await db
    .select({
      id: abuseAlerts.id,
      number: abuseAlerts.number,
      createdAt: abuseAlerts.createdAt,
      officeName: offices.name,
      personCode: persons.code,
      occurredOn: consultations.occurredOn,
      acknowledgedAt: abuseAlerts.acknowledgedAt,
      escalations: abuseAlerts.escalations,
    })
    .from(abuseAlerts)
    .innerJoin(consultations, eq(consultations.id, abuseAlerts.consultationId))
    .innerJoin(offices, eq(offices.id, consultations.officeId))
    .leftJoin(persons, eq(persons.id, abuseAlerts.personId))
    .where(and(eq(abuseAlerts.tenantId, actor.tenantId), opts.includeAcknowledged ? undefined : isNull(abuseAlerts.acknowledgedAt)))
    .orderBy(sql`${abuseAlerts.acknowledgedAt} is not null`, asc(abuseAlerts.createdAt))
    .limit(50);
  await writeAudit(db, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'view',
    resourceType: 'abuse_alert',
    detail: { results: rows.map((r) => r.id) },
  });
  return rows.map(({ number, ...r }) => ({ ...r, label: alertLabel(number) }));
}

/** Marks an alert seen by a contact; further escalation stops. Idempotent. */
export async function acknowledgeAlert(db: DbOrTx, actor: Actor, alertId: string, now: Date): Promise<{ label: string; already: boolean }> {
  authorize(actor, 'abuse_alert', 'acknowledge', { tenantId: actor.tenantId }, '虐待通報の確認');
  const [alert] = await db
    .select()
    .from(abuseAlerts)
    .where(and(eq(abuseAlerts.id, alertId), eq(abuseAlerts.tenantId, actor.tenantId)));
  if (!alert) throw new UserError('unknown_alert', 'その通報は見つかりません。', 'abuse alert not found');
  if (alert.acknowledgedAt) return { label: alertLabel(alert.number), already: true };
  await db
    .update(abuseAlerts)
    .set({ acknowledgedAt: now, acknowledgedBy: actor.staffId })
    .where(and(eq(abuseAlerts.id, alertId), isNull(abuseAlerts.acknowledgedAt)));
  await writeAudit(db, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'acknowledge',
    resourceType: 'abuse_alert',
    resourceId: alertId,
  });
  return { label: alertLabel(alert.number), already: false };
}

/** The alert's person (for opening the record through the alert), if the actor may follow alerts. */
export async function alertPerson(db: DbOrTx, actor: Actor, alertId: string): Promise<{ personId: string | null; consultationId: string }> {
  authorize(actor, 'abuse_alert', 'view', { tenantId: actor.tenantId }, '虐待通報の確認');
  const [alert] = await db
    .select()
    .from(abuseAlerts)
    .where(and(eq(abuseAlerts.id, alertId), eq(abuseAlerts.tenantId, actor.tenantId)));
  if (!alert) throw new UserError('unknown_alert', 'その通報は見つかりません。', 'abuse alert not found');
  return { personId: alert.personId, consultationId: alert.consultationId };
}

/**
 * The escalation job (the scheduler calls it every few minutes; `npm run admin -- abuse:escalate`
 * too): an alert still unacknowledged ESCALATE_AFTER_MS after its last round is sent again to the
 * contacts and now also to the reporting office's managers and the tenant's admins. Safe with
 * many instances: the round number is claimed by one UPDATE, and each message has its own key.
 */
export async function escalateAbuseAlerts(db: DbOrTx, now: Date): Promise<number> {
  const dueBy = sql`${abuseAlerts.createdAt} + (${abuseAlerts.escalations} + 1) * ${`${ESCALATE_AFTER_MS} milliseconds`}::interval <= ${now.toISOString()}::timestamptz`;
  const due = await db
    .select({ id: abuseAlerts.id })
    .from(abuseAlerts)
    .where(and(isNull(abuseAlerts.acknowledgedAt), sql`${abuseAlerts.escalations} < ${MAX_ESCALATIONS}`, dueBy));
  let sent = 0;
  for (const { id } of due) {
    const [claimed] = await db
      .update(abuseAlerts)
      .set({ escalations: sql`${abuseAlerts.escalations} + 1` })
      .where(and(eq(abuseAlerts.id, id), isNull(abuseAlerts.acknowledgedAt), dueBy))
      .returning();
    if (!claimed) continue;
    const [c] = await db
      .select({ officeId: consultations.officeId, occurredOn: consultations.occurredOn, officeName: offices.name })
      .from(consultations)
      .innerJoin(offices, eq(offices.id, consultations.officeId))
      .where(eq(consultations.id, claimed.consultationId));
    const contacts = new Set(await staffWithRole(db, claimed.tenantId, 'abuse_contact'));
    const recipients = new Set([
      ...contacts,
      ...(await staffWithRole(db, claimed.tenantId, 'office_manager', c?.officeId)),
      ...(await staffWithRole(db, claimed.tenantId, 'admin')),
    ]);
    for (const staffId of recipients) {
      const notice = alertNotice(
        alertLabel(claimed.number),
        c?.officeName ?? '',
        c?.occurredOn ?? '',
        claimed.id,
        claimed.escalations,
        contacts.has(staffId),
        claimed.personId,
      );
      await sendNotice(
        db,
        {
          tenantId: claimed.tenantId,
          kind: 'abuse_alert',
          idempotencyKey: `abuse:${claimed.id}:${staffId}:${claimed.escalations}`,
          to: { staffId },
          notice,
        },
        now,
      );
    }
    await writeAudit(db, {
      tenantId: claimed.tenantId,
      actorStaffId: null,
      platform: null,
      action: 'escalate',
      resourceType: 'abuse_alert',
      resourceId: claimed.id,
      detail: { round: claimed.escalations, recipients: recipients.size },
    });
    sent++;
  }
  return sent;
}
