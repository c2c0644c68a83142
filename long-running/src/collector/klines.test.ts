import { toMoney } from '@enigma/core/money';
import { describe, expect, it } from 'vitest';
import type { Candle } from '../exchange/types.ts';
import { fetchBars, MAX_KLINES_PER_REQUEST, planKlineWindows } from './klines.ts';

const M = 60_000;
const T0 = Date.UTC(2025, 4, 5, 0, 0);

describe('planKlineWindows', () => {
  it('never asks for more than KuCoin returns in one response and covers the range exactly', () => {
    const windows = planKlineWindows(T0, T0 + 1_234 * M, '1m');
    expect(windows).toHaveLength(3);
    expect(windows[0]).toEqual({ from: T0, to: T0 + MAX_KLINES_PER_REQUEST * M - 1 });
    expect(windows[2]).toEqual({ from: T0 + 1_000 * M, to: T0 + 1_234 * M - 1 });
    for (const w of windows) expect((w.to + 1 - w.from) / M).toBeLessThanOrEqual(MAX_KLINES_PER_REQUEST);
  });

  it('rejects unaligned ranges and returns nothing for an empty one', () => {
    expect(() => planKlineWindows(T0 + 1, T0 + M, '1m')).toThrow(RangeError);
    expect(planKlineWindows(T0, T0, '5m')).toEqual([]);
  });
});

describe('fetchBars', () => {
  /** A protocol-faithful stand-in for the exchange's kline endpoint: inclusive range, 500-bar cap. */
  function exchange(bars: number) {
    const calls: [number, number, number][] = [];
    const series: Candle[] = Array.from({ length: bars }, (_, i) => ({
      symbol: 'XBTUSDTM',
      openTime: T0 + i * M,
      open: toMoney(100 + i),
      high: toMoney(101 + i),
      low: toMoney(99 + i),
      close: toMoney(100.5 + i),
      volume: toMoney(i),
    }));
    return {
      calls,
      async klines(_symbol: string, granularity: number, from: number, to: number) {
        calls.push([granularity, from, to]);
        return series.filter((c) => c.openTime >= from && c.openTime <= to).slice(0, 500);
      },
    };
  }

  it('pages through a long range with the minute granularity and returns each bar once, in order', async () => {
    const api = exchange(1_300);
    const pages: number[] = [];
    const bars = await fetchBars(api, 'XBTUSDTM', '1m', T0, T0 + 1_200 * M, (page) => {
      pages.push(page.length);
    });
    expect(api.calls.map((c) => c[0])).toEqual([1, 1, 1]);
    expect(pages).toEqual([500, 500, 200]);
    expect(bars).toHaveLength(1_200);
    expect(bars.every((b, i) => b.openTime === T0 + i * M && b.timeframe === '1m')).toBe(true);
    expect(bars[7]!.close.toString()).toBe('107.5');
  });

  it('asks for 5m bars with granularity 5', async () => {
    const api = exchange(10);
    await fetchBars(api, 'XBTUSDTM', '5m', T0, T0 + 10 * 300_000);
    expect(api.calls[0]![0]).toBe(5);
  });
});
