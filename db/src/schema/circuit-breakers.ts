import { sql } from 'drizzle-orm';
import { check, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';

/** active: trading as usual; reduce_only: only orders that reduce a position; halted: nothing for signals. */
export const BREAKER_STATES = ['active', 'reduce_only', 'halted'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

/** Circuit breakers by name ('daily_loss', 'drawdown', 'consecutive_losses', 'exchange_errors', 'stale_data'), persisted; reset only by an admin. */
export const circuitBreakers = pgTable(
  'circuit_breakers',
  {
    scope: text('scope').primaryKey(),
    state: text('state').$type<BreakerState>().notNull().default('active'),
    reason: text('reason'),
    trippedAt: tstz('tripped_at'),
    /** when an open breaker may move to half_open by itself; null = only by hand */
    resumeAt: tstz('resume_at'),
    updatedBy: text('updated_by'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    updatedAt: tstz('updated_at')
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    check('circuit_breakers_state_check', sql.raw(`${t.state.name} in ('active', 'reduce_only', 'halted')`)),
  ],
);
