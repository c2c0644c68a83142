import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
} from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';

/**
 * The embedded job queue (`long-running/src/jobs/database.ts`): delayed and retried work that survives a
 * restart. One row per job, identified by (queue, job_id): adding an id that exists adds nothing.
 * `state` is `waiting` (due at `run_at`: shown as `delayed` while `run_at` is in the future), `active`
 * (a worker holds it until `locked_until`; an expired lease is taken over: at-least-once), `completed`
 * or `failed` (the dead-letter state, after `max_attempts` runs). Finished rows are kept at least 24 h.
 */
export const jobs = pgTable(
  'jobs',
  {
    queue: text('queue').notNull(),
    jobId: text('job_id').notNull(),
    name: text('name').notNull(),
    data: jsonb('data').$type<unknown>(),
    state: text('state').notNull().default('waiting'),
    /** runs started so far (a redelivery after a crash counts) */
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    /** first retry delay; each retry doubles it */
    backoffMs: integer('backoff_ms').notNull(),
    runAt: tstz('run_at').notNull().defaultNow(),
    /** the worker holding an active job, and until when */
    lockedBy: text('locked_by'),
    lockedUntil: tstz('locked_until'),
    error: text('error'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
    finishedAt: tstz('finished_at'),
  },
  (t) => [
    primaryKey({ name: 'jobs_pkey', columns: [t.queue, t.jobId] }),
    index('jobs_due_idx').on(t.queue, t.state, t.runAt),
    index('jobs_finished_idx').on(t.finishedAt),
    check('jobs_state_check', sql.raw(`${t.state.name} in ('waiting', 'active', 'completed', 'failed')`)),
    check('jobs_attempts_check', sql.raw(`${t.maxAttempts.name} >= 1 and ${t.backoffMs.name} >= 0`)),
  ],
);

/**
 * Repeatable schedules of the embedded job queue: `name` with `data` every `every_ms` in `queue`. Kept
 * in the database so a restart keeps them; the next period's job is added when `next_run_at` is due,
 * with the period's start in its job id, so two processes never run a period twice.
 */
export const jobSchedules = pgTable(
  'job_schedules',
  {
    queue: text('queue').notNull(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    data: jsonb('data').$type<unknown>(),
    everyMs: bigint('every_ms', { mode: 'number' }).notNull(),
    nextRunAt: tstz('next_run_at').notNull(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'job_schedules_pkey', columns: [t.queue, t.key] }),
    check('job_schedules_every_check', sql.raw(`${t.everyMs.name} > 0`)),
  ],
);

/**
 * The daily report (job `daily-report`, `long-running/src/jobs/scheduled.ts`): one row per UTC day,
 * rewritten whenever the job runs for that day, served by `GET /api/reports/daily`. Trade figures come
 * from closed trades (`dailyPnl`); `funding_ledger` is the sum of the funding payments the exchange
 * booked that day (`funding_payments`, synced by the funding-ledger job); `fills` counts executions.
 */
export const dailyReports = pgTable('daily_reports', {
  /** YYYY-MM-DD (UTC) */
  day: text('day').primaryKey(),
  trades: integer('trades').notNull(),
  wins: integer('wins').notNull(),
  grossPnl: numeric('gross_pnl').notNull(),
  fees: numeric('fees').notNull(),
  funding: numeric('funding').notNull(),
  netPnl: numeric('net_pnl').notNull(),
  fundingLedger: numeric('funding_ledger').notNull(),
  fills: integer('fills').notNull(),
  fillFees: numeric('fill_fees').notNull(),
  generatedAt: tstz('generated_at').notNull().defaultNow(),
});
