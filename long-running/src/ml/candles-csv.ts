import { readFileSync } from 'node:fs';
import type { Candle } from '@enigma/core/candle';
import type { CandleColumns } from '@enigma/core/features/index';
import { parseCandlesCsv } from '@enigma/core/marketdata/candles-csv';

/** Candle columns with their open times (ms since epoch, UTC). */
export interface TimedCandleColumns extends CandleColumns {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/** Candles as columns, the shape the feature code reads. */
export function candleColumns(candles: readonly Candle[]): TimedCandleColumns {
  const col = (key: keyof Candle) => Float64Array.from(candles, (c) => c[key]);
  return {
    time: col('time'),
    open: col('open'),
    high: col('high'),
    low: col('low'),
    close: col('close'),
    volume: col('volume'),
  };
}

/** A `time,open,high,low,close,volume` CSV (core's one reader) as columns. */
export function parseCandleCsv(text: string, source = 'csv'): TimedCandleColumns {
  return candleColumns(parseCandlesCsv(text, source));
}

/** Reads and parses a candle CSV file. */
export function readCandleCsv(path: string): TimedCandleColumns {
  return parseCandleCsv(readFileSync(path, 'utf8'), path);
}

/** The last `count` bars (all of them when there are fewer). */
export function lastBars(c: TimedCandleColumns, count: number): TimedCandleColumns {
  const from = Math.max(0, c.close.length - count);
  return {
    time: c.time.subarray(from),
    open: c.open.subarray(from),
    high: c.high.subarray(from),
    low: c.low.subarray(from),
    close: c.close.subarray(from),
    volume: c.volume.subarray(from),
  };
}
