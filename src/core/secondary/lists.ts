/**
 * The lists people ask for: "my open requests" (asked by me, or taken by me) and the 基幹's
 * queue (waiting for 受付, 至急 first, then the longest waiting). Lists show numbers, offices
 * and closed-list values only: no person, so they need no consent check.
 */
import { and, asc, desc, eq, ne, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';
import { offices, secondaryConsultations } from '../../../db/schema/index';
import type { Actor } from '../actor';
import { businessHoursBetween } from '../calendar/business-days';
import { UserError } from '../errors';
import { isSecondaryResponder } from './policy';

export interface SecondaryListItem {
  id: string;
  number: number;
  status: string;
  urgency: string;
  difficulties: string[];
  office: string;
  createdAt: Date;
  /** Office hours waited since the request (for the queue). */
  waitingHours: number;
  mine: 'requested' | 'taken' | null;
}

const columns = {
  id: secondaryConsultations.id,
  number: secondaryConsultations.number,
  status: secondaryConsultations.status,
  urgency: secondaryConsultations.urgency,
  difficulties: secondaryConsultations.difficulties,
  requesterId: secondaryConsultations.requesterId,
  takenBy: secondaryConsultations.takenBy,
  office: offices.name,
  createdAt: secondaryConsultations.createdAt,
};

/** Requests the actor asked for or took that are not closed, most recently changed first. */
export async function myOpenRequests(db: DbOrTx, actor: Actor, now: Date, limit = 20): Promise<SecondaryListItem[]> {
  const rows = await db
    .select(columns)
    .from(secondaryConsultations)
    .innerJoin(offices, eq(offices.id, secondaryConsultations.requesterOfficeId))
    .where(
      and(
        eq(secondaryConsultations.tenantId, actor.tenantId),
        ne(secondaryConsultations.status, 'closed'),
        or(eq(secondaryConsultations.requesterId, actor.staffId), eq(secondaryConsultations.takenBy, actor.staffId)),
      ),
    )
    .orderBy(desc(secondaryConsultations.updatedAt))
    .limit(limit);
  return rows.map((r) => ({
    ...r,
    waitingHours: r.status === 'requested' ? businessHoursBetween(r.createdAt, now) : 0,
    mine: r.requesterId === actor.staffId ? 'requested' : 'taken',
  }));
}

/** The 基幹's queue: 至急 first, then the oldest. Only for those who may take requests. */
export async function waitingQueue(db: DbOrTx, actor: Actor, now: Date, limit = 30): Promise<SecondaryListItem[]> {
  if (!isSecondaryResponder(actor)) {
    throw new UserError(
      'forbidden',
      '受付待ちの一覧は基幹相談支援センターの職員と主任相談支援専門員が見られます。',
      'queue: not a responder',
    );
  }
  const rows = await db
    .select(columns)
    .from(secondaryConsultations)
    .innerJoin(offices, eq(offices.id, secondaryConsultations.requesterOfficeId))
    .where(and(eq(secondaryConsultations.tenantId, actor.tenantId), eq(secondaryConsultations.status, 'requested')))
    .orderBy(sql`case when ${secondaryConsultations.urgency} = 'urgent' then 0 else 1 end`, asc(secondaryConsultations.createdAt))
    .limit(limit);
  return rows.map((r) => ({
    ...r,
    waitingHours: businessHoursBetween(r.createdAt, now),
    mine: r.requesterId === actor.staffId ? 'requested' : null,
  }));
}
