import { and, asc, desc, eq, gte, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { actionItems, councilBodies, meetings, minutes, regionalEndorsements, regionalIssues, staff } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { jstInstant, jstToday, type IsoDate } from '../calendar/jst';
import { UserError } from '../errors';
import { loadMeetingFor, type MeetingDetail } from './view';

/** Statuses of a regional issue that the council is still working on (after triage, before an end). */
const IN_PROGRESS_STATUSES = ['triaged', 'in_review', 'proposed', 'confirmed', 'continued'] as const;
const ROUTING_GROUPS: Record<string, string> = { teireikai: '定例会で共有', case_by_case: '個別に対応', bukai: '部会（未割当）' };
const UNROUTED_GROUP = '振り分け未定';

export interface AgendaIssue {
  number: number;
  title: string;
  status: string;
  priority: string | null;
  /** Cases affected: the filing office's count plus every 「うちでも同じ」. */
  affected: number;
  offices: number;
}

interface AgendaActionItem {
  id: string;
  description: string;
  ownerName: string | null;
  dueOn: IsoDate | null;
  overdue: boolean;
}

export interface Agenda {
  meeting: MeetingDetail;
  waiting: AgendaIssue[];
  inProgress: { group: string; issues: AgendaIssue[] }[];
  previous: {
    meetingId: string;
    title: string;
    startsAt: Date;
    minutesId: string | null;
    minutesConfirmed: boolean;
    openItems: AgendaActionItem[];
    doneCount: number;
  } | null;
}

/** The next 運営会議 from today (JST) on, or null. */
async function nextUneiMeetingId(db: DbOrTx, tenantId: string, now: Date): Promise<string | null> {
  const [row] = await db
    .select({ id: meetings.id })
    .from(meetings)
    .where(
      and(
        eq(meetings.tenantId, tenantId),
        eq(meetings.kind, 'unei'),
        isNull(meetings.cancelledAt),
        gte(meetings.startsAt, jstInstant(jstToday(now), 0, 0)),
      ),
    )
    .orderBy(asc(meetings.startsAt))
    .limit(1);
  return row?.id ?? null;
}

async function issues(db: DbOrTx, tenantId: string, statuses: readonly string[]) {
  const endorsed = db
    .select({
      issueId: regionalEndorsements.issueId,
      count: sql<number>`sum(${regionalEndorsements.count})::int`.as('count'),
      offices: sql<number>`count(*)::int`.as('offices'),
    })
    .from(regionalEndorsements)
    .where(eq(regionalEndorsements.tenantId, tenantId))
    .groupBy(regionalEndorsements.issueId)
    .as('endorsed');
  return db
    .select({
      number: regionalIssues.number,
      title: regionalIssues.title,
      status: regionalIssues.status,
      priority: regionalIssues.priority,
      routing: regionalIssues.routing,
      bodyName: councilBodies.name,
      affected: sql<number>`(${regionalIssues.affectedCount} + coalesce(${endorsed.count}, 0))::int`,
      offices: sql<number>`(1 + coalesce(${endorsed.offices}, 0))::int`,
    })
    .from(regionalIssues)
    .leftJoin(endorsed, eq(endorsed.issueId, regionalIssues.id))
    .leftJoin(councilBodies, eq(councilBodies.id, regionalIssues.councilBodyId))
    .where(and(eq(regionalIssues.tenantId, tenantId), inArray(regionalIssues.status, [...statuses])))
    .orderBy(asc(regionalIssues.number));
}

const toIssue = (r: Awaited<ReturnType<typeof issues>>[number]): AgendaIssue => ({
  number: r.number,
  title: r.title,
  status: r.status,
  priority: r.priority,
  affected: r.affected,
  offices: r.offices,
});

/**
 * The 運営会議 agenda: regional issues waiting for triage, those in progress by 部会, and the
 * previous 運営会議's action items still open (議事録は必ず次の会議で確認する). Regional issues
 * are de-identified when filed, so the agenda holds no personal data.
 */
export async function buildAgenda(db: DbOrTx, actor: Actor, meetingId: string | null, now: Date): Promise<Agenda> {
  const id = meetingId ?? (await nextUneiMeetingId(db, actor.tenantId, now));
  if (!id)
    throw new UserError(
      'no_unei_meeting',
      '予定されている運営会議がありません。「会議 新規」で登録してください。',
      'no upcoming unei meeting',
    );
  const meeting = await loadMeetingFor(db, actor, id);
  if (meeting.kind !== 'unei') throw new UserError('not_unei', '議題の自動作成は運営会議だけが対象です。', 'agenda for a non-unei meeting');

  const waiting = (await issues(db, actor.tenantId, ['submitted'])).map(toIssue);
  const groups = new Map<string, AgendaIssue[]>();
  for (const r of await issues(db, actor.tenantId, IN_PROGRESS_STATUSES)) {
    const group = r.bodyName ?? (r.routing ? (ROUTING_GROUPS[r.routing] ?? UNROUTED_GROUP) : UNROUTED_GROUP);
    groups.set(group, [...(groups.get(group) ?? []), toIssue(r)]);
  }
  // Within a 部会 the urgent first: what the 運営会議 set as priority, then the filing order.
  const rank = (p: string | null) => (p === 'high' ? 0 : p === 'medium' ? 1 : p === 'low' ? 2 : 3);
  const inProgress = [...groups.entries()]
    .map(([group, list]) => ({ group, issues: list.sort((a, b) => rank(a.priority) - rank(b.priority) || a.number - b.number) }))
    .sort((a, b) => a.group.localeCompare(b.group, 'ja'));

  const [prev] = await db
    .select({
      id: meetings.id,
      title: meetings.title,
      startsAt: meetings.startsAt,
      minutesId: minutes.id,
      confirmedAt: minutes.confirmedAt,
    })
    .from(meetings)
    .leftJoin(minutes, eq(minutes.meetingId, meetings.id))
    .where(
      and(
        eq(meetings.tenantId, actor.tenantId),
        eq(meetings.kind, 'unei'),
        isNull(meetings.cancelledAt),
        lt(meetings.startsAt, meeting.startsAt),
      ),
    )
    .orderBy(desc(meetings.startsAt))
    .limit(1);
  let previous: Agenda['previous'] = null;
  if (prev) {
    const items = await db
      .select({
        id: actionItems.id,
        description: actionItems.description,
        ownerName: staff.name,
        dueOn: actionItems.dueOn,
        doneAt: actionItems.doneAt,
      })
      .from(actionItems)
      .leftJoin(staff, eq(staff.id, actionItems.ownerId))
      .where(and(eq(actionItems.tenantId, actor.tenantId), eq(actionItems.meetingId, prev.id)))
      .orderBy(asc(actionItems.dueOn), asc(actionItems.createdAt));
    const today = jstToday(now);
    previous = {
      meetingId: prev.id,
      title: prev.title,
      startsAt: prev.startsAt,
      minutesId: prev.minutesId,
      minutesConfirmed: prev.confirmedAt !== null,
      openItems: items
        .filter((i) => i.doneAt === null)
        .map((i) => ({
          id: i.id,
          description: i.description,
          ownerName: i.ownerName,
          dueOn: i.dueOn,
          overdue: i.dueOn !== null && i.dueOn < today,
        })),
      doneCount: items.filter((i) => i.doneAt !== null).length,
    };
  }
  return { meeting, waiting, inProgress, previous };
}
