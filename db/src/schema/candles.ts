import { integer, numeric, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';

/**
 * OHLCV candles keyed by (symbol, timeframe, open_time). A custom migration turns the table into a
 * TimescaleDB hypertable when the extension is available, else adds a BRIN index on open_time.
 */
export const candles = pgTable(
  'candles',
  {
    symbol: text('symbol').notNull(),
    timeframe: text('timeframe').notNull(),
    openTime: tstz('open_time').notNull(),
    open: numeric('open').notNull(),
    high: numeric('high').notNull(),
    low: numeric('low').notNull(),
    close: numeric('close').notNull(),
    volume: numeric('volume').notNull(),
    turnover: numeric('turnover'),
    trades: integer('trades'),
    source: text('source').notNull().default('kucoin'),
  },
  (t) => [primaryKey({ name: 'candles_pkey', columns: [t.symbol, t.timeframe, t.openTime] })],
);
