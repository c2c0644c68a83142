import { sql } from 'drizzle-orm';
import { check, integer, numeric, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { sqlList, tstz } from './columns.ts';

/**
 * What a stored funding rate is. `settled`: a rate the exchange applied at a funding time (public
 * history, `/api/v1/contract/funding-rates`). `predicted`: a live `funding.rate` push with the 1-minute
 * granularity, an estimate of the next settlement. `current`: a live push carrying the funding interval's
 * granularity (the current cycle's rate), keyed by its push time, which is not a settlement time.
 */
export const FUNDING_RATE_KINDS = ['settled', 'predicted', 'current'] as const;
export type FundingRateKind = (typeof FUNDING_RATE_KINDS)[number];

/**
 * Funding rates per contract, keyed by (symbol, kind, funding_time) so the settled history and the live
 * estimates never overwrite each other even when their times coincide. `kind` comes before the time in
 * the key because every read asks for one kind over a time range.
 */
export const fundingRates = pgTable(
  'funding_rates',
  {
    symbol: text('symbol').notNull(),
    kind: text('kind').$type<FundingRateKind>().notNull(),
    /** settlement time for `settled`; push time for live kinds */
    fundingTime: tstz('funding_time').notNull(),
    rate: numeric('rate').notNull(),
    /** the exchange's granularity (ms): 60000 for predicted pushes, the funding interval otherwise; null when not given */
    granularityMs: integer('granularity_ms'),
    source: text('source').notNull().default('kucoin'),
  },
  (t) => [
    primaryKey({ name: 'funding_rates_pkey', columns: [t.symbol, t.kind, t.fundingTime] }),
    check('funding_rates_kind_check', sql.raw(`${t.kind.name} in (${sqlList(FUNDING_RATE_KINDS)})`)),
    check(
      'funding_rates_granularity_check',
      sql.raw(`${t.granularityMs.name} is null or ${t.granularityMs.name} > 0`),
    ),
  ],
);
