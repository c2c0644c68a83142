import { bigserial, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';
import { signals } from './signals.ts';

/** Indicator values the engine computed for a symbol/timeframe at a moment, usually to enrich a signal. */
export const indicatorSnapshots = pgTable(
  'indicator_snapshots',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    signalId: uuid('signal_id').references(() => signals.id, { onDelete: 'cascade' }),
    symbol: text('symbol').notNull(),
    timeframe: text('timeframe').notNull(),
    at: tstz('at').notNull(),
    values: jsonb('values').$type<Record<string, number | null>>().notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('indicator_snapshots_signal_idx').on(t.signalId),
    index('indicator_snapshots_symbol_at_idx').on(t.symbol, t.timeframe, t.at),
  ],
);
