import { atr, bollinger, ema, macd, rsi, sma, stochRsi } from '../indicators/index.ts';
import { FEATURE_COUNT, SEQUENCE_LENGTH } from './spec.ts';

/** Candles as columns (oldest first), the shape both the CSV reader and the database produce cheaply. */
export interface CandleColumns {
  open: ArrayLike<number>;
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  close: ArrayLike<number>;
  volume: ArrayLike<number>;
}

/** A row-major feature matrix: `values[row * FEATURE_COUNT + column]`, NaN during warm-up. */
export interface FeatureMatrix {
  rows: number;
  values: Float64Array;
}

/**
 * Computes the 14 model features for every bar (see FEATURE_NAMES for the order).
 * All features are scale-free (returns, ratios, oscillators) so one model serves every symbol.
 *
 * @example
 * const m = computeFeatures({ open, high, low, close, volume });
 * const rsiOfLastBar = m.values[(m.rows - 1) * FEATURE_COUNT + 3];
 */
export function computeFeatures(c: CandleColumns): FeatureMatrix {
  const n = c.close.length;
  for (const key of ['open', 'high', 'low', 'volume'] as const) {
    if (c[key].length !== n)
      throw new Error(`computeFeatures: column ${key} has ${c[key].length} rows, close ${n}`);
  }
  const close = c.close;
  const r = rsi(close, 14);
  const m = macd(close, 12, 26, 9);
  const bb = bollinger(close, 20, 2);
  const a = atr(c.high, c.low, close, 14);
  const st = stochRsi(close, 14, 14, 3, 3);
  const e50 = ema(close, 50);
  const vAvg = sma(c.volume, 20);
  const values = new Float64Array(n * FEATURE_COUNT).fill(Number.NaN);
  const ret = (i: number, k: number) => (i >= k ? Math.log(close[i]! / close[i - k]!) : Number.NaN);
  for (let i = 0; i < n; i++) {
    const px = close[i]!;
    const width = bb.upper[i]! - bb.lower[i]!;
    const avg = vAvg[i]!;
    const row = [
      ret(i, 1),
      ret(i, 5),
      ret(i, 15),
      r[i]! / 100 - 0.5,
      m.macd[i]! / px,
      m.signal[i]! / px,
      m.hist[i]! / px,
      width > 0 ? (px - bb.lower[i]!) / width - 0.5 : width === 0 ? 0 : Number.NaN,
      width / bb.middle[i]!,
      a[i]! / px,
      st.k[i]! / 100 - 0.5,
      st.d[i]! / 100 - 0.5,
      px / e50[i]! - 1,
      // A bar with no average volume (or no trades) carries no information: 0, not -Infinity.
      avg > 0 ? Math.log(Math.max(c.volume[i]! / avg, 0.01)) : Number.isNaN(avg) ? Number.NaN : 0,
    ];
    values.set(row, i * FEATURE_COUNT);
  }
  return { rows: n, values };
}

/** True when every feature of the row is finite. */
export function rowIsFinite(m: FeatureMatrix, row: number): boolean {
  for (let j = 0; j < FEATURE_COUNT; j++)
    if (!Number.isFinite(m.values[row * FEATURE_COUNT + j]!)) return false;
  return true;
}

/**
 * The model input for the sequence ending at `endRow` (inclusive): SEQUENCE_LENGTH × FEATURE_COUNT
 * float32, oldest bar first. Throws when the window reaches into the warm-up.
 */
export function sequenceAt(m: FeatureMatrix, endRow: number): Float32Array {
  const start = endRow - SEQUENCE_LENGTH + 1;
  if (start < 0 || endRow >= m.rows) {
    throw new Error(`sequenceAt: rows ${start}..${endRow} are outside the matrix of ${m.rows} rows`);
  }
  for (let i = start; i <= endRow; i++) {
    if (!rowIsFinite(m, i)) throw new Error(`sequenceAt: row ${i} is still in the indicator warm-up`);
  }
  return Float32Array.from(m.values.subarray(start * FEATURE_COUNT, (endRow + 1) * FEATURE_COUNT));
}
