import { and, asc, eq, gte, lt, max, sql } from 'drizzle-orm';
import type { EnigmaDb } from '../db-type.ts';
import { candles } from '../schema/index.ts';
import { type NumericInput, numericOrNull } from './numeric.ts';

/** A stored candle; prices and volumes are exact decimal strings. */
export type Candle = typeof candles.$inferSelect;

/** Input of `upsertCandles`. */
export interface CandleInput {
  symbol: string;
  timeframe: string;
  openTime: Date;
  open: NumericInput;
  high: NumericInput;
  low: NumericInput;
  close: NumericInput;
  volume: NumericInput;
  turnover?: NumericInput | null;
  trades?: number | null;
  source?: string;
}

const COLUMNS_PER_ROW = 11;
/** PostgreSQL's bind-parameter limit is 65535 per statement. */
export const CANDLE_CHUNK_ROWS = Math.floor(65_535 / COLUMNS_PER_ROW);

function toRow(c: CandleInput): typeof candles.$inferInsert {
  if (!c.symbol || !c.timeframe) throw new TypeError('candle symbol and timeframe are required');
  if (!(c.openTime instanceof Date) || Number.isNaN(c.openTime.getTime())) {
    throw new TypeError(`candle openTime must be a valid Date (${c.symbol} ${c.timeframe})`);
  }
  if (c.trades != null && (!Number.isInteger(c.trades) || c.trades < 0)) {
    throw new RangeError('candle trades must be a non-negative integer');
  }
  return {
    symbol: c.symbol,
    timeframe: c.timeframe,
    openTime: c.openTime,
    open: numericOrNull(c.open, 'open')!,
    high: numericOrNull(c.high, 'high')!,
    low: numericOrNull(c.low, 'low')!,
    close: numericOrNull(c.close, 'close')!,
    volume: numericOrNull(c.volume, 'volume')!,
    turnover: numericOrNull(c.turnover, 'turnover'),
    trades: c.trades ?? null,
    source: c.source ?? 'kucoin',
  };
}

/**
 * Insert or update candles with batched multi-row `INSERT … ON CONFLICT DO UPDATE`, chunked below the
 * parameter limit. Idempotent: writing the same candles again changes nothing (identical rows are not even
 * rewritten). A candle repeated within the input keeps its last version. All rows are validated before
 * anything is written.
 *
 * @example await upsertCandles(db, klines.map(parseKline));
 */
export async function upsertCandles(
  db: EnigmaDb,
  rows: readonly CandleInput[],
  opts: { chunkRows?: number } = {},
): Promise<{ written: number }> {
  const byKey = new Map<string, typeof candles.$inferInsert>();
  for (const c of rows) {
    const row = toRow(c);
    byKey.set(`${row.symbol}\u0000${row.timeframe}\u0000${row.openTime!.getTime()}`, row);
  }
  const all = [...byKey.values()];
  const chunk = Math.min(opts.chunkRows ?? CANDLE_CHUNK_ROWS, CANDLE_CHUNK_ROWS);
  for (let i = 0; i < all.length; i += chunk) {
    await db
      .insert(candles)
      .values(all.slice(i, i + chunk))
      .onConflictDoUpdate({
        target: [candles.symbol, candles.timeframe, candles.openTime],
        set: {
          open: sql`excluded.open`,
          high: sql`excluded.high`,
          low: sql`excluded.low`,
          close: sql`excluded.close`,
          volume: sql`excluded.volume`,
          turnover: sql`excluded.turnover`,
          trades: sql`excluded.trades`,
          source: sql`excluded.source`,
        },
        setWhere: sql`(candles.open, candles.high, candles.low, candles.close, candles.volume, candles.turnover, candles.trades, candles.source)
          is distinct from (excluded.open, excluded.high, excluded.low, excluded.close, excluded.volume, excluded.turnover, excluded.trades, excluded.source)`,
      });
  }
  return { written: all.length };
}

/** Candles of one symbol and timeframe with `from <= open_time < to`, oldest first. */
export async function getCandles(
  db: EnigmaDb,
  symbol: string,
  timeframe: string,
  from: Date,
  to: Date,
): Promise<Candle[]> {
  return db
    .select()
    .from(candles)
    .where(
      and(
        eq(candles.symbol, symbol),
        eq(candles.timeframe, timeframe),
        gte(candles.openTime, from),
        lt(candles.openTime, to),
      ),
    )
    .orderBy(asc(candles.openTime));
}

/** Open time of the newest stored candle, or null: where a collector resumes its backfill. */
export async function latestCandleTime(
  db: EnigmaDb,
  symbol: string,
  timeframe: string,
): Promise<Date | null> {
  const [row] = await db
    .select({ t: max(candles.openTime) })
    .from(candles)
    .where(and(eq(candles.symbol, symbol), eq(candles.timeframe, timeframe)));
  return row?.t ?? null;
}
