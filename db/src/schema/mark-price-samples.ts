import { index, numeric, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';

/**
 * Mark and index price sampled by the collector (one row per symbol and sample time, by default one per
 * minute). Rows arrive in time order, so a BRIN index on ts keeps cross-symbol range scans cheap while
 * staying tiny; per-symbol reads use the primary key.
 */
export const markPriceSamples = pgTable(
  'mark_price_samples',
  {
    symbol: text('symbol').notNull(),
    ts: tstz('ts').notNull(),
    markPrice: numeric('mark_price').notNull(),
    indexPrice: numeric('index_price'),
  },
  (t) => [
    primaryKey({ name: 'mark_price_samples_pkey', columns: [t.symbol, t.ts] }),
    index('mark_price_samples_ts_brin').using('brin', t.ts),
  ],
);
