import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { inboundEvents } from '../../../db/schema/index';

/**
 * The dedupe key of a modal submission: the view and what was submitted. A double click or a
 * resent request carries both unchanged; a corrected resubmission changes the values.
 */
export function submissionKey(viewId: string, values: unknown): string {
  return `view:${viewId}:${createHash('sha256').update(JSON.stringify(values)).digest('hex').slice(0, 32)}`;
}

/**
 * Gives a claimed submission back when it was refused by validation, so that the same values
 * may be sent again (e.g. after the person was registered). Only refused submissions are
 * released: a stored one stays claimed and its retries are dropped.
 */
export async function releaseInboundEvent(db: Db, platform: string, eventId: string): Promise<void> {
  await db.delete(inboundEvents).where(and(eq(inboundEvents.platform, platform), eq(inboundEvents.eventId, eventId)));
}
