import type { Db } from '../../db/client';
import { escalateAbuseAlerts } from '../core/abuse/alerts';
import { claimInboundEvent } from '../core/inbound-dedupe';
import { purgeExpired } from '../core/retention/purge';
import { escalateWaitingUrgent } from '../core/secondary/escalation';
import { log } from '../log';

/**
 * Periodic duties besides reminders, run by every instance on each planning pass:
 * - unacknowledged 虐待 alerts re-sent (a duty to report "at once" cannot wait for a digest);
 * - 至急 二次相談 not taken within the tenant's business hours escalated to the 基幹's manager.
 * Both are idempotent across instances (conditional updates, natural delivery keys).
 * - the retention purge, once per Japan-time day by exactly one instance: the day is claimed
 *   with the same unique key that deduplicates inbound events. An instance that dies mid-purge
 *   leaves the rest to the next day's run, which selects by date and so catches up.
 */
export async function runHousekeeping(db: Db, now: Date, day: string): Promise<void> {
  const duty = async (name: string, f: () => Promise<unknown>) => {
    try {
      const n = await f();
      if (typeof n === 'number' && n > 0) log.info({ duty: name, count: n }, 'housekeeping');
    } catch (e) {
      log.error({ duty: name, err: e }, 'housekeeping failed; next pass retries');
    }
  };
  await duty('abuse-escalation', () => escalateAbuseAlerts(db, now));
  await duty('urgent-secondary-escalation', () => escalateWaitingUrgent(db, now));
  await duty('retention-purge', async () => {
    if (!(await claimInboundEvent(db, 'housekeeping', `retention-purge:${day}`))) return 0;
    const counts = await purgeExpired(db, { now });
    return counts.length;
  });
}
