/**
 * Floor of the case card: bare postgres.js (tagged templates, prepared by default) reading what
 * the card shows with the same SQL shapes as src/core/cases/view.ts and appending the same audit
 * row, in the fewest round trips the data allows: the person (the grant depends on it) with the
 * admin grant the product's elevation check reads, side by side, then the
 * plan and one statement for recent records, open 二次相談, meetings and the audit row, side by
 * side. No query builder, no result mapping beyond postgres.js's own, no dispatch, no rendering.
 */
import type postgres from 'postgres';
import type { Asker } from '../lib/sample';
import { auditAppendCall } from './audit';

export async function floorCaseCard(sql: postgres.Sql, asker: Asker, now: Date): Promise<unknown> {
  const a = asker.actor;
  // The person, and beside it the admin grant (閲覧許可 / 緊急閲覧) the product's elevation check reads.
  const [[person], [elevated]] = await Promise.all([
    sql`select p.*, o.name as office_name, s.name as counselor_name
      from persons p join offices o on o.id = p.office_id left join staff s on s.id = p.counselor_id
      where p.id = ${asker.person.id} and p.tenant_id = ${a.tenantId} and p.deleted_at is null`,
    sql`select kind from access_grants
      where tenant_id = ${a.tenantId} and staff_id = ${a.staffId} and person_id = ${asker.person.id}
        and revoked_at is null and expires_at > ${now} limit 1`,
  ]);
  if (!person) throw new Error('floor: person not found');
  const own = person.office_id === a.officeId;
  const grant = own ? 'own_office' : a.officeKind === 'kikan' && person.consent_kikan ? 'kikan_consent' : elevated ? 'granted' : null;
  if (!grant) throw new Error('floor: not visible');
  const [plans, [rest]] = await Promise.all([
    sql`select sp.*,
          (select array_agg(distinct c.occurred_on::text) from consultations c
            where c.person_id = sp.person_id and c.tenant_id = sp.tenant_id and c.kind = 'モニタリング'
              and c.deleted_at is null and c.occurred_on >= sp.period_start) as done_on,
          (select t.settings from tenants t where t.id = sp.tenant_id) as tenant_settings
        from service_plans sp
        where sp.person_id = ${person.id} and sp.tenant_id = ${a.tenantId} and sp.active
        order by sp.period_start desc limit 2`,
    sql`select
        (select coalesce(json_agg(json_build_array(r.occurred_on::text, r.method, r.kind, r.summary, r.version) order by r.occurred_on desc, r.created_at desc), '[]'::json)
           from (select occurred_on, method, kind, summary, version, created_at from consultations
                  where person_id = ${person.id} and tenant_id = ${a.tenantId} and deleted_at is null
                  order by occurred_on desc, created_at desc limit 3) r) as recent,
        (select coalesce(json_agg(json_build_object('number', s.number, 'status', s.status, 'urgency', s.urgency) order by s.number), '[]'::json)
           from (select number, status, urgency from secondary_consultations
                  where person_id = ${person.id} and tenant_id = ${a.tenantId} and status <> 'closed'
                  order by number limit 5) s) as secondary,
        (select coalesce(json_agg(json_build_array(m.title, (extract(epoch from m.starts_at) * 1000)::float8) order by m.starts_at), '[]'::json)
           from (select title, starts_at from meetings
                  where person_id = ${person.id} and tenant_id = ${a.tenantId} and starts_at >= ${now} and cancelled_at is null
                  order by starts_at limit 3) m) as meetings,
        ${auditAppendCall(sql, { tenantId: a.tenantId, actorStaffId: a.staffId, platform: a.platform, action: 'view', resourceType: 'person', resourceId: person.id, detail: { grant } })} as audited`,
  ]);
  return { person, plans, rest };
}
