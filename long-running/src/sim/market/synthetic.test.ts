import { describe, expect, it } from 'vitest';
import { syntheticSource } from './synthetic.ts';

function returns(seed: number, seconds: number): number[] {
  const src = syntheticSource({ seed, startTime: 0 });
  const out: number[] = [];
  let prev = src.sample('XBTUSDTM', 0)!.price;
  for (let t = 1; t <= seconds; t++) {
    const p = src.sample('XBTUSDTM', t * 1000)!.price;
    out.push(Math.log(p / prev));
    prev = p;
  }
  return out;
}

function autocorrelation(xs: number[], lag: number): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    den += (xs[i]! - mean) ** 2;
    if (i >= lag) num += (xs[i]! - mean) * (xs[i - lag]! - mean);
  }
  return num / den;
}

describe('synthetic market', () => {
  it('is deterministic under a seed and differs across seeds', () => {
    expect(returns(3, 100)).toEqual(returns(3, 100));
    expect(returns(3, 100)).not.toEqual(returns(4, 100));
  });

  it('has about the configured daily volatility and clustered volatility (|r| autocorrelated, r not)', () => {
    const r = returns(11, 6 * 3600);
    const perSecond = Math.sqrt(r.reduce((s, x) => s + x * x, 0) / r.length);
    const daily = perSecond * Math.sqrt(86_400);
    expect(daily).toBeGreaterThan(0.015);
    expect(daily).toBeLessThan(0.06);
    expect(Math.abs(autocorrelation(r, 1))).toBeLessThan(0.05);
    expect(autocorrelation(r.map(Math.abs), 1)).toBeGreaterThan(0.05);
  });

  it('reports volume that rises with activity', () => {
    const src = syntheticSource({ seed: 5, startTime: 0 });
    src.sample('ETHUSDTM', 0);
    const v = src.sample('ETHUSDTM', 60_000)!.volume;
    expect(v).toBeGreaterThan(0);
  });
});
