import type { Bar } from '@enigma/core/marketdata/index';
import { Money } from '@enigma/core/money';
import { describe, expect, it } from 'vitest';
import { SymbolCandles } from './symbol-candles.ts';

const M = 60_000;
// 10:00 UTC, aligned to 5m and 15m buckets
const T0 = Date.UTC(2025, 4, 5, 10, 0);
const p = (v: number | string) => new Money(v);
const trade = (ts: number, price: number, size = 1) => ({ ts, price: p(price), size });
const restBar = (openTime: number, close: number): Bar => ({
  symbol: 'XBTUSDTM',
  timeframe: '1m',
  openTime,
  open: p(close - 1),
  high: p(close + 1),
  low: p(close - 2),
  close: p(close),
  volume: p(5),
  turnover: p(0),
  trades: 0,
});
const opens = (bars: Bar[], tf = '1m') =>
  bars.filter((b) => b.timeframe === tf).map((b) => (b.openTime - T0) / M);

describe('SymbolCandles', () => {
  it('ignores the trades of the minute it started in and builds bars from the next minute on', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 + 30_000, 0, { rollups: [] });
    expect(c.onTrade(trade(T0 + 40_000, 100))).toEqual([]);
    expect(c.skippedTrades).toBe(1);
    c.onTrade(trade(T0 + M + 1, 101));
    c.onTrade(trade(T0 + M + 2, 103, 2));
    const closed = c.onTrade(trade(T0 + 2 * M + 5, 102));
    expect(
      closed.map((b) => [opens([b])[0], b.open.toString(), b.high.toString(), b.volume.toString()]),
    ).toEqual([[1, '101', '103', '3']]);
  });

  it('asks REST for every complete minute since the last stored bar, then for the minute it skipped', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - 3 * M, T0 + 30_000, 0, { rollups: [] });
    const first = c.dueBackfill(T0 + 30_000);
    expect(first).toEqual({ from: T0 - 2 * M, to: T0 });
    expect(c.dueBackfill(T0 + 31_000)).toBeUndefined(); // one batch in flight at a time
    const filled = c.addBackfilled(first!, [restBar(T0 - 2 * M, 10), restBar(T0 - M, 11)]);
    expect(opens(filled)).toEqual([-2, -1]);
    expect(c.dueBackfill(T0 + 50_000)).toBeUndefined(); // the current minute is not complete yet
    const second = c.dueBackfill(T0 + M + 1);
    expect(second).toEqual({ from: T0, to: T0 + M });
    expect(opens(c.addBackfilled(second!, [restBar(T0, 12)]))).toEqual([0]);
    expect(c.contiguousUntil()).toBe(T0);
  });

  it('fills minutes REST has no bar for with flat bars at the previous close', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 + 3 * M + 1, 0, { rollups: [] });
    c.addBackfilled({ from: T0 - M, to: T0 }, [restBar(T0 - M, 50)]);
    const range = c.dueBackfill(T0 + 3 * M + 1)!;
    const bars = c.addBackfilled(range, [restBar(T0 + M, 52)]);
    expect(bars.map((b) => [opens([b])[0], b.close.toString(), b.volume.toString()])).toEqual([
      [0, '50', '0'],
      [1, '52', '5'],
      [2, '52', '0'],
    ]);
  });

  it('after a reconnect drops the forming bar and backfills exactly the lost minutes', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 - 1, 0, { rollups: [] });
    c.onTrade(trade(T0 + 1, 100));
    c.onTrade(trade(T0 + M + 1, 101)); // closes minute 0
    c.onTrade(trade(T0 + 2 * M + 1, 102)); // closes minute 1
    expect(c.contiguousUntil()).toBe(T0 + M);
    c.onTrade(trade(T0 + 2 * M + 10, 150)); // minute 2 is forming when the link dies
    c.suspend(T0 + 4 * M + 30_000); // detected and reconnected during minute 4
    expect(c.onTrade(trade(T0 + 4 * M + 40_000, 160))).toEqual([]);
    const gap = c.dueBackfill(T0 + 5 * M + 1)!;
    expect(gap).toEqual({ from: T0 + 2 * M, to: T0 + 5 * M });
    const rest = [restBar(T0 + 2 * M, 151), restBar(T0 + 3 * M, 152), restBar(T0 + 4 * M, 161)];
    expect(opens(c.addBackfilled(gap, rest))).toEqual([2, 3, 4]);
    c.onTrade(trade(T0 + 5 * M + 1, 170));
    expect(opens(c.advance(T0 + 6 * M))).toEqual([5]);
    expect(c.contiguousUntil()).toBe(T0 + 5 * M);
  });

  it('leaves a minute with no trade after the reconnect to REST too', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 + 10_000, 0, { rollups: [] });
    c.addBackfilled(c.dueBackfill(T0 + 10_000) ?? { from: T0, to: T0 }, []);
    // no trade in minute 1 (resumeAt); the builder's first bar is minute 2
    c.onTrade(trade(T0 + 2 * M + 1, 100));
    expect(opens(c.onTrade(trade(T0 + 3 * M + 1, 101)))).toEqual([2]);
    const gap = c.dueBackfill(T0 + 3 * M + 2)!;
    expect(gap).toEqual({ from: T0, to: T0 + 2 * M });
  });

  it('rolls up a 5m bar once its five minutes are contiguous, whichever source they came from', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 + 2 * M + 30_000, 0, { rollups: ['5m'] });
    for (let m = 3; m <= 5; m++) c.onTrade(trade(T0 + m * M + 1, 200 + m));
    const range = c.dueBackfill(T0 + 5 * M + 2)!;
    expect(range).toEqual({ from: T0, to: T0 + 3 * M });
    const out = c.addBackfilled(range, [restBar(T0, 100), restBar(T0 + M, 300), restBar(T0 + 2 * M, 102)]);
    const five = out.filter((b) => b.timeframe === '5m');
    expect(five).toHaveLength(1);
    expect(five[0]).toMatchObject({ openTime: T0 });
    expect(five[0]!.open.toString()).toBe('99');
    expect(five[0]!.high.toString()).toBe('301');
    expect(five[0]!.close.toString()).toBe('204');
    expect(five[0]!.low.toString()).toBe('98');
    expect(five[0]!.volume.toString()).toBe('17'); // 3 REST bars × 5 + 2 trades
    // never emitted twice
    expect(c.advance(T0 + 7 * M).filter((b) => b.timeframe === '5m')).toEqual([]);
  });

  it('rolls up high and low from inside the bucket when the market falls and rises (hand-computed)', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 - 1, 0, { rollups: ['5m'] });
    // [minute, price, size]: bucket 0 falls to 92 (minute 1) then rises to 108 (minute 3), closes 101;
    // bucket 1 rises to 111 (minute 6) then falls to 96 (minute 8), closes 98
    const ticks: [number, number, number][] = [
      [0, 100, 1],
      [0, 97, 2],
      [1, 95, 1],
      [1, 92, 3],
      [2, 94, 1],
      [2, 99, 1],
      [3, 104, 2],
      [3, 108, 1],
      [4, 103, 1],
      [4, 101, 4],
      [5, 101, 1],
      [5, 109, 1],
      [6, 111, 2],
      [6, 100, 1],
      [7, 97, 1],
      [8, 96, 5],
      [8, 97, 1],
      [9, 99, 1],
      [9, 98, 2],
      [10, 98, 1],
    ];
    const out = ticks.flatMap(([m, px, size], i) => c.onTrade(trade(T0 + m * M + 1 + i, px, size)));
    const five = out
      .filter((b) => b.timeframe === '5m')
      .map((b) => [
        (b.openTime - T0) / M,
        b.open.toString(),
        b.high.toString(),
        b.low.toString(),
        b.close.toString(),
        b.volume.toString(),
        b.trades,
      ]);
    expect(five).toEqual([
      [0, '100', '108', '92', '101', '17', 10],
      [5, '101', '111', '96', '98', '15', 9],
    ]);
  });

  it('compares the final exchange candle with its own bar and counts disagreements', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 - 1, 0, { rollups: [] });
    c.onTrade(trade(T0 + 1, 100));
    c.onTrade(trade(T0 + 2, 105));
    c.onTrade(trade(T0 + M + 1, 101)); // closes minute 0: O100 H105 L100 C105
    c.onTrade(trade(T0 + 2 * M + 1, 101)); // closes minute 1: O101 H101 L101 C101
    const ex = (openTime: number, o: number, h: number, l: number, cl: number) => ({
      openTime,
      open: p(o),
      high: p(h),
      low: p(l),
      close: p(cl),
    });
    expect(c.onExchangeCandle(ex(T0, 100, 100, 100, 100))).toEqual([]); // still forming
    expect(c.onExchangeCandle(ex(T0, 100, 105, 100, 105))).toEqual([]);
    expect(c.onExchangeCandle(ex(T0 + M, 101, 101, 101, 101))).toEqual([]); // minute 0 final: agrees
    expect(c.compared).toBe(1);
    const d = c.onExchangeCandle(ex(T0 + 2 * M, 1, 1, 1, 1));
    expect(d).toEqual([]); // minute 1 final: agrees too
    const bad = c.onExchangeCandle(ex(T0 + 3 * M, 1, 1, 1, 1));
    expect(bad).toEqual([]); // minute 2 has no own bar yet
    expect(c.onTrade(trade(T0 + 3 * M + 5, 7)).map((b) => b.openTime)).toEqual([T0 + 2 * M]);
    expect(c.disagreements).toBe(1); // own minute 2 (C101) vs exchange (C1)
    expect(c.compared).toBe(3);
  });

  it('completes an hourly bar across a restart from preloaded stored minutes', () => {
    const hour = Date.UTC(2025, 4, 5, 11, 0);
    // 50 minutes stored before the restart (11:00-11:49), the process restarts during 11:50
    const c = new SymbolCandles('XBTUSDTM', hour + 49 * M, hour + 50 * M + 5_000, 0, { rollups: ['1h'] });
    c.preload(Array.from({ length: 50 }, (_, i) => ({ ...restBar(hour + i * M, 100 + i), trades: 3 })));
    const gap = c.dueBackfill(hour + 51 * M + 1)!;
    expect(gap).toEqual({ from: hour + 50 * M, to: hour + 51 * M });
    c.addBackfilled(gap, [restBar(hour + 50 * M, 150)]);
    const out: Bar[] = [];
    for (let m = 51; m <= 60; m++) out.push(...c.onTrade(trade(hour + m * M + 1, 200 + m)));
    out.push(...c.advance(hour + 61 * M));
    const hourly = out.filter((b) => b.timeframe === '1h');
    expect(hourly).toHaveLength(1);
    expect(hourly[0]!.openTime).toBe(hour);
    expect(hourly[0]!.open.toString()).toBe('99');
    expect(hourly[0]!.close.toString()).toBe('259');
    expect(hourly[0]!.high.toString()).toBe('259');
    expect(hourly[0]!.low.toString()).toBe('98');
    expect(hourly[0]!.trades).toBe(50 * 3 + 9);
  });
});
