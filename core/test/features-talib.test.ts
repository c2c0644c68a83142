import { describe, expect, it } from 'vitest';
import { computeFeatures, FEATURE_COUNT, FEATURE_NAMES, FEATURE_WARMUP } from '../src/features/index.ts';
import { talibFixtures } from './helpers/fixtures.ts';
import { column, readCandles } from './helpers/shared-data.ts';

type Series = (number | null)[];

/**
 * The 14 model features recomputed from TA-Lib's indicator values (the fixtures of
 * scripts/talib/generate.mjs) and the raw candles, by the definitions in docs/model.md, instead of
 * from our own indicators: the training fixture (long-running/src/ml/fixtures/feature-parity.json)
 * was written from `computeFeatures` itself, so it cannot catch a wrong feature.
 */
function expectedFeatures(
  values: Record<string, Series>,
  close: Float64Array,
  volume: Float64Array,
  i: number,
) {
  const v = (key: string) => {
    const x = values[key]![i];
    return x === null || x === undefined ? Number.NaN : x;
  };
  const px = close[i]!;
  const ret = (k: number) => (i >= k ? Math.log(px / close[i - k]!) : Number.NaN);
  const width = v('bbUpper') - v('bbLower');
  return {
    ret_1: ret(1),
    ret_5: ret(5),
    ret_15: ret(15),
    rsi_14: v('rsi') / 100 - 0.5,
    macd_n: v('macdTradingView') / px,
    macd_signal_n: v('macdSignalTradingView') / px,
    macd_hist_n: v('macdHistTradingView') / px,
    bb_pct_b: (px - v('bbLower')) / width - 0.5,
    bb_width: width / v('bbMiddle'),
    atr_n: v('atrTradingView') / px,
    stoch_rsi_k: v('stochRsiKTradingView') / 100 - 0.5,
    stoch_rsi_d: v('stochRsiD') / 100 - 0.5,
    ema50_gap: px / v('ema50') - 1,
    volume_ratio: Math.log(Math.max(volume[i]! / v('volumeSma20'), 0.01)),
  };
}

/**
 * |ours − expected| ≤ 1e-9 · max(|expected|, floor), floor 1e-3 (features near 0 get an absolute 1e-12)
 * except the Bollinger features: TA-Lib's bands carry ~1e-10 relative error (running Σx², see
 * docs/indicators.md), and %B and the width divide a band difference (a few ‰ of the price), so they are
 * compared to an absolute 1e-7 (%B, ±0.5 scale; seen up to 2e-9) and 1e-10 (width, ~0.002).
 */
const REL = 1e-9;
const FLOOR: Partial<Record<(typeof FEATURE_NAMES)[number], number>> = { bb_pct_b: 100, bb_width: 0.1 };

const FEATURE_PARAMS = { rsi: 14, macd: [12, 26, 9], bollinger: [20, 2], atr: 14, stochRsi: [14, 14, 3, 3] };

describe('model features equal an independent computation from TA-Lib values', () => {
  const fixtures = talibFixtures().filter(
    (f) =>
      JSON.stringify({ ...f.params, sma: undefined, ema: undefined }) ===
      JSON.stringify({ ...f.params, ...FEATURE_PARAMS, sma: undefined, ema: undefined }),
  );

  it('has fixtures with the features’ periods', () => {
    expect(fixtures.map((f) => f.name).sort()).toEqual([
      'binance-btcusdt-1m-default',
      'kucoin-sol-usdt-1m-default',
    ]);
  });

  for (const f of fixtures) {
    it(`${f.name}: all 14 features from bar ${FEATURE_WARMUP}`, () => {
      expect(f.compareFrom).toBe(0);
      const candles = readCandles(f.source.file, f.source.start, f.source.count);
      const close = column(candles, 'close');
      const volume = column(candles, 'volume');
      const m = computeFeatures({
        open: column(candles, 'open'),
        high: column(candles, 'high'),
        low: column(candles, 'low'),
        close,
        volume,
      });
      let compared = 0;
      for (let i = FEATURE_WARMUP; i < candles.length; i++) {
        const want = expectedFeatures(f.values, close, volume, i);
        FEATURE_NAMES.forEach((name, j) => {
          const ours = m.values[i * FEATURE_COUNT + j]!;
          const expected = want[name];
          expect(Number.isFinite(expected), `${name} at bar ${i}: no reference value`).toBe(true);
          const tolerance = REL * Math.max(Math.abs(expected), FLOOR[name] ?? 1e-3);
          if (!(Math.abs(ours - expected) <= tolerance))
            throw new Error(
              `${name} at bar ${i}: ours ${ours}, expected ${expected}, tolerance ${tolerance}`,
            );
          compared++;
        });
      }
      expect(compared).toBe((candles.length - FEATURE_WARMUP) * 14);
    });
  }
});

describe('model features on hand-computed series', () => {
  it('a flat market with no volume: zero returns, %B and width 0, RSI 100, volume ratio 0', () => {
    const n = 60;
    const flat = Array.from({ length: n }, () => 100);
    const m = computeFeatures({ open: flat, high: flat, low: flat, close: flat, volume: flat.map(() => 0) });
    const row = (i: number) =>
      Object.fromEntries(FEATURE_NAMES.map((name, j) => [name, m.values[i * FEATURE_COUNT + j]]));
    expect(row(n - 1)).toEqual({
      ret_1: 0,
      ret_5: 0,
      ret_15: 0,
      rsi_14: 0.5, // no loss: RSI 100 (TradingView)
      macd_n: 0,
      macd_signal_n: 0,
      macd_hist_n: 0,
      bb_pct_b: 0, // zero width: 0 by definition, not NaN
      bb_width: 0,
      atr_n: 0,
      stoch_rsi_k: Number.NaN, // flat RSI: highest = lowest, Pine's division by zero
      stoch_rsi_d: Number.NaN,
      ema50_gap: 0,
      volume_ratio: 0, // no average volume: no information
    });
  });

  it('a step: returns, gap to EMA-50, %B, ATR and volume ratio by hand', () => {
    // 59 bars at 100 (high 101, low 99, volume 10), then one bar closing at 110 (high 111, low 109,
    // volume 1000). Hand-computed for the last bar (i = 59):
    //   ret_1 = ret_5 = ret_15 = ln(110/100)
    //   EMA-50: seeded 100 at bar 49, then 100 until bar 58; bar 59: 100 + (110 − 100)·2/51
    //   Bollinger(20, 2): mean 100.5, σ = sqrt((19·0.25 + 90.25)/20) = sqrt(4.75) → %B, width
    //   ATR(14): 2 for every earlier bar; bar 59's true range = max(111 − 109, |111 − 100|, |109 − 100|) = 11
    //            → (2·13 + 11)/14
    //   volume: SMA-20 = (19·10 + 1000)/20 = 59.5 → ln(1000/59.5)
    const n = 60;
    const close = Array.from({ length: n }, (_, i) => (i === n - 1 ? 110 : 100));
    const m = computeFeatures({
      open: close.map(() => 100),
      high: close.map((c) => c + 1),
      low: close.map((c) => c - 1),
      close,
      volume: close.map((_, i) => (i === n - 1 ? 1000 : 10)),
    });
    const at = (name: (typeof FEATURE_NAMES)[number]) =>
      m.values[(n - 1) * FEATURE_COUNT + FEATURE_NAMES.indexOf(name)]!;
    const sigma = Math.sqrt(4.75);
    const [upper, lower] = [100.5 + 2 * sigma, 100.5 - 2 * sigma];
    expect(at('ret_1')).toBeCloseTo(Math.log(1.1), 14);
    expect(at('ret_5')).toBeCloseTo(Math.log(1.1), 14);
    expect(at('ret_15')).toBeCloseTo(Math.log(1.1), 14);
    expect(at('ema50_gap')).toBeCloseTo(110 / (100 + (10 * 2) / 51) - 1, 12);
    expect(at('bb_pct_b')).toBeCloseTo((110 - lower) / (upper - lower) - 0.5, 12);
    expect(at('bb_width')).toBeCloseTo((upper - lower) / 100.5, 12);
    expect(at('atr_n')).toBeCloseTo((2 * 13 + 11) / 14 / 110, 12);
    expect(at('volume_ratio')).toBeCloseTo(Math.log(1000 / 59.5), 12);
    // RSI: one gain of 10 after only flat bars: average loss 0 → 100
    expect(at('rsi_14')).toBe(0.5);
    // MACD: both EMAs were 100, the fast one moves more: positive, hist = macd − signal
    expect(at('macd_n')).toBeCloseTo((10 * 2) / 13 / 110 - (10 * 2) / 27 / 110, 12);
  });
});
