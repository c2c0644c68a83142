import { and, asc, desc, eq, gte, lt, max, sql } from 'drizzle-orm';
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

/**
 * Rows per statement. Each statement binds one array per column (11 parameters however many rows), so the
 * 65535-parameter limit does not apply; the chunk only bounds statement size and lock duration.
 */
export const CANDLE_CHUNK_ROWS = 10_000;

interface CandleColumns {
  symbol: string[];
  timeframe: string[];
  openTime: string[];
  open: string[];
  high: string[];
  low: string[];
  close: string[];
  volume: string[];
  turnover: (string | null)[];
  trades: (number | null)[];
  source: string[];
}

function emptyColumns(): CandleColumns {
  return {
    symbol: [],
    timeframe: [],
    openTime: [],
    open: [],
    high: [],
    low: [],
    close: [],
    volume: [],
    turnover: [],
    trades: [],
    source: [],
  };
}

function required(value: NumericInput, field: string): string {
  const text = numericOrNull(value, field);
  if (text === null) throw new TypeError(`candle ${field} is required`);
  return text;
}

function validated(c: CandleInput): CandleInput & { openTime: Date } {
  if (!c.symbol || !c.timeframe) throw new TypeError('candle symbol and timeframe are required');
  if (!(c.openTime instanceof Date) || Number.isNaN(c.openTime.getTime())) {
    throw new TypeError(`candle openTime must be a valid Date (${c.symbol} ${c.timeframe})`);
  }
  if (c.trades != null && (!Number.isInteger(c.trades) || c.trades < 0)) {
    throw new RangeError('candle trades must be a non-negative integer');
  }
  return c;
}

/**
 * Insert or update candles in batches: one `INSERT … SELECT FROM unnest(<column arrays>) ON CONFLICT DO
 * UPDATE` per chunk. Column arrays instead of a VALUES list because drizzle's SQL builder costs tens of
 * microseconds per bound parameter (measured in db/bench/candles.bench.ts), which dominated the write.
 * Idempotent: writing the same candles again changes nothing (identical rows are not even rewritten). A
 * candle repeated within the input keeps its last version. Every row is validated before anything is written.
 *
 * @example await upsertCandles(db, klines.map(parseKline));
 */
export async function upsertCandles(
  db: EnigmaDb,
  rows: readonly CandleInput[],
  opts: { chunkRows?: number } = {},
): Promise<{ written: number }> {
  const byKey = new Map<string, CandleInput & { openTime: Date }>();
  for (const c of rows) {
    const row = validated(c);
    byKey.set(`${row.symbol}\u0000${row.timeframe}\u0000${row.openTime.getTime()}`, row);
  }
  const chunkRows = opts.chunkRows ?? CANDLE_CHUNK_ROWS;
  if (!Number.isInteger(chunkRows) || chunkRows < 1)
    throw new RangeError('chunkRows must be a positive integer');
  const batches: CandleColumns[] = [];
  let cols = emptyColumns();
  for (const c of byKey.values()) {
    cols.symbol.push(c.symbol);
    cols.timeframe.push(c.timeframe);
    cols.openTime.push(c.openTime.toISOString());
    cols.open.push(required(c.open, 'open'));
    cols.high.push(required(c.high, 'high'));
    cols.low.push(required(c.low, 'low'));
    cols.close.push(required(c.close, 'close'));
    cols.volume.push(required(c.volume, 'volume'));
    cols.turnover.push(numericOrNull(c.turnover, 'turnover'));
    cols.trades.push(c.trades ?? null);
    cols.source.push(c.source ?? 'kucoin');
    if (cols.symbol.length === chunkRows) {
      batches.push(cols);
      cols = emptyColumns();
    }
  }
  if (cols.symbol.length) batches.push(cols);
  for (const b of batches) {
    await db.execute(sql`
      insert into candles (symbol, timeframe, open_time, open, high, low, close, volume, turnover, trades, source)
      select * from unnest(
        ${sql.param(b.symbol)}::text[], ${sql.param(b.timeframe)}::text[], ${sql.param(b.openTime)}::timestamptz[], ${sql.param(b.open)}::numeric[],
        ${sql.param(b.high)}::numeric[], ${sql.param(b.low)}::numeric[], ${sql.param(b.close)}::numeric[], ${sql.param(b.volume)}::numeric[],
        ${sql.param(b.turnover)}::numeric[], ${sql.param(b.trades)}::integer[], ${sql.param(b.source)}::text[])
      on conflict (symbol, timeframe, open_time) do update set
        open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
        volume = excluded.volume, turnover = excluded.turnover, trades = excluded.trades, source = excluded.source
      where (candles.open, candles.high, candles.low, candles.close, candles.volume, candles.turnover,
             candles.trades, candles.source)
        is distinct from (excluded.open, excluded.high, excluded.low, excluded.close, excluded.volume,
             excluded.turnover, excluded.trades, excluded.source)`);
  }
  return { written: byKey.size };
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

/** The close of the newest stored candle of `symbol` and `timeframe` (a decimal string), or null. */
export async function latestClose(db: EnigmaDb, symbol: string, timeframe: string): Promise<string | null> {
  const [row] = await db
    .select({ close: candles.close })
    .from(candles)
    .where(and(eq(candles.symbol, symbol), eq(candles.timeframe, timeframe)))
    .orderBy(desc(candles.openTime))
    .limit(1);
  return row?.close ?? null;
}
