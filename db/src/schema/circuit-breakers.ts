import { sql } from 'drizzle-orm';
import { check, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';

export const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

/** Circuit breakers / kill switches by scope ('global', 'account:<id>', 'symbol:<sym>'); open = trading halted. */
export const circuitBreakers = pgTable(
  'circuit_breakers',
  {
    scope: text('scope').primaryKey(),
    state: text('state').$type<BreakerState>().notNull().default('closed'),
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
    check('circuit_breakers_state_check', sql.raw(`${t.state.name} in ('closed', 'open', 'half_open')`)),
  ],
);
