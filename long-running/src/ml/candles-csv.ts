import { readFileSync } from 'node:fs';
import type { CandleColumns } from '@enigma/core/features/index';

/** Candle columns with their open times (ms since epoch, UTC). */
export interface TimedCandleColumns extends CandleColumns {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/**
 * Parses a `time,open,high,low,close,volume` CSV (header on line 1, ascending time), as in
 * ../shared/data/candles. Rejects a malformed number or an out-of-order time instead of skipping it.
 */
export function parseCandleCsv(text: string, source = 'csv'): TimedCandleColumns {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = lines[0]?.trim().split(',') ?? [];
  const want = ['time', 'open', 'high', 'low', 'close', 'volume'];
  const idx = want.map((name) => header.indexOf(name));
  if (idx.some((i) => i < 0))
    throw new Error(`${source}: header must contain ${want.join(',')}, got ${header.join(',')}`);
  const n = lines.length - 1;
  const cols = want.map(() => new Float64Array(n));
  for (let r = 0; r < n; r++) {
    const cells = lines[r + 1]!.trim().split(',');
    for (let c = 0; c < want.length; c++) {
      const v = Number(cells[idx[c]!]);
      if (!Number.isFinite(v) || cells[idx[c]!] === '') {
        throw new Error(`${source}: line ${r + 2}: ${want[c]} is not a finite number`);
      }
      cols[c]![r] = v;
    }
    if (r > 0 && cols[0]![r]! <= cols[0]![r - 1]!)
      throw new Error(`${source}: line ${r + 2}: time is not ascending`);
  }
  const [time, open, high, low, close, volume] = cols as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  return { time, open, high, low, close, volume };
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
