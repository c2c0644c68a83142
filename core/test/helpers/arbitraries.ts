import fc from 'fast-check';
import type { Candle } from '../../src/candle.ts';

/**
 * A random but well-formed 1m candle series: a multiplicative random walk with wicks, some flat
 * stretches (zero changes exercise the RSI/Stoch RSI edge cases) and some zero volumes.
 */
export function candleSeries(opts: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<Candle[]> {
  const step = fc.record({
    ret: fc.double({ min: -0.05, max: 0.05, noNaN: true }),
    flat: fc.integer({ min: 0, max: 9 }),
    up: fc.double({ min: 0, max: 0.02, noNaN: true }),
    down: fc.double({ min: 0, max: 0.02, noNaN: true }),
    volume: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e4, noNaN: true })),
  });
  return fc
    .tuple(
      fc.double({ min: 0.01, max: 1e5, noNaN: true }),
      fc.array(step, { minLength: opts.minLength ?? 0, maxLength: opts.maxLength ?? 300 }),
    )
    .map(([start, steps]) => {
      const out: Candle[] = [];
      let prev = start;
      let time = 1_700_000_040_000 - (1_700_000_040_000 % 60_000);
      for (const s of steps) {
        const open = prev;
        const close = s.flat === 0 ? open : open * (1 + s.ret);
        const high = Math.max(open, close) * (1 + s.up);
        const low = Math.min(open, close) * (1 - s.down);
        out.push({ time, open, high, low, close, volume: s.volume });
        prev = close;
        time += 60_000;
      }
      return out;
    });
}
