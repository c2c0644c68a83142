import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candleSeries } from '../../test/helpers/arbitraries.ts';
import { column, readCandles } from '../../test/helpers/shared-data.ts';
import type { Candle } from '../candle.ts';
import {
  atr,
  bollinger,
  bollingerSqueeze,
  ema,
  emptySnapshot,
  IndicatorBundle,
  type IndicatorBundleOptions,
  type IndicatorSnapshot,
  macd,
  rsi,
  stochRsi,
  volumeSpike,
} from './index.ts';

/** The bundle's numbers, computed independently with the batch functions. */
function batchSnapshots(candles: Candle[], o: IndicatorBundleOptions): IndicatorSnapshot[] {
  const close = column(candles, 'close');
  const m = macd(close, o.macdFast, o.macdSlow, o.macdSignal);
  const bb = bollinger(close, o.bbPeriod, o.bbMult);
  const sq = bollingerSqueeze(close, o.bbPeriod, o.bbMult, o.squeezeLookback);
  const a = atr(column(candles, 'high'), column(candles, 'low'), close, o.atrPeriod);
  const st = stochRsi(close, o.stochRsiRsiPeriod, o.stochRsiStochPeriod, o.stochRsiK, o.stochRsiD);
  const r = rsi(close, o.rsiPeriod);
  const ef = ema(close, o.emaFast);
  const es = ema(close, o.emaSlow);
  const v = volumeSpike(column(candles, 'volume'), o.volumePeriod, o.volumeSpikeMult);
  return candles.map((c, i) => ({
    time: c.time,
    close: c.close,
    rsi: r[i]!,
    macd: m.macd[i]!,
    macd_signal: m.signal[i]!,
    macd_hist: m.hist[i]!,
    bb_upper: bb.upper[i]!,
    bb_middle: bb.middle[i]!,
    bb_lower: bb.lower[i]!,
    bb_bandwidth: sq.bandwidth[i]!,
    atr: a[i]!,
    stoch_rsi_k: st.k[i]!,
    stoch_rsi_d: st.d[i]!,
    ema_fast: ef[i]!,
    ema_slow: es[i]!,
    volume_ratio: v.ratio[i]!,
    volume_spike: v.spike[i] === 1,
    squeeze: sq.squeeze[i] === 1,
  }));
}

function assertSame(a: IndicatorSnapshot, b: IndicatorSnapshot, where: string): void {
  for (const key of Object.keys(b) as (keyof IndicatorSnapshot)[]) {
    if (!Object.is(a[key], b[key])) throw new Error(`${where} ${key}: bundle ${a[key]}, batch ${b[key]}`);
  }
}

function check(candles: Candle[], options: Partial<IndicatorBundleOptions>): void {
  const bundle = new IndicatorBundle(options);
  const expected = batchSnapshots(candles, bundle.options);
  candles.forEach((c, i) => {
    assertSame({ ...bundle.peek(c) }, expected[i]!, `peek bar ${i}`);
    assertSame({ ...bundle.update(c) }, expected[i]!, `update bar ${i}`);
  });
}

describe('IndicatorBundle', () => {
  it('equals the batch functions bit for bit on real candles (defaults)', () => {
    check(readCandles('candles/binance-futures/BTCUSDT-1m.csv', 1000, 2000), {});
  });

  it('equals the batch functions bit for bit on random series with random periods', () => {
    const periods = fc.record({
      rsiPeriod: fc.integer({ min: 1, max: 20 }),
      macdFast: fc.integer({ min: 1, max: 10 }),
      macdSlow: fc.integer({ min: 11, max: 30 }),
      macdSignal: fc.integer({ min: 1, max: 10 }),
      bbPeriod: fc.integer({ min: 1, max: 25 }),
      bbMult: fc.double({ min: 0.5, max: 3, noNaN: true }),
      atrPeriod: fc.integer({ min: 1, max: 20 }),
      stochRsiRsiPeriod: fc.integer({ min: 1, max: 20 }),
      stochRsiStochPeriod: fc.integer({ min: 1, max: 20 }),
      stochRsiK: fc.integer({ min: 1, max: 5 }),
      stochRsiD: fc.integer({ min: 1, max: 5 }),
      emaFast: fc.integer({ min: 1, max: 20 }),
      emaSlow: fc.integer({ min: 1, max: 60 }),
      volumePeriod: fc.integer({ min: 1, max: 30 }),
      volumeSpikeMult: fc.double({ min: 1, max: 5, noNaN: true }),
      squeezeLookback: fc.integer({ min: 2, max: 50 }),
    });
    fc.assert(
      fc.property(candleSeries({ maxLength: 300 }), periods, (candles, o) => check(candles, o)),
      { numRuns: 80 },
    );
  });

  it('rejects a candle that is not after the last one and keeps its state', () => {
    const candles = readCandles('candles/kucoin-spot/ETH-USDT-1m.csv', 0, 60);
    const bundle = new IndicatorBundle();
    for (const c of candles.slice(0, 40)) bundle.update(c);
    expect(() => bundle.update(candles[39]!)).toThrow(/not after/);
    expect(() => bundle.peek(candles[10]!)).toThrow(/not after/);
    const expected = batchSnapshots(candles, bundle.options);
    for (let i = 40; i < 60; i++) assertSame({ ...bundle.update(candles[i]!) }, expected[i]!, `bar ${i}`);
  });

  it('fills a caller-owned snapshot when one is passed and leaves it alone afterwards', () => {
    const candles = readCandles('candles/kucoin-spot/ETH-USDT-1m.csv', 0, 3);
    const bundle = new IndicatorBundle();
    bundle.update(candles[0]!);
    const mine = emptySnapshot();
    expect(bundle.update(candles[1]!, mine)).toBe(mine);
    const shared = bundle.update(candles[2]!);
    expect(shared).not.toBe(mine);
    expect(mine.time).toBe(candles[1]!.time);
    expect(shared.time).toBe(candles[2]!.time);
  });
});
