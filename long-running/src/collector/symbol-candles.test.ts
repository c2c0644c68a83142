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

/**
 * Edges the scenarios above do not reach, each pinned because a one-line change of it passed them (issue
 * #15, mutation testing of `collector roll-ups`). Every expected value is worked out by hand in the comments.
 */
describe('SymbolCandles: edges', () => {
  const traded = (openTime: number, close: number, trades = 2): Bar => ({
    ...restBar(openTime, close),
    trades,
  });
  const minutes = (from: number, to: number, close: (m: number) => number, trades = 0) =>
    Array.from({ length: to - from }, (_, i) => traded(T0 + (from + i) * M, close(from + i), trades));

  it('with nothing stored, starts the lookback at its minute and knows no bar yet', () => {
    // now 10:00:30, lookback 5 min → 09:55:30 → minute 09:55 is the first to fetch; contiguous until 09:54
    const c = new SymbolCandles('XBTUSDTM', undefined, T0 + 30_000, 5 * M, { rollups: [] });
    expect(c.contiguousUntil()).toBe(T0 - 6 * M);
    expect(c.latest()).toBeUndefined();
    expect(c.dueBackfill(T0 + 30_000)).toEqual({ from: T0 - 5 * M, to: T0 });
  });

  it('offers the same range again after a failed backfill', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - 3 * M, T0 + 30_000, 0, { rollups: [] });
    expect(c.dueBackfill(T0 + 30_000)).toEqual({ from: T0 - 2 * M, to: T0 });
    expect(c.dueBackfill(T0 + 30_000)).toBeUndefined();
    c.backfillFailed();
    expect(c.dueBackfill(T0 + 30_000)).toEqual({ from: T0 - 2 * M, to: T0 });
  });

  it('takes from REST only the bars inside the range, and the latest bar is the last contiguous one', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - 3 * M, T0 + 30_000, 0, { rollups: [] });
    const range = c.dueBackfill(T0 + 30_000)!; // minutes −2 and −1
    const got = c.addBackfilled(range, [
      restBar(T0 - 3 * M, 1), // before the range (already stored)
      restBar(T0 - 2 * M, 10),
      restBar(T0 - M, 11),
      restBar(T0, 99), // the range ends before minute 0
    ]);
    expect(got.map((b) => [opens([b])[0], b.close.toString()])).toEqual([
      [-2, '10'],
      [-1, '11'],
    ]);
    expect(c.contiguousUntil()).toBe(T0 - M);
    expect(c.latest()?.close.toString()).toBe('11');
    expect(c.latest()?.openTime).toBe(T0 - M);
  });

  it('flat bars for missing REST minutes carry the symbol, zero volume and turnover and no trades', () => {
    const c = new SymbolCandles('ETHUSDTM', T0 - M, T0 + 2 * M + 1, 0, { rollups: [] });
    const bars = c.addBackfilled({ from: T0 - M, to: T0 + 2 * M }, [
      { ...restBar(T0 - M, 50), symbol: 'ETHUSDTM' },
    ]);
    expect(bars.slice(1)).toEqual(
      [0, 1].map((m) => ({
        symbol: 'ETHUSDTM',
        timeframe: '1m',
        openTime: T0 + m * M,
        open: p(50),
        high: p(50),
        low: p(50),
        close: p(50),
        volume: p(0),
        turnover: p(0),
        trades: 0,
      })),
    );
  });

  it('a minute REST misses with no bar before it is left out, not invented', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - 3 * M, T0 + 30_000, 0, { rollups: [] });
    const got = c.addBackfilled(c.dueBackfill(T0 + 30_000)!, [restBar(T0 - M, 11)]);
    expect(opens(got)).toEqual([-1]);
    expect(c.contiguousUntil()).toBe(T0 - 3 * M); // minute −2 is still missing
  });

  it('a backfill that reaches the resume minute seeds the builder: quiet minutes after it become flat bars', () => {
    // started 10:00:30 → trades count from 10:01; REST fills minute 0 (close 50); no trade in minutes 1–2
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 + 30_000, 0, { rollups: [] });
    const range = c.dueBackfill(T0 + M + 1)!;
    expect(range).toEqual({ from: T0, to: T0 + M });
    c.addBackfilled(range, [restBar(T0, 50)]);
    const flat = c.advance(T0 + 3 * M);
    expect(flat.map((b) => [opens([b])[0], b.close.toString(), b.volume.toString(), b.trades])).toEqual([
      [1, '50', '0', 0],
      [2, '50', '0', 0],
    ]);
    expect(c.contiguousUntil()).toBe(T0 + 2 * M);
  });

  it('a backfill that ends before the resume minute does not seed the builder', () => {
    // started 10:00:30, stored until 09:57: the first range is 09:58–09:59, the resume minute is 10:01
    const c = new SymbolCandles('XBTUSDTM', T0 - 3 * M, T0 + 30_000, 0, { rollups: [] });
    c.addBackfilled(c.dueBackfill(T0 + 30_000)!, [restBar(T0 - 2 * M, 10), restBar(T0 - M, 11)]);
    expect(c.advance(T0 + 3 * M)).toEqual([]); // minute 0 is REST's; no trade since: nothing to close
    expect(c.dueBackfill(T0 + 3 * M)).toEqual({ from: T0, to: T0 + M });
  });

  it('a suspend never moves the resume minute back', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 + 5 * M + 1, 0, { rollups: [] }); // resumes at minute 6
    c.suspend(T0 + M);
    expect(c.onTrade(trade(T0 + 5 * M + 30_000, 100))).toEqual([]);
    expect(c.skippedTrades).toBe(1);
    expect(c.advance(T0 + 5 * M + 59_000)).toEqual([]);
  });

  it('after a reconnect keeps the bars it built in the gap and takes only the others from REST', () => {
    // stored until 09:59; trades in minutes 2 and 3 (0 and 1 missing), the link dies during minute 5
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 + 2 * M - 1, 0, { rollups: [] });
    const built = [120, 130, 140].flatMap((px, i) => c.onTrade(trade(T0 + (2 + i) * M + 1, px)));
    expect(opens(built)).toEqual([2, 3]);
    c.suspend(T0 + 5 * M + 30_000); // forming minute 4 is lost; resume at minute 6
    const gap = c.dueBackfill(T0 + 6 * M + 1)!;
    expect(gap).toEqual({ from: T0, to: T0 + 6 * M });
    // REST has minutes 0–3 and 5, not 4: minute 4 is flat at minute 3's close — our own 130, not REST's 33
    const got = c.addBackfilled(
      gap,
      [0, 1, 2, 3, 5].map((m) => restBar(T0 + m * M, 30 + m)),
    );
    expect(got.map((b) => [opens([b])[0], b.close.toString()])).toEqual([
      [0, '30'],
      [1, '31'],
      [4, '130'],
      [5, '35'],
    ]);
    expect(c.contiguousUntil()).toBe(T0 + 5 * M);
  });

  it('preloads only stored 1m bars up to the last contiguous one, never over a bar it has', () => {
    // stored until 10:03; restart during 10:04; the 5m bucket 10:00 needs minute 4 from REST
    const c = new SymbolCandles('XBTUSDTM', T0 + 3 * M, T0 + 4 * M + 5_000, 0, { rollups: ['5m'] });
    c.preload([{ ...traded(T0, 900), timeframe: '5m' }]); // not a 1m bar: ignored
    c.preload(minutes(0, 4, (m) => 100 + m, 3)); // closes 100–103, high close + 1, low close − 2
    c.preload([
      traded(T0, 500, 3), // minute 0 again: ignored, the first copy stays
      traded(T0 + 4 * M, 900), // after the last contiguous minute: REST's to fill
    ]);
    const range = c.dueBackfill(T0 + 5 * M + 1)!;
    expect(range).toEqual({ from: T0 + 4 * M, to: T0 + 5 * M });
    const out = c.addBackfilled(range, [traded(T0 + 4 * M, 104, 3)]);
    expect(out.map((b) => [b.timeframe, opens([b], b.timeframe)[0]])).toEqual([
      ['1m', 4],
      ['5m', 0],
    ]);
    // 5m: open 99 (minute 0's open, close − 1), high 105 (minute 4), low 98 (minute 0), close 104,
    // volume 5 × 5, trades 5 × 3
    const five = out[1]!;
    expect([five.open, five.high, five.low, five.close, five.volume].map(String)).toEqual([
      '99',
      '105',
      '98',
      '104',
      '25',
    ]);
    expect(five.trades).toBe(15);
  });

  it('rolls up into every default timeframe whose bucket completes', () => {
    // stored until 09:59, started 10:15:10: REST fills 10:00–10:14 → three 5m bars and one 15m bar
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 + 15 * M + 10_000, 0);
    const out = c.addBackfilled(
      c.dueBackfill(T0 + 15 * M + 10_000)!,
      minutes(0, 15, (m) => 200 + m),
    );
    expect(
      out.filter((b) => b.timeframe !== '1m').map((b) => [b.timeframe, opens([b], b.timeframe)[0]]),
    ).toEqual([
      ['5m', 0],
      ['5m', 5],
      ['5m', 10],
      ['15m', 0],
    ]);
  });

  it('keeps only `keep` 1m bars: a bucket whose first minutes were dropped is never rolled up', () => {
    const run = (keep: number) => {
      const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 + 5 * M + 10_000, 0, { rollups: ['5m'], keep });
      c.addBackfilled(
        { from: T0, to: T0 + 3 * M },
        minutes(0, 3, (m) => 100 + m),
      ); // minutes 0–2
      return c.addBackfilled(
        { from: T0 + 3 * M, to: T0 + 5 * M },
        minutes(3, 5, (m) => 100 + m),
      );
    };
    expect(run(5).filter((b) => b.timeframe === '5m')).toHaveLength(1);
    expect(run(2).filter((b) => b.timeframe === '5m')).toHaveLength(0); // minute 0 was dropped
    expect(run(3).filter((b) => b.timeframe === '5m')).toHaveLength(1); // at the limit: nothing dropped yet
  });

  it('trimming keeps the newest bars: the latest bar is still known after it', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 + 5 * M + 10_000, 0, { rollups: [], keep: 2 });
    c.addBackfilled(
      { from: T0, to: T0 + 5 * M },
      minutes(0, 5, (m) => 100 + m),
    );
    expect(c.contiguousUntil()).toBe(T0 + 4 * M);
    expect(c.latest()?.close.toString()).toBe('104');
  });

  it('preloading more than `keep` bars keeps only the newest: an older bucket cannot roll up from them', () => {
    // keep 3; stored 10:00–10:03 preloaded (trimmed to 10:01–10:03); 10:04 from REST: 4 of 5 minutes
    const c = new SymbolCandles('XBTUSDTM', T0 + 3 * M, T0 + 5 * M + 1, 0, { rollups: ['5m'], keep: 3 });
    c.preload(minutes(0, 4, (m) => 100 + m));
    const out = c.addBackfilled(
      c.dueBackfill(T0 + 5 * M + 1)!,
      minutes(4, 5, () => 104),
    );
    expect(out.map((b) => b.timeframe)).toEqual(['1m']);
  });

  it('a bucket that was complete in storage is not rolled up again after a restart', () => {
    // stored 10:00–10:04 (the 5m bar of 10:00 was stored with them); restart in 10:05; REST brings 10:05
    const c = new SymbolCandles('XBTUSDTM', T0 + 4 * M, T0 + 6 * M + 1, 0, { rollups: ['5m'] });
    c.preload(minutes(0, 5, (m) => 100 + m));
    const out = c.addBackfilled(
      c.dueBackfill(T0 + 6 * M + 1)!,
      minutes(5, 6, () => 105),
    );
    expect(out.map((b) => [b.timeframe, opens([b], b.timeframe)[0]])).toEqual([['1m', 5]]);
  });

  it('a trade at the very first millisecond of the resume minute counts', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 + 30_000, 0, { rollups: [] }); // resumes at 10:01:00.000
    c.onTrade(trade(T0 + M, 100));
    expect(c.skippedTrades).toBe(0);
    expect(opens(c.advance(T0 + 2 * M))).toEqual([1]);
  });

  it('after a reconnect whose first minute is quiet, REST covers up to the first minute that traded', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 - 1, 0, { rollups: [] });
    c.onTrade(trade(T0 + 1, 100));
    c.onTrade(trade(T0 + M + 1, 101)); // closes minute 0
    c.suspend(T0 + 2 * M + 30_000); // resumes at minute 3
    c.onTrade(trade(T0 + 4 * M + 1, 104)); // minute 3 has no trade; the builder starts at minute 4
    expect(c.dueBackfill(T0 + 5 * M + 1)).toEqual({ from: T0 + M, to: T0 + 4 * M });
  });

  it('reports a disagreement with both bars as strings; flat bars and a minute compared before are not compared', () => {
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 - 1, 0, { rollups: [] });
    const ex = (openTime: number, o: number, h: number, l: number, cl: number) => ({
      openTime,
      open: p(o),
      high: p(h),
      low: p(l),
      close: p(cl),
    });
    c.onTrade(trade(T0 + 1, 100));
    c.onTrade(trade(T0 + 2, 106.5));
    c.onTrade(trade(T0 + 3, 99.5));
    c.onTrade(trade(T0 + M + 1, 101)); // minute 0: O100 H106.5 L99.5 C99.5
    c.advance(T0 + 3 * M); // minute 1: O101 H101 L101 C101 (1 trade); minute 2: flat at 101
    c.onExchangeCandle(ex(T0, 100, 106.5, 99.5, 99.4));
    const d = c.onExchangeCandle(ex(T0 + M, 101, 101, 101, 101));
    expect(d).toEqual([
      {
        symbol: 'XBTUSDTM',
        openTime: T0,
        own: { open: '100', high: '106.5', low: '99.5', close: '99.5' },
        exchange: { open: '100', high: '106.5', low: '99.5', close: '99.4' },
      },
    ]);
    // each OHLC field alone differing is a disagreement; agreeing is not
    expect(c.onExchangeCandle(ex(T0 + 2 * M, 7, 7, 7, 7))).toEqual([]); // minute 1 agrees
    expect([c.compared, c.disagreements]).toEqual([2, 1]);
    expect(c.onExchangeCandle(ex(T0 + 3 * M, 1, 1, 1, 1))).toEqual([]); // minute 2 is flat (no trade)
    expect([c.compared, c.disagreements]).toEqual([2, 1]);
    // a late push for minute 0 comes back as forming, and is final again with the next minute: not twice
    expect(c.onExchangeCandle(ex(T0, 1, 1, 1, 1))).toEqual([]);
    expect(c.onExchangeCandle(ex(T0 + 4 * M, 1, 1, 1, 1))).toEqual([]);
    expect([c.compared, c.disagreements]).toEqual([2, 1]);
  });

  it('each of open, high, low and close alone makes a disagreement', () => {
    for (const field of ['open', 'high', 'low', 'close'] as const) {
      const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 - 1, 0, { rollups: [] });
      c.onTrade(trade(T0 + 1, 100));
      c.onTrade(trade(T0 + 2, 104));
      c.onTrade(trade(T0 + 3, 98));
      c.onTrade(trade(T0 + 4, 101));
      c.onTrade(trade(T0 + M + 1, 101)); // minute 0: O100 H104 L98 C101
      const own = { openTime: T0, open: p(100), high: p(104), low: p(98), close: p(101) };
      c.onExchangeCandle({ ...own, [field]: p(50) });
      expect(c.onExchangeCandle({ ...own, openTime: T0 + M }), field).toHaveLength(1);
      expect(c.disagreements, field).toBe(1);
    }
  });

  it('remembers the last 16 final exchange candles: older ones are not compared when the bar comes late', () => {
    // exchange candles for minutes 0–20 arrive first (minutes 0–19 become final), the own bars after
    // over REST (with trades): only the 16 newest finals, minutes 4–19, are compared
    const c = new SymbolCandles('XBTUSDTM', T0 - M, T0 + 21 * M + 1, 0, { rollups: [] });
    for (let m = 0; m <= 20; m++)
      c.onExchangeCandle({ openTime: T0 + m * M, open: p(1), high: p(1), low: p(1), close: p(1) });
    expect(c.compared).toBe(0);
    c.addBackfilled(
      c.dueBackfill(T0 + 21 * M + 1)!,
      minutes(0, 21, () => 100, 2),
    );
    expect([c.compared, c.disagreements]).toEqual([16, 16]);
  });
});
