import { and, desc, eq, gte, isNull, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { consultations, meetings, offices, persons, secondaryConsultations, servicePlans, staff } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { canWritePerson, personGrant, type Grant } from '../access';
import { auditRefusedView, refusalOf } from '../audit/refusals';
import { auditAppendSql } from '../audit/write';
import { jstToday, monthOf } from '../calendar/jst';
import { UserError } from '../errors';
import { certificateStatus, type CertificateStatus } from '../monitoring/certificate';
import { monitoringStatus, ruleLabel, type MonitoringFrequency, type MonitoringStatus, type MonitoringWarning } from '../monitoring/months';
import { planMonitoringCalendar, tenantCountFrom } from '../monitoring/plan-row';
import { MONITORING_KIND } from '../vocabulary';

export interface CaseView {
  grant: Grant;
  /** May the asker record a consultation about this person (their own office's staff)? The card offers 「記録する」 only then. */
  canRecord: boolean;
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
    /** What the counselor must know about the months (standard months without the last month, past months a change made). */
    monitoringWarnings: MonitoringWarning[];
    certificateEnd: string | null;
    certificateStatus: CertificateStatus | null;
    /** A renewal already entered (a period starting after this one): its period, rule and months. */
    next: { periodStart: string; periodEnd: string; ruleLabel: string; months: string[] } | null;
  } | null;
  recent: { occurredOn: string; method: string; kind: string; summary: string; edited: boolean }[];
  openSecondary: { number: number; status: string; urgency: string }[];
  upcomingMeetings: { title: string; startsAt: Date }[];
}

/** A recent record as the card's statement returns it: occurred on, method, kind, summary, version. */
type RecentRow = [string, string, string, string, number];

export const NOT_FOUND_MESSAGE = '該当するケースが見つかりません。ケース番号か氏名を確認してください。';

/**
 * Everything the case card shows, if the actor may see the person. A person the actor may not
 * see answers exactly like an unknown one, so the lookup reveals nothing. Audited; so is a
 * refusal (`view_refused`: which id, why), which the asker cannot tell from an unknown case.
 *
 * Two round trips whatever the pool (statements prepared: db/client.ts): the person (with office
 * and counselor) together with the actor's elevation, if one is asked for; then two statements
 * at once (pipelined on a transaction's connection, side by side on the pool otherwise): the
 * plan (with its done months), and one that reads the recent records, open 二次相談 and meetings
 * and appends the audit row.
 */
export async function loadCaseView(
  db: DbOrTx,
  actor: Actor,
  personId: string,
  now: Date,
  opts: { elevate?: (actor: Actor) => Promise<Actor>; via?: 'case_card' | 'break_glass' } = {},
): Promise<CaseView> {
  const [found, asActor] = await Promise.all([
    db
      .select({ person: persons, officeName: offices.name, counselorName: staff.name })
      .from(persons)
      .innerJoin(offices, eq(offices.id, persons.officeId))
      .leftJoin(staff, eq(staff.id, persons.counselorId))
      .where(and(eq(persons.id, personId), eq(persons.tenantId, actor.tenantId), isNull(persons.deletedAt))),
    opts.elevate ? opts.elevate(actor) : actor,
  ]);
  const person = found[0]?.person;
  const grant = person ? personGrant(asActor, person) : null;
  if (!person || !grant) {
    // The refusal is audited (who, which id, why); the asker learns nothing: same answer as an unknown case.
    await auditRefusedView(db, actor, personId, refusalOf(asActor, person), opts.via ?? 'case_card');
    throw new UserError('unknown_person', NOT_FOUND_MESSAGE, 'person not found or not visible');
  }

  const today = jstToday(now);
  // Two statements side by side: the plan rows (drizzle maps the whole row), and one statement
  // that reads the recent records, open 二次相談 and upcoming meetings as JSON and appends the
  // audit row, so the card's second step is one round trip on one connection for the rest.
  const [planRows, rest] = await Promise.all([
    db
      .select({
        plan: servicePlans,
        // The monitoring records of the plan's period, as months: one query with the plan.
        // Qualified by hand: drizzle writes bare column names inside a single-table select.
        doneOn: sql<string[] | null>`(select array_agg(distinct c.occurred_on::text) from consultations c
          where c.person_id = service_plans.person_id and c.tenant_id = service_plans.tenant_id
            and c.kind = ${MONITORING_KIND} and c.deleted_at is null and c.occurred_on >= service_plans.period_start)`,
        // The tenant's start convention, for a decision without its own.
        tenantSettings: sql<Record<string, unknown> | null>`(select t.settings from tenants t where t.id = service_plans.tenant_id)`,
      })
      .from(servicePlans)
      .where(and(eq(servicePlans.personId, person.id), eq(servicePlans.tenantId, actor.tenantId), eq(servicePlans.active, true)))
      .orderBy(desc(servicePlans.periodStart))
      // The plan in force, and a renewal entered ahead of its period, if any.
      .limit(2),
    db.execute<{ recent: RecentRow[]; secondary: CaseView['openSecondary']; meetings: [string, number][] }>(sql`select
      (select coalesce(json_agg(json_build_array(r.occurred_on::text, r.method, r.kind, r.summary, r.version) order by r.occurred_on desc, r.created_at desc), '[]'::json)
         from (select ${consultations.occurredOn}, ${consultations.method}, ${consultations.kind}, ${consultations.summary}, ${consultations.version}, ${consultations.createdAt}
                 from ${consultations}
                where ${and(eq(consultations.personId, person.id), eq(consultations.tenantId, actor.tenantId), isNull(consultations.deletedAt))}
                order by ${consultations.occurredOn} desc, ${consultations.createdAt} desc limit 3) r) as recent,
      (select coalesce(json_agg(json_build_object('number', s.number, 'status', s.status, 'urgency', s.urgency) order by s.number), '[]'::json)
         from (select ${secondaryConsultations.number}, ${secondaryConsultations.status}, ${secondaryConsultations.urgency}
                 from ${secondaryConsultations}
                where ${and(eq(secondaryConsultations.personId, person.id), eq(secondaryConsultations.tenantId, actor.tenantId), ne(secondaryConsultations.status, 'closed'))}
                order by ${secondaryConsultations.number} limit 5) s) as secondary,
      (select coalesce(json_agg(json_build_array(m.title, (extract(epoch from m.starts_at) * 1000)::float8) order by m.starts_at), '[]'::json)
         from (select ${meetings.title}, ${meetings.startsAt}
                 from ${meetings}
                where ${and(eq(meetings.personId, person.id), eq(meetings.tenantId, actor.tenantId), gte(meetings.startsAt, now), isNull(meetings.cancelledAt))}
                order by ${meetings.startsAt} limit 3) m) as meetings,
      ${auditAppendSql({
        tenantId: actor.tenantId,
        actorStaffId: actor.staffId,
        platform: actor.platform,
        action: 'view',
        resourceType: 'person',
        resourceId: person.id,
        detail: { grant },
      })} as audited`),
  ]);
  const [restRow] = rest;
  const recent = (restRow?.recent ?? []).map(([occurredOn, method, kind, summary, version]) => ({
    occurredOn,
    method,
    kind,
    summary,
    version,
  }));
  const openSecondary = restRow?.secondary ?? [];
  const upcomingMeetings = (restRow?.meetings ?? []).map(([title, at]) => ({ title, startsAt: new Date(at) }));

  let plan: CaseView['plan'] = null;
  // A renewal entered before its period starts does not hide the period in force.
  const upcoming = planRows.length > 1 && planRows[0] && planRows[0].plan.periodStart > today ? planRows[0] : null;
  const current = upcoming ? planRows[1] : planRows[0];
  const planRow = current?.plan;
  const labelOf = (row: typeof servicePlans.$inferSelect) =>
    ruleLabel({
      frequencyMonths: (row.segments.at(-1)?.frequencyMonths ?? row.frequencyMonths ?? undefined) as MonitoringFrequency | undefined,
      standardMonths: row.segments.at(-1)?.standardMonths ?? row.standardMonths ?? undefined,
    });
  if (planRow) {
    const doneMonths = (current?.doneOn ?? []).map((d) => monthOf(d));
    const tenantDefault = tenantCountFrom(current?.tenantSettings);
    const calendar = planMonitoringCalendar(planRow, { tenantDefault, today, doneMonths });
    const nextRow = upcoming?.plan;
    plan = {
      periodStart: planRow.periodStart,
      periodEnd: planRow.periodEnd,
      next: nextRow
        ? {
            periodStart: nextRow.periodStart,
            periodEnd: nextRow.periodEnd,
            ruleLabel: labelOf(nextRow),
            months: planMonitoringCalendar(nextRow, { tenantDefault, today }).months,
          }
        : null,
      ruleLabel: labelOf(planRow),
      monitoring: monitoringStatus(calendar.months, doneMonths, today),
      monitoringWarnings: calendar.warnings,
      certificateEnd: planRow.certificateEnd,
      certificateStatus: planRow.certificateEnd ? certificateStatus(planRow.certificateEnd, today) : null,
    };
  }

  return {
    grant,
    canRecord: canWritePerson(asActor, person),
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
    officeName: found[0]?.officeName ?? '',
    counselorName: found[0]?.counselorName ?? null,
    plan,
    recent: recent.map((r) => ({ ...r, edited: r.version > 1 })),
    openSecondary,
    upcomingMeetings,
  };
}
