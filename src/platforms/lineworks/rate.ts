/**
 * The per-API, per-domain request budget, counted in PostgreSQL so that every instance draws on
 * the same minute. LINE WORKS allows 240 requests per minute per API per domain (60 on the free
 * plan); long sends (digests) may use only half, so that a morning's batch never starves the
 * answers to counselors typing at that moment.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client';

export type Priority = 'interactive' | 'bulk';

const WINDOW_MS = 60_000;

export class RateBudget {
  constructor(
    private readonly db: DbOrTx,
    private readonly perMinute: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  limitFor(priority: Priority): number {
    return priority === 'bulk' ? Math.max(1, Math.floor(this.perMinute / 2)) : this.perMinute;
  }

  /**
   * Takes one request from `bucket` (`<api>@<domain>`) in the current minute. Returns 0 when
   * taken, else the milliseconds until the next minute opens.
   */
  async take(bucket: string, priority: Priority): Promise<number> {
    const t = this.now().getTime();
    const windowStart = new Date(t - (t % WINDOW_MS));
    const limit = this.limitFor(priority);
    const rows = await this.db.execute(sql`
      insert into lineworks_rate (bucket, window_start, count) values (${bucket}, ${windowStart.toISOString()}::timestamptz, 1)
      on conflict (bucket, window_start) do update set count = lineworks_rate.count + 1
      where lineworks_rate.count < ${limit}
      returning count`);
    if (rows.length > 0) return 0;
    return windowStart.getTime() + WINDOW_MS - t;
  }

  /** Drops the counters of past minutes. */
  async prune(): Promise<void> {
    await this.db.execute(
      sql`delete from lineworks_rate where window_start < ${new Date(this.now().getTime() - 10 * WINDOW_MS).toISOString()}::timestamptz`,
    );
  }
}
