import { pgTable, smallint, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * A platform that answered 429: every instance holds its sends to that platform until `until`
 * (Retry-After), so N instances do not hammer it together.
 */
export const platformThrottles = pgTable('platform_throttles', {
  platform: text('platform').primaryKey(),
  until: timestamp('until', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(), // bookkeeping only
});

/**
 * The simulated "now" shared by scheduler processes when SCHEDULER_CLOCK=database (tests and
 * benchmarks only; refused in production). Simulated time runs on from `simulatedAt` at real
 * speed, counted from `setAt`, so a delivery due "in 2 s" is due in 2 real seconds.
 */
export const schedulerClock = pgTable('scheduler_clock', {
  id: smallint('id').primaryKey(),
  simulatedAt: timestamp('simulated_at', { withTimezone: true }).notNull(),
  setAt: timestamp('set_at', { withTimezone: true }).notNull().defaultNow(), // the real instant the simulated clock was set (mechanics of the simulated clock itself)
});
