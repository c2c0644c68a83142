import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from './backoff.ts';

describe('exponentialBackoff', () => {
  it('doubles from the base and stops at the cap', () => {
    const o = { base: 500, max: 30_000 };
    expect([0, 1, 2, 5, 6, 20, 2000].map((a) => exponentialBackoff(a, o))).toEqual([
      500, 1000, 2000, 16_000, 30_000, 30_000, 30_000,
    ]);
    expect(exponentialBackoff(-3, o)).toBe(500);
    expect(exponentialBackoff(10, { base: 1 })).toBe(1024);
  });

  it('applies the jitter factor after the cap', () => {
    const o = { base: 500, max: 1000, jitter: [0.5, 1.5] as const };
    expect(exponentialBackoff(3, { ...o, random: () => 0 })).toBe(500);
    expect(exponentialBackoff(3, { ...o, random: () => 0.5 })).toBe(1000);
    expect(exponentialBackoff(3, { ...o, random: () => 0.999 })).toBeCloseTo(1499, 0);
  });
});
