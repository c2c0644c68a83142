import { describe, expect, it } from 'vitest';
import { FreshnessTracker } from './freshness.ts';

describe('FreshnessTracker', () => {
  it('is fresh within the window, stale after it, and never fresh before the first update', () => {
    const f = new FreshnessTracker(5_000);
    expect(f.isFresh('XBTUSDTM:ticker', 0)).toBe(false);
    f.touch('XBTUSDTM:ticker', 1_000);
    expect(f.isFresh('XBTUSDTM:ticker', 6_000)).toBe(true);
    expect(f.isFresh('XBTUSDTM:ticker', 6_001)).toBe(false);
    expect(f.stale(6_001)).toEqual(['XBTUSDTM:ticker']);
    f.touch('XBTUSDTM:ticker', 6_001);
    expect(f.stale(6_001)).toEqual([]);
    expect(f.ageMs('XBTUSDTM:ticker', 7_000)).toBe(999);
  });
  it('rejects a non-positive window', () => {
    expect(() => new FreshnessTracker(0)).toThrow(RangeError);
  });
});
