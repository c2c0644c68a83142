import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candleSeries } from '../../test/helpers/arbitraries.ts';
import { readCandles } from '../../test/helpers/shared-data.ts';
import type { Candle } from '../candle.ts';
import { detectPatterns, findPatterns, PatternStream } from './patterns.ts';

/** [open, high, low, close] */
type Ohlc = [number, number, number, number];

/** Six candles whose closes fall (or rise, or stay) by 2 a bar, then the pattern's candles. */
function afterTrend(trend: 'down' | 'up' | 'flat', ...pattern: Ohlc[]): Candle[] {
  const step = trend === 'down' ? -2 : trend === 'up' ? 2 : 0;
  const prefix: Ohlc[] = Array.from({ length: 6 }, (_, i) => {
    const close = 110 + step * (i - 5);
    return [close - step, Math.max(close - step, close) + 0.5, Math.min(close - step, close) - 0.5, close];
  });
  return [...prefix, ...pattern].map(([open, high, low, close], i) => ({
    time: 1_700_000_000_000 + i * 60_000,
    open,
    high,
    low,
    close,
    volume: 1,
  }));
}

const at = (candles: Candle[]) => detectPatterns(candles, candles.length - 1).map((m) => m.pattern);

const HAMMER: Ohlc = [101, 102.2, 95, 102];
const INVERTED: Ohlc = [101, 108, 100.9, 102];

describe('candlestick patterns on constructed candles', () => {
  it('hammer after a fall, hanging man after a rise, neither without a trend', () => {
    expect(at(afterTrend('down', HAMMER))).toEqual(['hammer']);
    expect(at(afterTrend('up', HAMMER))).toEqual(['hanging_man']);
    expect(at(afterTrend('flat', HAMMER))).toEqual([]);
  });

  it('a long upper shadow is not a hammer; a short lower shadow is not either', () => {
    expect(at(afterTrend('down', INVERTED))).not.toContain('hammer');
    expect(at(afterTrend('down', [101, 102.2, 99.5, 102]))).toEqual([]);
  });

  it('inverted hammer after a fall, shooting star after a rise', () => {
    expect(at(afterTrend('down', INVERTED))).toEqual(['inverted_hammer']);
    expect(at(afterTrend('up', INVERTED))).toEqual(['shooting_star']);
    expect(at(afterTrend('up', [101, 103.5, 100.9, 102]))).not.toContain('shooting_star');
  });

  it('doji: a body of at most a tenth of the range', () => {
    expect(at(afterTrend('flat', [100, 101, 99, 100.05]))).toEqual(['doji']);
    expect(at(afterTrend('flat', [100, 101, 99, 100.5]))).toEqual([]);
    expect(at(afterTrend('flat', [100, 100, 100, 100]))).toEqual([]);
  });

  it('bullish engulfing after a fall; not when the body does not cover the previous one', () => {
    expect(at(afterTrend('down', [105, 106, 101, 102], [101.5, 106.5, 101, 106]))).toEqual([
      'bullish_engulfing',
    ]);
    expect(at(afterTrend('down', [105, 106, 101, 102], [102.5, 104.5, 102, 104]))).toEqual([]);
    expect(at(afterTrend('up', [105, 106, 101, 102], [101.5, 106.5, 101, 106]))).toEqual([]);
  });

  it('bearish engulfing after a rise; not after a fall', () => {
    expect(at(afterTrend('up', [102, 105.5, 101.5, 105], [105.5, 106, 100.5, 101]))).toEqual([
      'bearish_engulfing',
    ]);
    expect(at(afterTrend('down', [102, 105.5, 101.5, 105], [105.5, 106, 100.5, 101]))).toEqual([]);
    expect(at(afterTrend('up', [102, 105.5, 101.5, 105], [105.5, 106, 103.5, 104]))).toEqual([]);
  });

  it('morning star after a fall; not when the third candle stays below the first body midpoint', () => {
    const first: Ohlc = [110, 111, 99, 100];
    const star: Ohlc = [99, 99.5, 97.5, 98.5];
    expect(at(afterTrend('down', first, star, [99, 108, 98.5, 107]))).toContain('morning_star');
    expect(at(afterTrend('down', first, star, [99, 104, 98.5, 103]))).not.toContain('morning_star');
    expect(at(afterTrend('down', first, [99, 104, 97.5, 103.5], [99, 108, 98.5, 107]))).not.toContain(
      'morning_star',
    );
  });

  it('evening star after a rise; not after a fall', () => {
    const first: Ohlc = [100, 111, 99, 110];
    const star: Ohlc = [111, 112.5, 110.5, 111.5];
    const third: Ohlc = [111, 111.5, 102, 103];
    expect(at(afterTrend('up', first, star, third))).toContain('evening_star');
    expect(at(afterTrend('down', first, star, third))).not.toContain('evening_star');
  });

  it('three white soldiers; not when a candle opens above the previous close', () => {
    const a: Ohlc = [100, 104.3, 99.8, 104];
    const b: Ohlc = [102, 106.8, 101.8, 106.5];
    expect(at(afterTrend('flat', a, b, [105, 109.3, 104.8, 109]))).toEqual(['three_white_soldiers']);
    expect(at(afterTrend('flat', a, b, [107, 111.3, 106.8, 111]))).toEqual([]);
  });

  it('three black crows; not when a candle closes higher than the previous one', () => {
    const a: Ohlc = [110, 110.2, 105.7, 106];
    expect(at(afterTrend('flat', a, [107, 107.2, 102.2, 102.5], [104, 104.2, 98.8, 99]))).toEqual([
      'three_black_crows',
    ]);
    expect(at(afterTrend('flat', a, [109, 109.2, 106.2, 106.5], [104, 104.2, 98.8, 99]))).toEqual([]);
  });

  it('reports direction, length and the time of the last candle', () => {
    const candles = afterTrend('down', [105, 106, 101, 102], [101.5, 106.5, 101, 106]);
    expect(detectPatterns(candles, candles.length - 1)).toEqual([
      { pattern: 'bullish_engulfing', direction: 'bullish', index: 7, time: candles[7]!.time, length: 2 },
    ]);
  });
});

describe('PatternStream', () => {
  it('update and peek equal findPatterns on random series', () => {
    fc.assert(
      fc.property(candleSeries({ maxLength: 200 }), (candles) => {
        const expected = findPatterns(candles);
        const s = new PatternStream();
        const got = candles.flatMap((c) => {
          const peeked = s.peek(c);
          const updated = s.update(c);
          expect(peeked).toEqual(updated);
          return updated;
        });
        expect(got).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('finds every pattern on real KuCoin 1m candles', () => {
    const found = new Set(
      findPatterns(readCandles('candles/kucoin-spot/BTC-USDT-1m.csv', 0, 20000)).map((m) => m.pattern),
    );
    expect([...found].sort()).toEqual(
      [
        'bearish_engulfing',
        'bullish_engulfing',
        'doji',
        'evening_star',
        'hammer',
        'hanging_man',
        'inverted_hammer',
        'morning_star',
        'shooting_star',
        'three_black_crows',
        'three_white_soldiers',
      ].sort(),
    );
  });

  it('rejects an inconsistent candle', () => {
    expect(() =>
      new PatternStream().update({ time: 0, open: 1, high: 0.5, low: 0.4, close: 1, volume: 0 }),
    ).toThrow(RangeError);
  });
});
