import { describe, expect, it } from 'vitest';
import { applyGate } from './gate.ts';

describe('applyGate (quality < 0.6 or top probability < 0.7 -> WAIT)', () => {
  it('passes a confident, high-quality long or short', () => {
    expect(applyGate({ long: 0.8, short: 0.1, neutral: 0.1 }, 0.65).decision).toBe('LONG');
    expect(applyGate({ long: 0.05, short: 0.75, neutral: 0.2 }, 0.6).decision).toBe('SHORT');
  });

  it('waits on low quality even when the probability is high', () => {
    const v = applyGate({ long: 0.9, short: 0.05, neutral: 0.05 }, 0.59);
    expect(v.decision).toBe('WAIT');
    expect(v.reasons).toEqual(['quality 0.590 < 0.6']);
  });

  it('waits on a top probability just under 0.7', () => {
    const v = applyGate({ long: 0.69, short: 0.2, neutral: 0.11 }, 0.9);
    expect(v.decision).toBe('WAIT');
    expect(v.reasons[0]).toMatch(/top probability 0.690 < 0.7/);
  });

  it('waits when the confident class is neutral', () => {
    const v = applyGate({ long: 0.1, short: 0.1, neutral: 0.8 }, 0.9);
    expect(v).toMatchObject({ decision: 'WAIT', top: 'neutral', reasons: ['top class is neutral'] });
  });
});
