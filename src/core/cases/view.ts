import { and, desc, eq, gte, isNull, ne } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import {
  consultations,
  meetings,
  offices,
  persons,
  secondaryConsultations,
  servicePlans,
  staff,
} from '../../../db/schema/index';
import type { Actor } from '../../chat/types';
import { personGrant, type Grant } from '../access';
import { writeAudit } from '../audit/write';
import { jstToday, monthOf } from '../calendar/jst';
import { UserError } from '../errors';
import { certificateStatus, type CertificateStatus } from '../monitoring/certificate';
import { monitoringStatus, ruleLabel, type MonitoringFrequency, type MonitoringStatus } from '../monitoring/months';
import { planMonitoringMonths } from '../monitoring/plan-row';
import { MONITORING_KIND } from '../vocabulary';

export interface CaseView {
  grant: Grant;
  person: {
    id: string;
    code: string;
    familyName: string;
    givenName: string;
    familyKana: string;
    givenKana: string;
    birthDate: string | null;
    disabilityCategories: string[];
  };
  officeName: string;
  counselorName: string | null;
  plan: {
    periodStart: string;
    periodEnd: string;
    ruleLabel: string;
    monitoring: MonitoringStatus;
    certificateEnd: string | null;
    certificateStatus: CertificateStatus | null;
  } | null;
  recent: { occurredOn: string; method: string; kind: string; summary: string; edited: boolean }[];
  openSecondary: { number: number; status: string; urgency: string }[];
  upcomingMeetings: { title: string; startsAt: Date }[];
}

export const NOT_FOUND_MESSAGE = '該当するケースが見つかりません。ケース番号か氏名を確認してください。';

/**
 * Everything the case card shows, if the actor may see the person. A person the actor may not
 * see answers exactly like an unknown one, so the lookup reveals nothing. Audited.
 */
export async function loadCaseView(db: DbOrTx, actor: Actor, personId: string, now: Date): Promise<CaseView> {
  const [person] = await db
    .select()
    .from(persons)
    .where(and(eq(persons.id, personId), eq(persons.tenantId, actor.tenantId), isNull(persons.deletedAt)));
  const grant = person ? personGrant(actor, person) : null;
  if (!person || !grant) throw new UserError('unknown_person', NOT_FOUND_MESSAGE, 'person not found or not visible');

  const today = jstToday(now);
  const [office] = await db.select({ name: offices.name }).from(offices).where(eq(offices.id, person.officeId));
  const counselor = person.counselorId
    ? (await db.select({ name: staff.name }).from(staff).where(eq(staff.id, person.counselorId)))[0]
    : undefined;

  const [planRow] = await db
    .select()
    .from(servicePlans)
    .where(and(eq(servicePlans.personId, person.id), eq(servicePlans.tenantId, actor.tenantId), eq(servicePlans.active, true)))
    .orderBy(desc(servicePlans.periodStart))
    .limit(1);
  let plan: CaseView['plan'] = null;
  if (planRow) {
    const months = planMonitoringMonths(planRow);
    const done = await db
      .selectDistinct({ on: consultations.occurredOn })
      .from(consultations)
      .where(
        and(
          eq(consultations.personId, person.id),
          eq(consultations.tenantId, actor.tenantId),
          eq(consultations.kind, MONITORING_KIND),
          isNull(consultations.deletedAt),
          gte(consultations.occurredOn, planRow.periodStart),
        ),
      );
    plan = {
      periodStart: planRow.periodStart,
      periodEnd: planRow.periodEnd,
      ruleLabel: ruleLabel({
        frequencyMonths: (planRow.segments.at(-1)?.frequencyMonths ?? planRow.frequencyMonths ?? undefined) as MonitoringFrequency | undefined,
        standardMonths: planRow.segments.at(-1)?.standardMonths ?? planRow.standardMonths ?? undefined,
      }),
      monitoring: monitoringStatus(months, done.map((d) => monthOf(d.on)), today),
      certificateEnd: planRow.certificateEnd,
      certificateStatus: planRow.certificateEnd ? certificateStatus(planRow.certificateEnd, today) : null,
    };
  }

  const recent = await db
    .select({
      occurredOn: consultations.occurredOn,
      method: consultations.method,
      kind: consultations.kind,
      summary: consultations.summary,
      version: consultations.version,
    })
    .from(consultations)
    .where(and(eq(consultations.personId, person.id), eq(consultations.tenantId, actor.tenantId), isNull(consultations.deletedAt)))
    .orderBy(desc(consultations.occurredOn), desc(consultations.createdAt))
    .limit(3);

  const openSecondary = await db
    .select({ number: secondaryConsultations.number, status: secondaryConsultations.status, urgency: secondaryConsultations.urgency })
    .from(secondaryConsultations)
    .where(
      and(
        eq(secondaryConsultations.personId, person.id),
        eq(secondaryConsultations.tenantId, actor.tenantId),
        ne(secondaryConsultations.status, 'closed'),
      ),
    )
    .orderBy(secondaryConsultations.number)
    .limit(5);

  const upcomingMeetings = await db
    .select({ title: meetings.title, startsAt: meetings.startsAt })
    .from(meetings)
    .where(and(eq(meetings.personId, person.id), eq(meetings.tenantId, actor.tenantId), gte(meetings.startsAt, now), isNull(meetings.cancelledAt)))
    .orderBy(meetings.startsAt)
    .limit(3);

  await writeAudit(db, {
    tenantId: actor.tenantId,
    actorStaffId: actor.staffId,
    platform: actor.platform,
    action: 'view',
    resourceType: 'person',
    resourceId: person.id,
    detail: { grant },
  });

  return {
    grant,
    person: {
      id: person.id,
      code: person.code,
      familyName: person.familyName,
      givenName: person.givenName,
      familyKana: person.familyKana,
      givenKana: person.givenKana,
      birthDate: person.birthDate,
      disabilityCategories: person.disabilityCategories,
    },
    officeName: office?.name ?? '',
    counselorName: counselor?.name ?? null,
    plan,
    recent: recent.map((r) => ({ ...r, edited: r.version > 1 })),
    openSecondary,
    upcomingMeetings,
  };
}
