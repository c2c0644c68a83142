import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Money } from '../money.ts';
import { type Bar, CandleBuilder, rollupBars } from './candle-builder.ts';
import { bucketStart } from './timeframe.ts';

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
