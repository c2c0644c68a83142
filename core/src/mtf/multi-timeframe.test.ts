import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCandles } from '../../test/helpers/shared-data.ts';
import type { Candle } from '../candle.ts';
import { IndicatorBundle } from '../indicators/index.ts';
import { bucketStart, parseTimeframe, timeframeMs } from '../marketdata/timeframe.ts';
import { MTF_TIMEFRAMES, MultiTimeframe, multiTimeframeAt } from './multi-timeframe.ts';

const MINUTE = 60_000;
const minutes = readCandles('candles/binance-futures/BTCUSDT-1m.csv', 0, 6000);

/** Reference: group the minutes that closed by `now` into bars of `ms`, naively. */
function referenceBars(
  all: Candle[],
  ms: number,
  now: number,
): { complete: Candle[]; partial: Candle | null } {
  const groups = new Map<number, Candle[]>();
  for (const m of all) {
    if (m.time + MINUTE > now) continue;
    const start = bucketStart(m.time, ms);
    const g = groups.get(start) ?? [];
    g.push(m);
    groups.set(start, g);
  }
  const bars = [...groups.entries()].map(([start, g]) => ({
    bar: {
      time: start,
      open: g[0]!.open,
      high: Math.max(...g.map((c) => c.high)),
      low: Math.min(...g.map((c) => c.low)),
      close: g.at(-1)!.close,
      volume: g.reduce((a, c) => a + c.volume, 0),
    },
    end: start + ms,
  }));
  return {
    complete: bars.filter((b) => b.end <= now).map((b) => b.bar),
    partial: bars.find((b) => b.end > now)?.bar ?? null,
  };
}

function feed(all: Candle[], now: number): MultiTimeframe {
  const mtf = new MultiTimeframe();
  for (const m of all) if (m.time + MINUTE <= now) mtf.update(m);
  return mtf;
}

describe('MultiTimeframe', () => {
  it('shows, at any instant, exactly the bars closed by then and the forming bar from minutes seen so far', () => {
    const first = minutes[0]!.time;
    const span = minutes.length * MINUTE;
    fc.assert(
      fc.property(
        fc.integer({ min: MINUTE, max: span }),
        fc.array(fc.integer({ min: 0, max: minutes.length - 1 }), { maxLength: 40 }),
        (offset, dropped) => {
          // random gaps in the feed must not change the rule
          const drop = new Set(dropped);
          const feedMinutes = minutes.filter((_, i) => !drop.has(i));
          const now = first + offset;
          const s = feed(feedMinutes, now).state(now);
          expect(s.asOf).toBe(now);
          for (const tf of MTF_TIMEFRAMES) {
            const ms = timeframeMs(tf);
            const ref = referenceBars(feedMinutes, ms, now);
            const frame = s.frames[tf];
            const bundle = new IndicatorBundle();
            for (const bar of ref.complete) bundle.update(bar);
            const last = ref.complete.at(-1);
            if (!last) {
              expect(frame.closed).toBeNull();
            } else {
              expect(frame.closed?.candle).toEqual(last);
              expect(frame.closed!.candle.time + ms).toBeLessThanOrEqual(now);
              expect(frame.closed!.forming).toBe(false);
              const expected = new IndicatorBundle();
              let snap = expected.update(ref.complete[0]!);
              for (const bar of ref.complete.slice(1)) snap = expected.update(bar);
              expect(frame.closed!.indicators).toEqual({ ...snap });
            }
            if (!ref.partial) {
              expect(frame.forming).toBeNull();
            } else {
              expect(frame.forming?.forming).toBe(true);
              expect(frame.forming!.candle).toEqual(ref.partial);
              expect(frame.forming!.candle.time + ms).toBeGreaterThan(now);
              expect(frame.forming!.indicators).toEqual({ ...bundle.peek(ref.partial) });
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('is not changed by minutes after `now`: state is the same whatever comes next', () => {
    const now = minutes[3000]!.time + 7 * MINUTE + 30_000;
    const a = feed(minutes, now).state(now);
    const altered = minutes.map((m) => (m.time >= now ? { ...m, close: m.high, volume: m.volume * 10 } : m));
    const b = feed(altered, now).state(now);
    expect(b).toEqual(a);
  });

  it('closes a bar when time passes its end even if its last minutes never came', () => {
    const mtf = new MultiTimeframe({ timeframes: ['5m'] });
    const start = bucketStart(minutes[100]!.time, 5 * MINUTE);
    const inBar = minutes.filter((m) => m.time >= start && m.time < start + 3 * MINUTE);
    for (const m of inBar) mtf.update(m);
    expect(mtf.state(start + 3 * MINUTE).frames['5m'].forming?.forming).toBe(true);
    const later = mtf.state(start + 5 * MINUTE).frames['5m'];
    expect(later.closed?.candle.time).toBe(start);
    expect(later.forming).toBeNull();
  });

  it('a live instance asked for state between minutes agrees with a fresh one fed up to the same instant', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4000 }),
        fc.array(fc.integer({ min: 0, max: MINUTE * 30 }), { minLength: 1, maxLength: 30 }),
        (from, waits) => {
          const live = new MultiTimeframe();
          let i = 0;
          let now = minutes[from]!.time;
          for (const w of waits) {
            now += w;
            while (i < minutes.length && minutes[i]!.time + MINUTE <= now) live.update(minutes[i++]!);
            if (i === 0) continue;
            expect(live.state(now)).toEqual(feed(minutes, now).state(now));
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  it('multiTimeframeAt gives the same state in one call and ignores minutes after now', () => {
    const now = minutes[4321]!.time + 2 * MINUTE;
    const s = multiTimeframeAt(minutes, now, { symbol: 'BTCUSDT' });
    expect(s.symbol).toBe('BTCUSDT');
    const { symbol: _, ...rest } = s;
    expect(rest).toEqual(feed(minutes, now).state(now));
    expect(s.frames['4h'].forming?.candle.time).toBe(bucketStart(now - 1, 4 * 60 * MINUTE));
  });

  it('can leave the forming bar out', () => {
    const now = minutes[200]!.time + 3 * MINUTE;
    const s = feed(minutes, now).state(now, { forming: false });
    for (const tf of MTF_TIMEFRAMES) expect(s.frames[tf].forming).toBeNull();
  });

  it('refuses a time before the last fed minute closed, and out-of-order or unaligned minutes', () => {
    const mtf = new MultiTimeframe();
    mtf.update(minutes[0]!);
    mtf.update(minutes[1]!);
    expect(() => mtf.state(minutes[1]!.time + 30_000)).toThrow(/before the last fed minute/);
    expect(() => mtf.update(minutes[1]!)).toThrow(/not after/);
    expect(() => mtf.update({ ...minutes[2]!, time: minutes[2]!.time + 1 })).toThrow(/minute-aligned/);
    expect(() => mtf.update({ ...minutes[2]!, close: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    // nothing above changed the state
    const ref = feed(minutes.slice(0, 2), minutes[1]!.time + MINUTE).state(minutes[1]!.time + MINUTE);
    expect(mtf.state(minutes[1]!.time + MINUTE)).toEqual(ref);
  });

  it('parses timeframe names strictly', () => {
    expect(parseTimeframe('4h')).toBe('4h');
    expect(() => parseTimeframe('3h')).toThrow(/unknown timeframe/);
    expect(() => new MultiTimeframe({ timeframes: ['2h' as '1h'] })).toThrow(/unknown timeframe/);
  });
});
