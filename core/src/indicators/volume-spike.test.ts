import { describe, expect, it } from 'vitest';
import { stochRsi, VolumeSpikeStream, volumeSpike } from './index.ts';

describe('volumeSpike', () => {
  it('compares each bar with the mean of the bars before it, not including itself', () => {
    const volume = [...new Array<number>(20).fill(10), 20, 19.9, 10];
    const { ratio, spike } = volumeSpike(volume, 20, 2);
    expect(Number.isNaN(ratio[19])).toBe(true);
    expect(ratio[20]).toBe(2);
    expect(spike[20]).toBe(1);
    // the spike is now in the baseline: mean (19·10 + 20) / 20 = 10.5
    expect(ratio[21]).toBeCloseTo(19.9 / 10.5, 15);
    expect(spike[21]).toBe(0);
    expect(spike[22]).toBe(0);
  });

  it('treats activity after a silent stretch as a spike and silence after silence as nothing', () => {
    const { ratio, spike } = volumeSpike([0, 0, 0, 5, 0], 3, 2);
    expect(ratio[3]).toBe(Number.POSITIVE_INFINITY);
    expect(spike[3]).toBe(1);
    expect(ratio[4]).toBe(0);
  });

  it('rejects negative volume and keeps its state', () => {
    const s = new VolumeSpikeStream(2, 2);
    const c = { time: 0, open: 1, high: 1, low: 1, close: 1, volume: 1 };
    s.update(c);
    s.update(c);
    expect(() => s.update({ ...c, volume: -1 })).toThrow(/negative volume/);
    expect(s.update({ ...c, volume: 2 }).ratio).toBe(2);
    expect(() => volumeSpike([1, -1])).toThrow(/negative/);
  });
});

describe('stochRsi on a flat RSI window', () => {
  it('is NaN, as Pine divides by zero, and recovers once the flat values leave the windows', () => {
    // only rises: RSI is 100 throughout, so highest = lowest
    const rising = Array.from({ length: 40 }, (_, i) => 100 + i);
    const { k } = stochRsi(rising, 3, 3, 2, 2);
    expect(k.every((x) => Number.isNaN(x))).toBe(true);
    const mixed = [...rising, ...Array.from({ length: 20 }, (_, i) => 139 + (i % 2 === 0 ? -3 : 2))];
    const after = stochRsi(mixed, 3, 3, 2, 2);
    expect(Number.isFinite(after.k[59])).toBe(true);
    expect(Number.isFinite(after.d[59])).toBe(true);
  });
});
