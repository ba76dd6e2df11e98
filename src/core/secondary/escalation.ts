/**
 * 至急 requests not taken within N business hours go to the 基幹's manager (事業所管理者 of the
 * 基幹 office). N is the tenant setting `secondaryUrgentEscalationHours` (default 2), counted in
 * office hours of business days (JST), so a request sent on Friday evening does not escalate
 * over the weekend. `escalateWaitingUrgent` is safe to call from any number of instances at
 * once: the conditional UPDATE on escalated_at lets exactly one of them escalate a request,
 * and the DM has a natural key.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { offices, secondaryConsultations, staff, tenants } from '../../../db/schema/index';
import { log } from '../../log';
import { writeAudit } from '../audit/write';
import { businessHoursBetween, type BusinessCalendarOptions } from '../calendar/business-days';
import { notify, openSecondary } from './notify';

const DEFAULT_ESCALATION_HOURS = 2;

/** The tenant's threshold in business hours (a positive number), or the default. */
export function escalationHours(settings: Record<string, unknown> | null | undefined): number {
  const v = settings?.secondaryUrgentEscalationHours;
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : DEFAULT_ESCALATION_HOURS;
}

/** Pure: has an untaken 至急 request waited long enough to escalate? */
export function urgentEscalationDue(
  r: { urgency: string; status: string; createdAt: Date; escalatedAt: Date | null },
  now: Date,
  thresholdHours: number,
  calendar?: BusinessCalendarOptions,
): boolean {
  if (r.urgency !== 'urgent' || r.status !== 'requested' || r.escalatedAt !== null) return false;
  return businessHoursBetween(r.createdAt, now, calendar) >= thresholdHours;
}

/** Escalates every due request of every tenant; returns how many were escalated now. */
export async function escalateWaitingUrgent(db: Db, now: Date): Promise<number> {
  const candidates = await db
    .select({
      id: secondaryConsultations.id,
      tenantId: secondaryConsultations.tenantId,
      number: secondaryConsultations.number,
      urgency: secondaryConsultations.urgency,
      status: secondaryConsultations.status,
      createdAt: secondaryConsultations.createdAt,
      escalatedAt: secondaryConsultations.escalatedAt,
      officeName: offices.name,
      difficulties: secondaryConsultations.difficulties,
      settings: tenants.settings,
    })
    .from(secondaryConsultations)
    .innerJoin(tenants, eq(tenants.id, secondaryConsultations.tenantId))
    .innerJoin(offices, eq(offices.id, secondaryConsultations.requesterOfficeId))
    .where(
      and(
        eq(secondaryConsultations.status, 'requested'),
        eq(secondaryConsultations.urgency, 'urgent'),
        isNull(secondaryConsultations.escalatedAt),
      ),
    );
  let escalated = 0;
  for (const c of candidates) {
    if (!urgentEscalationDue(c, now, escalationHours(c.settings))) continue;
    const done = await db.transaction(async (tx) => {
      const won = await tx
        .update(secondaryConsultations)
        .set({ escalatedAt: now })
        .where(
          and(
            eq(secondaryConsultations.id, c.id),
            eq(secondaryConsultations.status, 'requested'),
            isNull(secondaryConsultations.escalatedAt),
          ),
        )
        .returning({ id: secondaryConsultations.id });
      if (won.length === 0) return false;
      const managers = await tx
        .select({ id: staff.id })
        .from(staff)
        .innerJoin(offices, eq(offices.id, staff.officeId))
        .where(
          and(
            eq(staff.tenantId, c.tenantId),
            eq(offices.kind, 'kikan'),
            eq(staff.active, true),
            sql`'office_manager' = any(${staff.roles})`,
          ),
        );
      if (managers.length === 0)
        log.warn({ tenant: c.tenantId, secondary: c.id }, 'urgent secondary escalation: the kikan has no office_manager');
      const hours = Math.floor(businessHoursBetween(c.createdAt, now) * 10) / 10;
      for (const m of managers) {
        await notify(
          tx,
          {
            tenantId: c.tenantId,
            toStaffId: m.id,
            idempotencyKey: `niji:${c.id}:escalated:${m.id}`,
            kind: 'niji_escalated',
            title: `【至急】二次相談 #${c.number} が受付されていません`,
            fields: [
              { label: '依頼元', value: c.officeName },
              { label: '困りごと', value: c.difficulties.join('・') },
              { label: '待ち時間', value: `業務時間で${hours}時間` },
            ],
            actions: [openSecondary(c.id)],
          },
          now,
        );
      }
      await writeAudit(tx, {
        tenantId: c.tenantId,
        actorStaffId: null,
        platform: null,
        action: 'escalate',
        resourceType: 'secondary_consultation',
        resourceId: c.id,
        detail: { number: c.number, managers: managers.length },
      });
      return true;
    });
    if (done) escalated++;
  }
  return escalated;
}
