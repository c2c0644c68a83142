import { describe, expect, it } from 'vitest';
import { computeFeatures, rowIsFinite, sequenceAt } from './compute.ts';
import { computeLabels } from './label.ts';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_WARMUP, LABEL_SPEC, SEQUENCE_LENGTH } from './spec.ts';

function wave(n: number) {
  const close = Array.from({ length: n }, (_, i) => 100 + 5 * Math.sin(i / 7) + i * 0.01);
  return {
    open: close.map((c, i) => (i === 0 ? c : close[i - 1]!)),
    high: close.map((c) => c + 0.5),
    low: close.map((c) => c - 0.5),
    close,
    volume: close.map((_, i) => 10 + (i % 5)),
  };
}

describe('computeFeatures', () => {
  it('has 14 named columns and becomes finite exactly at FEATURE_WARMUP', () => {
    expect(FEATURE_COUNT).toBe(14);
    const m = computeFeatures(wave(200));
    expect(m.values.length).toBe(200 * FEATURE_COUNT);
    expect(rowIsFinite(m, FEATURE_WARMUP - 1)).toBe(false);
    for (let i = FEATURE_WARMUP; i < 200; i++) expect(rowIsFinite(m, i)).toBe(true);
  });

  it('computes returns and the RSI offset as specified', () => {
    const c = wave(120);
    const m = computeFeatures(c);
    const at = (row: number, name: (typeof FEATURE_NAMES)[number]) =>
      m.values[row * FEATURE_COUNT + FEATURE_NAMES.indexOf(name)]!;
    expect(at(100, 'ret_1')).toBe(Math.log(c.close[100]! / c.close[99]!));
    expect(at(100, 'ret_15')).toBe(Math.log(c.close[100]! / c.close[85]!));
    expect(at(100, 'rsi_14')).toBeGreaterThan(-0.5);
    expect(at(100, 'rsi_14')).toBeLessThan(0.5);
  });

  it('is scale free: multiplying prices by 1000 leaves the features (almost) unchanged', () => {
    const c = wave(150);
    const scaled = {
      ...c,
      open: c.open.map((x) => x * 1000),
      high: c.high.map((x) => x * 1000),
      low: c.low.map((x) => x * 1000),
      close: c.close.map((x) => x * 1000),
    };
    const a = computeFeatures(c);
    const b = computeFeatures(scaled);
    for (let j = 0; j < FEATURE_COUNT; j++) {
      expect(b.values[140 * FEATURE_COUNT + j]!).toBeCloseTo(a.values[140 * FEATURE_COUNT + j]!, 9);
    }
  });

  it('rejects columns of different lengths', () => {
    const c = wave(60);
    expect(() => computeFeatures({ ...c, volume: c.volume.slice(1) })).toThrow(/volume/);
  });
});

describe('sequenceAt', () => {
  it('returns SEQUENCE_LENGTH rows oldest first, and refuses a window in the warm-up', () => {
    const m = computeFeatures(wave(200));
    const seq = sequenceAt(m, 199);
    expect(seq.length).toBe(SEQUENCE_LENGTH * FEATURE_COUNT);
    expect(seq[0]).toBe(Math.fround(m.values[(200 - SEQUENCE_LENGTH) * FEATURE_COUNT]!));
    expect(() => sequenceAt(m, FEATURE_WARMUP + SEQUENCE_LENGTH - 2)).toThrow(/warm-up/);
    expect(() => sequenceAt(m, 200)).toThrow(/outside/);
  });
});

describe('computeLabels', () => {
  const h = LABEL_SPEC.horizon;
  const bar = 2 * LABEL_SPEC.takerFee + LABEL_SPEC.threshold;

  it('labels long, short and neutral from the return net of a taker round trip', () => {
    const close = new Array(3 * (h + 1)).fill(100);
    close[h] = 100 * (1 + bar * 1.5); // bar 0 -> long
    close[h + 1 + h] = 100 * (1 - bar * 1.5); // bar h+1 -> short
    close[2 * (h + 1) + h] = 100 * (1 + bar * 0.9); // bar 2h+2 -> neutral: does not pay the fees + threshold
    const atrN = new Array(close.length).fill(0.001);
    const l = computeLabels(close, atrN);
    expect(l.direction[0]).toBe(0);
    expect(l.direction[h + 1]).toBe(1);
    expect(l.direction[2 * (h + 1)]).toBe(2);
    expect(l.direction[close.length - 1]).toBeNaN();
  });

  it('scales quality by ATR and clamps it to 0..1', () => {
    const close = new Array(h + 3).fill(100);
    close[h] = 100 * (1 + 2 * LABEL_SPEC.takerFee + 0.0015); // net 0.15% = 0.5 of 3 × 0.1% ATR
    close[h + 1] = 200;
    const l = computeLabels(close, new Array(close.length).fill(0.001));
    expect(l.quality[0]).toBeCloseTo(0.5, 9);
    expect(l.quality[1]).toBe(1);
    expect(l.quality[2]).toBe(0);
  });
});
