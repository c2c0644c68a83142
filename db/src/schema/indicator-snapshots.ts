import { bigserial, index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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
    /**
     * The delivery a sender posted to `/webhooks/indicators` (its idempotency key's digest as a UUID, the
     * id of its `indicators:raw` entry): unique, so the database stores a delivery once however many
     * copies arrive, and whenever. Null for the engine's own snapshots.
     */
    deliveryId: uuid('delivery_id'),
  },
  (t) => [
    index('indicator_snapshots_signal_idx').on(t.signalId),
    index('indicator_snapshots_symbol_at_idx').on(t.symbol, t.timeframe, t.at),
    uniqueIndex('indicator_snapshots_delivery_idx').on(t.deliveryId),
  ],
);
