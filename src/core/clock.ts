/**
 * The product's one "now". `startApp` makes one clock and hands `clock.now` to every handler,
 * platform adapter, the scheduler and housekeeping: whatever decides what is due, overdue, expired
 * or escalated reads this clock (passed down as a `now: Date` argument), never `new Date()` deep
 * inside the domain and never a column default (the few defaults left in db/schema/ are
 * bookkeeping that no rule reads, each marked so). Injectable so that a test can run a month of
 * simulated days in minutes. The system clock is the real one. The database clock (tests,
 * benchmarks) is shared by every scheduler process through the `scheduler_clock` row: the test
 * sets a simulated instant, and from there simulated time runs at real speed, so "due in 2 s"
 * means 2 real seconds and the job library (which compares with PostgreSQL's now()) stays
 * consistent: `toReal` turns a simulated instant into the real one the job should start at.
 */
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { schedulerClock } from '../../db/schema/index';

export interface Clock {
  now(): Date;
  /** The real instant at which the clock will read `t` (identity for the system clock). */
  toReal(t: Date): Date;
  /** Re-reads a shared clock; a no-op for the system clock. */
  refresh(): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  toReal: (t) => t,
  refresh: async () => {},
};

/** A clock that reads an injected function (the app's `now` option). */
function injectedClock(now: () => Date): Clock {
  return {
    now,
    toReal: (t) => new Date(t.getTime() - (now().getTime() - Date.now())),
    refresh: async () => {},
  };
}

const CLOCK_ROW = 1;

/** The shared simulated clock; real time until a test sets it. */
function databaseClock(db: () => DbOrTx): Clock {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    toReal: (t) => new Date(t.getTime() - offset),
    async refresh() {
      const [row] = await db().select().from(schedulerClock).where(eq(schedulerClock.id, CLOCK_ROW));
      // setAt is the database's now() at the moment of setting: same machine clock as ours.
      offset = row ? row.simulatedAt.getTime() - row.setAt.getTime() : 0;
    },
  };
}

/** Moves the shared simulated clock (tests and benchmarks only). */
export async function setSimulatedTime(db: DbOrTx, at: Date): Promise<void> {
  const setAt = new Date();
  await db
    .insert(schedulerClock)
    .values({ id: CLOCK_ROW, simulatedAt: at, setAt })
    .onConflictDoUpdate({ target: schedulerClock.id, set: { simulatedAt: at, setAt } });
}

/**
 * The clock of one process: an injected "now" (tests) wins; otherwise the configured kind
 * (`SCHEDULER_CLOCK`: the system clock, or the shared simulated one of tests and benchmarks).
 */
export function appClock(kind: 'system' | 'database', db: () => DbOrTx, now?: () => Date): Clock {
  if (now) return injectedClock(now);
  return kind === 'database' ? databaseClock(db) : systemClock;
}
