import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bollinger, bollingerSqueeze, SlidingMin } from './index.ts';

describe('bollingerSqueeze', () => {
  it('flags exactly the bars whose BandWidth is the lowest of the last `lookback` bars', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 2, noNaN: true }), { maxLength: 200 }),
        fc.integer({ min: 2, max: 40 }),
        (close, lookback) => {
          const { bandwidth, squeeze } = bollingerSqueeze(close, 5, 2, lookback);
          const bb = bollinger(close, 5, 2);
          for (let i = 0; i < close.length; i++) {
            const bw = (bb.upper[i]! - bb.lower[i]!) / bb.middle[i]!;
            expect(Object.is(bandwidth[i], bw)).toBe(true);
            // naive definition: needs lookback bandwidths, the current one no higher than any before it
            let expected = 0;
            if (i >= 4 + lookback - 1) {
              expected = 1;
              for (let j = i - lookback + 1; j < i; j++) if (bandwidth[j]! < bw) expected = 0;
            }
            expect(squeeze[i]).toBe(expected);
          }
        },
      ),
    );
  });

  it('sees a squeeze when a volatile series calms down', () => {
    const close = Array.from({ length: 200 }, (_, i) => 100 + (i < 150 ? 5 : 0.1) * Math.sin(i));
    const { squeeze } = bollingerSqueeze(close, 20, 2, 100);
    // volatile bars keep each other company; the squeeze fires as the calm bars push them out
    expect(squeeze.subarray(119, 150).every((x) => x === 0)).toBe(true);
    expect(squeeze.subarray(150, 171).filter((x) => x === 1).length).toBeGreaterThan(15);
  });
});

describe('SlidingMin', () => {
  it('equals the naive minimum of the last `size` values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 })),
        fc.integer({ min: 1, max: 12 }),
        (xs, size) => {
          const m = new SlidingMin(size);
          xs.forEach((x, i) => {
            m.push(x);
            expect(m.min()).toBe(Math.min(...xs.slice(Math.max(0, i - size + 1), i + 1)));
          });
        },
      ),
    );
  });
});
