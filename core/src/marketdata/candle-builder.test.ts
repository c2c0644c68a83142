import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Money } from '../money.ts';
import { type Bar, CandleBuilder, rollupBars } from './candle-builder.ts';
import { bucketStart, isTimeframe, ROLLUP_TIMEFRAMES } from './timeframe.ts';

const T0 = Date.UTC(2025, 4, 4, 15, 33);
const p = (v: string | number) => new Money(v);
const plain = (b: Bar) => ({
  t: b.openTime,
  o: b.open.toString(),
  h: b.high.toString(),
  l: b.low.toString(),
  c: b.close.toString(),
  v: b.volume.toString(),
  n: b.trades,
});

describe('CandleBuilder', () => {
  it('builds OHLCV from trades and closes the bar when the next minute starts', () => {
    const b = new CandleBuilder('XBTUSDTM');
    expect(b.onTrade({ ts: T0 + 1_000, price: p('100.5'), size: 2 })).toEqual([]);
    b.onTrade({ ts: T0 + 2_000, price: p('101'), size: 1 });
    b.onTrade({ ts: T0 + 3_000, price: p('99.9'), size: 3 });
    b.onTrade({ ts: T0 + 59_999, price: p('100'), size: 1 });
    const closed = b.onTrade({ ts: T0 + 60_000, price: p('100.1'), size: 1 });
    expect(closed.map(plain)).toEqual([{ t: T0, o: '100.5', h: '101', l: '99.9', c: '100', v: '7', n: 4 }]);
  });

  it('fills quiet minutes with flat zero-volume bars so the series has no gap', () => {
    const b = new CandleBuilder('XBTUSDTM');
    b.onTrade({ ts: T0, price: p(10), size: 1 });
    const closed = b.onTrade({ ts: T0 + 3 * 60_000 + 5, price: p(11), size: 1 });
    expect(closed.map((x) => [x.openTime - T0, x.close.toString(), x.volume.toString()])).toEqual([
      [0, '10', '1'],
      [60_000, '10', '0'],
      [120_000, '10', '0'],
    ]);
    expect(b.closeUntil(T0 + 5 * 60_000).map((x) => x.openTime - T0)).toEqual([180_000, 240_000]);
  });

  it('ignores and counts trades that arrive for an already closed bar', () => {
    const b = new CandleBuilder('XBTUSDTM');
    b.onTrade({ ts: T0 + 60_000, price: p(10), size: 1 });
    expect(b.onTrade({ ts: T0 + 10, price: p(99), size: 1 })).toEqual([]);
    expect(b.lateTrades).toBe(1);
    expect(b.forming()?.high.toString()).toBe('10');
  });

  it('rejects fractional or non-positive sizes instead of coercing them', () => {
    const b = new CandleBuilder('XBTUSDTM');
    expect(() => b.onTrade({ ts: T0, price: p(1), size: 1.5 })).toThrow(RangeError);
    expect(() => b.onTrade({ ts: T0, price: p(1), size: 0 })).toThrow(RangeError);
  });

  it('matches a direct per-bucket computation for any trade sequence (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dt: fc.integer({ min: 0, max: 90_000 }),
            px: fc.integer({ min: 1, max: 10_000 }),
            size: fc.integer({ min: 1, max: 50 }),
          }),
          { minLength: 1, maxLength: 200 },
        ),
        (steps) => {
          let ts = T0;
          const trades = steps.map((s) => {
            ts += s.dt;
            return { ts, price: p(s.px / 10), size: s.size };
          });
          const b = new CandleBuilder('X');
          const bars = trades.flatMap((t) => b.onTrade(t));
          bars.push(...b.closeUntil(ts + 60_000));
          const expected = new Map<number, typeof trades>();
          for (const t of trades) {
            const k = bucketStart(t.ts, '1m');
            expected.set(k, [...(expected.get(k) ?? []), t]);
          }
          for (const bar of bars) {
            const group = expected.get(bar.openTime);
            if (!group) {
              expect(bar.volume.isZero()).toBe(true);
              continue;
            }
            expect(bar.open.eq(group[0]!.price)).toBe(true);
            expect(bar.close.eq(group[group.length - 1]!.price)).toBe(true);
            expect(bar.high.eq(Money.max(...group.map((g) => g.price)))).toBe(true);
            expect(bar.low.eq(Money.min(...group.map((g) => g.price)))).toBe(true);
            expect(bar.volume.toNumber()).toBe(group.reduce((a, g) => a + g.size, 0));
          }
          // contiguous: every minute from the first to the last bar is present exactly once
          for (let i = 1; i < bars.length; i++)
            expect(bars[i]!.openTime - bars[i - 1]!.openTime).toBe(60_000);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('rollupBars', () => {
  it('rolls complete 1m groups into 5m bars and drops the incomplete tail', () => {
    const b = new CandleBuilder('X');
    const bars: Bar[] = [];
    for (let i = 0; i < 12; i++)
      bars.push(...b.onTrade({ ts: T0 - (T0 % 300_000) + i * 60_000, price: p(100 + i), size: 1 }));
    bars.push(...b.closeUntil(T0 - (T0 % 300_000) + 12 * 60_000));
    const five = rollupBars(bars, '5m');
    expect(five).toHaveLength(2);
    expect(five[0]).toMatchObject({ timeframe: '5m', trades: 5 });
    expect(five[0]!.open.toString()).toBe('100');
    expect(five[0]!.close.toString()).toBe('104');
    expect(five[0]!.high.toString()).toBe('104');
    expect(five[1]!.volume.toString()).toBe('5');
  });

  it('takes high and low from the middle bars when the market falls then rises (hand-computed)', () => {
    const start = Date.UTC(2025, 4, 4, 15, 0);
    const mk = (i: number, o: number, h: number, l: number, c: number, v: number, n: number): Bar => ({
      symbol: 'X',
      timeframe: '1m',
      openTime: start + i * 60_000,
      open: p(o),
      high: p(h),
      low: p(l),
      close: p(c),
      volume: p(v),
      turnover: p(v * 10),
      trades: n,
    });
    // falls to 90 in minute 2, rises to 113 in minute 3; neither extreme is in the first or last bar,
    // and the first bar's low (99) and high (101) are both beaten
    const bars = [
      mk(3, 96, 113, 95, 112, 4, 3),
      mk(0, 100, 101, 99, 98, 1, 1),
      mk(1, 98, 99, 94, 95, 2, 2),
      mk(2, 95, 97, 90, 96, 3, 1),
      mk(4, 112, 112, 105, 106, 5, 4),
    ];
    const [five, ...rest] = rollupBars(bars, '5m');
    expect(rest).toEqual([]);
    expect(five).toMatchObject({ symbol: 'X', timeframe: '5m', openTime: start, trades: 11 });
    expect(plain(five!)).toEqual({ t: start, o: '100', h: '113', l: '90', c: '106', v: '15', n: 11 });
    expect(five!.turnover.toString()).toBe('150');
  });

  it('equals OHLCV computed directly from the trades per 5m and 15m bucket (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dt: fc.integer({ min: 0, max: 40_000 }),
            px: fc.integer({ min: 1, max: 10_000 }),
            size: fc.integer({ min: 1, max: 9 }),
          }),
          { minLength: 1, maxLength: 300 },
        ),
        (steps) => {
          const first = Date.UTC(2025, 4, 4, 15, 0);
          let ts = first;
          const trades = steps.map((s) => {
            ts += s.dt;
            return { ts, price: p(s.px / 10), size: s.size };
          });
          const b = new CandleBuilder('X');
          const minutes = trades.flatMap((t) => b.onTrade(t));
          minutes.push(...b.closeUntil(ts + 60_000));
          for (const tf of ['5m', '15m'] as const) {
            const size = tf === '5m' ? 300_000 : 900_000;
            for (const bar of rollupBars(minutes, tf)) {
              const group = trades.filter((t) => t.ts - (t.ts % size) === bar.openTime);
              const lastBefore = trades.filter((t) => t.ts < bar.openTime).at(-1);
              if (group.length === 0) {
                // a quiet bucket is flat at the previous close
                expect(plain(bar)).toMatchObject({
                  v: '0',
                  h: lastBefore!.price.toString(),
                  l: lastBefore!.price.toString(),
                });
                continue;
              }
              const prices = group.map((g) => g.price.toNumber());
              // a quiet first minute of the bucket opens at the previous close
              const open = trades.filter((t) => t.ts < bar.openTime + 60_000 && t.ts >= bar.openTime).length
                ? group[0]!.price.toNumber()
                : lastBefore!.price.toNumber();
              const withCarry = open === group[0]!.price.toNumber() ? prices : [...prices, open];
              expect(bar.open.toNumber()).toBe(open);
              expect(bar.high.toNumber()).toBe(Math.max(...withCarry));
              expect(bar.low.toNumber()).toBe(Math.min(...withCarry));
              expect(bar.close.toNumber()).toBe(prices.at(-1));
              expect(bar.volume.toNumber()).toBe(group.reduce((a, g) => a + g.size, 0));
              expect(bar.trades).toBe(group.length);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a roll-up that does not divide evenly', () => {
    const bar: Bar = {
      symbol: 'X',
      timeframe: '5m',
      openTime: 0,
      open: p(1),
      high: p(1),
      low: p(1),
      close: p(1),
      volume: p(0),
      turnover: p(0),
      trades: 0,
    };
    expect(() => rollupBars([bar], '1m')).toThrow(RangeError);
  });
});

describe('CandleBuilder after a restart and at bar boundaries', () => {
  it('seeded with the last stored bar, fills the gap from its close and refuses trades for it', () => {
    const b = new CandleBuilder('XBTUSDTM');
    b.seed({ openTime: T0, close: p(50) });
    // a trade for the stored minute (or earlier) is late, also before any bar is forming
    expect(b.onTrade({ ts: T0 + 30_000, price: p(99), size: 1 })).toEqual([]);
    expect(b.onTrade({ ts: T0 - 1, price: p(99), size: 1 })).toEqual([]);
    expect(b.lateTrades).toBe(2);
    expect(b.forming()).toBeUndefined();
    // minutes 1 and 2 had no trade: flat at the stored close; minute 3 forms
    const closed = b.onTrade({ ts: T0 + 3 * 60_000 + 1, price: p(52), size: 1 });
    expect(closed.map(plain)).toEqual([
      { t: T0 + 60_000, o: '50', h: '50', l: '50', c: '50', v: '0', n: 0 },
      { t: T0 + 120_000, o: '50', h: '50', l: '50', c: '50', v: '0', n: 0 },
    ]);
    expect(b.forming()).toMatchObject({ openTime: T0 + 180_000, trades: 1 });
  });

  it('without a seed or a trade there is nothing to fill', () => {
    const b = new CandleBuilder('XBTUSDTM');
    expect(b.closeUntil(T0 + 10 * 60_000)).toEqual([]);
    b.seed({ openTime: T0, close: p(7) });
    expect(b.closeUntil(T0 + 2 * 60_000).map((x) => [x.openTime - T0, x.close.toString()])).toEqual([
      [60_000, '7'],
    ]);
  });

  it('closes a bar exactly when its minute has passed, not before', () => {
    const b = new CandleBuilder('XBTUSDTM');
    b.onTrade({ ts: T0 + 5, price: p(10), size: 1 });
    expect(b.closeUntil(T0 + 59_999)).toEqual([]);
    expect(b.forming()?.openTime).toBe(T0);
    // another trade in the same minute closes nothing
    expect(b.onTrade({ ts: T0 + 59_999, price: p(11), size: 2 })).toEqual([]);
    expect(b.closeUntil(T0 + 60_000).map(plain)).toEqual([
      { t: T0, o: '10', h: '11', l: '10', c: '11', v: '3', n: 2 },
    ]);
    expect(b.forming()).toBeUndefined();
    expect(b.closeUntil(T0 + 60_000)).toEqual([]);
  });

  it('says why a size is refused', () => {
    expect(() => new CandleBuilder('X').onTrade({ ts: T0, price: p(1), size: -1 })).toThrow(
      /positive integer of lots: -1/,
    );
  });
});

describe('rollupBars input handling', () => {
  const bar = (i: number, close: number): Bar => ({
    symbol: 'X',
    timeframe: '1m',
    openTime: T0 - (T0 % 300_000) + i * 60_000,
    open: p(close),
    high: p(close),
    low: p(close),
    close: p(close),
    volume: p(1),
    turnover: p(close),
    trades: 1,
  });

  it('returns nothing for no bars', () => expect(rollupBars([], '5m')).toEqual([]));

  it('orders bars and buckets itself: shuffled input gives the same bars, oldest first', () => {
    const bars = Array.from({ length: 10 }, (_, i) => bar(i, 100 + i));
    const shuffled = [
      bars[7]!,
      bars[2]!,
      bars[9]!,
      bars[0]!,
      bars[5]!,
      bars[3]!,
      bars[8]!,
      bars[1]!,
      bars[6]!,
      bars[4]!,
    ];
    const five = rollupBars(shuffled, '5m');
    expect(five.map(plain)).toEqual(rollupBars(bars, '5m').map(plain));
    expect(five.map((b) => [b.openTime - bars[0]!.openTime, b.open.toString(), b.close.toString()])).toEqual([
      [0, '100', '104'],
      [300_000, '105', '109'],
    ]);
  });

  it('refuses to roll into an equal or a non-multiple timeframe, naming both', () => {
    expect(() => rollupBars([bar(0, 1)], '1m')).not.toThrow();
    expect(rollupBars([bar(0, 1)], '1m').map(plain)).toEqual([plain(bar(0, 1))]);
    const fiveMinute = { ...bar(0, 1), timeframe: '5m' as const };
    expect(() => rollupBars([fiveMinute], '1m')).toThrow(/cannot roll 5m into 1m/);
    const fifteen = { ...bar(0, 1), timeframe: '15m' as const };
    expect(() => rollupBars([fifteen], '30m')).not.toThrow();
    const thirty = { ...bar(0, 1), timeframe: '30m' as const };
    expect(() => rollupBars([thirty], '1h')).not.toThrow();
    const twoHour = { ...bar(0, 1), timeframe: '2h' as const };
    expect(() => rollupBars([twoHour], '1h')).toThrow(RangeError);
    const eightHour = { ...bar(0, 1), timeframe: '8h' as const };
    expect(() => rollupBars([eightHour], '12h')).toThrow(/cannot roll 8h into 12h/); // 1.5 bars each
  });
});

describe('timeframes', () => {
  it('rolls 1m up to exactly these timeframes', () => {
    expect(ROLLUP_TIMEFRAMES).toEqual(['5m', '15m', '1h', '4h', '1d']);
  });
  it('knows its own names only', () => {
    expect(isTimeframe('1h')).toBe(true);
    expect(isTimeframe('3m')).toBe(false);
    expect(isTimeframe('toString')).toBe(false);
  });
});
