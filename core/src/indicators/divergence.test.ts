import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candleSeries } from '../../test/helpers/arbitraries.ts';
import { column, readCandles } from '../../test/helpers/shared-data.ts';
import {
  type Divergence,
  DivergenceDetector,
  divergences,
  MacdDivergenceStream,
  macdDivergences,
  RsiDivergenceStream,
  rsiDivergences,
} from './index.ts';

/**
 * A flat series (osc 50, low 100, high 101) with V-shaped dips (type 'low') or peaks ('high') at
 * the given bars: strict pivots with the given oscillator value and price.
 */
function series(length: number, pivots: { at: number; type: 'low' | 'high'; osc: number; price: number }[]) {
  const osc = new Array<number>(length).fill(50);
  const low = new Array<number>(length).fill(100);
  const high = new Array<number>(length).fill(101);
  for (const p of pivots) {
    for (let k = -5; k <= 5; k++) {
      const i = p.at + k;
      if (p.type === 'low') {
        osc[i] = Math.min(osc[i]!, p.osc + Math.abs(k) * 3);
        low[i] = Math.min(low[i]!, p.price + Math.abs(k));
        high[i] = low[i]! + 1;
      } else {
        osc[i] = Math.max(osc[i]!, p.osc - Math.abs(k) * 3);
        high[i] = Math.max(high[i]!, p.price - Math.abs(k));
        low[i] = high[i]! - 1;
      }
    }
  }
  return { osc, low, high };
}

const kinds = (ds: Divergence[]) =>
  ds.map((d) => `${d.kind} ${d.direction} ${d.from.index}->${d.to.index}@${d.confirmedAt}`);

describe('divergences on constructed pivots', () => {
  it('regular bullish: price lower low, oscillator higher low', () => {
    const s = series(40, [
      { at: 10, type: 'low', osc: 20, price: 90 },
      { at: 25, type: 'low', osc: 30, price: 85 },
    ]);
    const r = divergences(s.high, s.low, s.osc);
    expect(kinds(r.divergences)).toEqual(['regular bullish 10->25@30']);
    expect(r.pivots.map((p) => `${p.type}@${p.index}`)).toEqual(['low@10', 'low@25']);
    expect(r.divergences[0]!.to).toMatchObject({ price: 85, osc: 30 });
  });

  it('hidden bullish: price higher low, oscillator lower low', () => {
    const s = series(40, [
      { at: 10, type: 'low', osc: 30, price: 90 },
      { at: 25, type: 'low', osc: 20, price: 95 },
    ]);
    expect(kinds(divergences(s.high, s.low, s.osc).divergences)).toEqual(['hidden bullish 10->25@30']);
  });

  it('regular bearish: price higher high, oscillator lower high', () => {
    const s = series(40, [
      { at: 10, type: 'high', osc: 80, price: 110 },
      { at: 25, type: 'high', osc: 70, price: 115 },
    ]);
    expect(kinds(divergences(s.high, s.low, s.osc).divergences)).toEqual(['regular bearish 10->25@30']);
  });

  it('hidden bearish: price lower high, oscillator higher high', () => {
    const s = series(40, [
      { at: 10, type: 'high', osc: 70, price: 115 },
      { at: 25, type: 'high', osc: 80, price: 110 },
    ]);
    expect(kinds(divergences(s.high, s.low, s.osc).divergences)).toEqual(['hidden bearish 10->25@30']);
  });

  it('none when price and oscillator agree', () => {
    const s = series(40, [
      { at: 10, type: 'low', osc: 30, price: 90 },
      { at: 25, type: 'low', osc: 20, price: 85 },
    ]);
    const r = divergences(s.high, s.low, s.osc);
    expect(r.divergences).toEqual([]);
    expect(r.pivots).toHaveLength(2);
  });

  it('none when the pivots are further apart than maxBars or closer than minBars', () => {
    const s = series(100, [
      { at: 10, type: 'low', osc: 20, price: 90 },
      { at: 80, type: 'low', osc: 30, price: 85 },
    ]);
    expect(divergences(s.high, s.low, s.osc).divergences).toEqual([]);
    expect(divergences(s.high, s.low, s.osc, { maxBars: 70 }).divergences).toHaveLength(1);
    const near = series(40, [
      { at: 10, type: 'low', osc: 20, price: 90 },
      { at: 25, type: 'low', osc: 30, price: 85 },
    ]);
    expect(divergences(near.high, near.low, near.osc, { minBars: 16 }).divergences).toEqual([]);
  });

  it('a pivot is only known `right` bars later: nothing at bar 29, the divergence at bar 30', () => {
    const s = series(40, [
      { at: 10, type: 'low', osc: 20, price: 90 },
      { at: 25, type: 'low', osc: 30, price: 85 },
    ]);
    const d = new DivergenceDetector();
    for (let i = 0; i < 30; i++) expect(d.update(s.high[i]!, s.low[i]!, s.osc[i]!)).toBeNull();
    expect(d.peek(s.high[30]!, s.low[30]!, s.osc[30]!)?.kind).toBe('regular');
    expect(d.update(s.high[30]!, s.low[30]!, s.osc[30]!)?.kind).toBe('regular');
  });

  it('rejects bad settings', () => {
    expect(() => new DivergenceDetector({ left: 0 })).toThrow(RangeError);
    expect(() => new DivergenceDetector({ minBars: 10, maxBars: 5 })).toThrow(RangeError);
  });
});

describe('divergence streams', () => {
  it('RSI and MACD streams (update and peek) equal the batch functions on random series', () => {
    fc.assert(
      fc.property(candleSeries({ maxLength: 300 }), fc.integer({ min: 1, max: 6 }), (candles, right) => {
        const h = column(candles, 'high');
        const l = column(candles, 'low');
        const c = column(candles, 'close');
        const t = column(candles, 'time');
        const options = { left: 3, right, minBars: 2, maxBars: 80 };
        const expectedRsi = rsiDivergences(h, l, c, 5, options, t).divergences;
        const expectedMacd = macdDivergences(h, l, c, 3, 8, 4, options, 'hist', t).divergences;
        const rs = new RsiDivergenceStream(5, options);
        const ms = new MacdDivergenceStream(3, 8, 4, options, 'hist');
        const gotRsi: Divergence[] = [];
        const gotMacd: Divergence[] = [];
        for (const candle of candles) {
          const pr = rs.peek(candle);
          const ur = rs.update(candle);
          expect(pr).toEqual(ur);
          if (ur) gotRsi.push(ur);
          const pm = ms.peek(candle);
          const um = ms.update(candle);
          expect(pm).toEqual(um);
          if (um) gotMacd.push(um);
        }
        expect(gotRsi).toEqual(expectedRsi);
        expect(gotMacd).toEqual(expectedMacd);
      }),
      { numRuns: 100 },
    );
  });

  it('finds every kind of RSI divergence on real BTCUSDT 1m candles, each confirmed after its pivot', () => {
    const candles = readCandles('candles/binance-futures/BTCUSDT-1m.csv', 0, 5000);
    const r = rsiDivergences(
      column(candles, 'high'),
      column(candles, 'low'),
      column(candles, 'close'),
      14,
      {},
      column(candles, 'time'),
    );
    const seen = new Set(r.divergences.map((d) => `${d.kind} ${d.direction}`));
    expect([...seen].sort()).toEqual([
      'hidden bearish',
      'hidden bullish',
      'regular bearish',
      'regular bullish',
    ]);
    for (const d of r.divergences) {
      expect(d.confirmedAt).toBe(d.to.index + 5);
      expect(d.to.time).toBe(candles[d.to.index]!.time);
      expect(d.to.price).toBe(
        d.direction === 'bullish' ? candles[d.to.index]!.low : candles[d.to.index]!.high,
      );
    }
  });
});
