import { describe, expect, it } from 'vitest';
import type { Candle } from '../candle.ts';
import { FEATURE_COUNT, FEATURE_WARMUP, SEQUENCE_LENGTH } from '../features/spec.ts';
import { candleContext } from './context.ts';

const MINUTE = 60_000;
const t0 = Date.UTC(2025, 4, 1);

/** An exponential trend: MACD grows with it, so its histogram keeps the trend's sign on every timeframe. */
function trendingMinutes(n: number, step: number): Candle[] {
  return Array.from({ length: n }, (_, i) => {
    const close = 100 * Math.exp(i * step * 0.01) * (1 + 0.0002 * Math.sin(i * 0.7));
    return {
      time: t0 + i * MINUTE,
      open: close - step,
      high: close + 0.1,
      low: close - step - 0.1,
      close,
      volume: 5 + (i % 3),
    };
  });
}

describe('candleContext', () => {
  it('sees an uptrend on every timeframe once enough minutes have closed', () => {
    const minutes = trendingMinutes(20_000, 0.01);
    const ctx = candleContext(minutes, minutes.at(-1)!.time + MINUTE);
    expect(ctx.bar).toBe(minutes.at(-1));
    // 1m follows the wiggle; every higher timeframe sees the trend.
    expect(ctx.timeframes.map((t) => t.timeframe)).toEqual(['1m', '5m', '15m', '1h', '4h']);
    expect(ctx.timeframes.slice(1).map((t) => t.trend)).toEqual(['up', 'up', 'up', 'up']);
    expect(ctx.sequence).toHaveLength(SEQUENCE_LENGTH * FEATURE_COUNT);
    expect(ctx.local.close).toBe(minutes.at(-1)!.close);
  });

  it('ignores minutes that had not closed by `now` (no look-ahead)', () => {
    const minutes = trendingMinutes(600, -0.01);
    const now = minutes[400]!.time + MINUTE;
    const ctx = candleContext(minutes, now);
    expect(ctx.bar).toBe(minutes[400]);
    expect(candleContext(minutes.slice(0, 401), now)).toEqual(ctx);
  });

  it('says why there is no model input with too little history', () => {
    const minutes = trendingMinutes(FEATURE_WARMUP + SEQUENCE_LENGTH - 1, 0.01);
    const ctx = candleContext(minutes, minutes.at(-1)!.time + MINUTE);
    expect(ctx.sequence).toBeNull();
    expect(ctx.sequenceError).toMatch(/not enough history/);
  });

  it('refuses an instant before the first minute closed', () => {
    const minutes = trendingMinutes(10, 0.01);
    expect(() => candleContext(minutes, t0 + 30_000)).toThrow(/no 1m candle had closed/);
  });
});
