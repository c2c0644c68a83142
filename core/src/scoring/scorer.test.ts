import { describe, expect, it } from 'vitest';
import { compareIndicators } from './agreement.ts';
import { applyGate } from './gate.ts';
import { type ModelVerdict, type ScoreInput, scoreSignal, trendOf } from './scorer.ts';

const at = Date.UTC(2025, 4, 20, 12, 0);
const local = {
  close: 100_000,
  rsi: 28,
  macd: 40,
  macd_signal: 20,
  macd_hist: 20,
  bb_upper: 101_000,
  bb_middle: 100_500,
  bb_lower: 100_100,
  atr: 150,
};
const confidentLong: ModelVerdict = {
  enabled: true,
  version: 'signal-model@0123456789ab',
  probabilities: { long: 0.8, short: 0.1, neutral: 0.1 },
  quality: 0.7,
  gate: applyGate({ long: 0.8, short: 0.1, neutral: 0.1 }, 0.7),
};
const up = ['5m', '15m', '1h', '4h'].map((timeframe) => ({ timeframe, trend: 'up' as const }));
const down = up.map((t) => ({ ...t, trend: 'down' as const }));

function input(overrides: Partial<ScoreInput> = {}): ScoreInput {
  return {
    symbol: 'XBTUSDTM',
    at,
    alert: { side: 'long', indicators: { ...local } },
    local,
    model: confidentLong,
    ...overrides,
  };
}

describe('scoreSignal', () => {
  it('scores agreeing evidence as a strong long and records inputs and model version', () => {
    const s = scoreSignal(input({ timeframes: up, patterns: [{ pattern: 'hammer', direction: 'bullish' }] }));
    expect(s.direction).toBe('long');
    expect(s.score).toBeGreaterThanOrEqual(90);
    expect(s.modelVersion).toBe('signal-model@0123456789ab');
    expect(s.disagreements).toEqual([]);
    expect(s.inputs.local).toBe(local);
    expect(s.reasons.some((r) => r.startsWith('model gate LONG'))).toBe(true);
    expect(s.reasons).toContain('all 4 timeframes trend up');
  });

  it('turns short when the model, the trend and the patterns all point down', () => {
    const p = { long: 0.05, short: 0.85, neutral: 0.1 };
    const s = scoreSignal(
      input({
        alert: { indicators: {} },
        local: { ...local, rsi: 75, macd_hist: -5, close: 101_500 },
        timeframes: down,
        patterns: [{ pattern: 'evening_star', direction: 'bearish' }],
        model: { ...confidentLong, probabilities: p, gate: applyGate(p, 0.8), quality: 0.8 },
      }),
    );
    expect(s.direction).toBe('short');
    expect(s.score).toBeGreaterThan(80);
  });

  it('flags which fields disagree between the webhook and our indicators, and lowers the score', () => {
    const clean = scoreSignal(input());
    const s = scoreSignal(input({ alert: { side: 'long', indicators: { ...local, rsi: 45, atr: 400 } } }));
    expect(s.disagreements.map((d) => d.field)).toEqual(['rsi', 'atr']);
    expect(s.score).toBe(clean.score - 20);
    expect(s.reasons.find((r) => r.startsWith('indicator disagreement'))).toContain('rsi 45.00 vs 28.00');
  });

  it('keeps scoring with the model disabled and says so', () => {
    const s = scoreSignal(
      input({ model: { enabled: false, reason: 'model disabled: signal model: file not found: x' } }),
    );
    expect(s.modelVersion).toBeNull();
    expect(s.reasons).toContain('model disabled: signal model: file not found: x');
    expect(s.direction).toBe('long');
    expect(s.components.map((c) => c.name)).not.toContain('model');
  });

  it('a WAIT from the gate only leans by the probability difference', () => {
    const p = { long: 0.5, short: 0.3, neutral: 0.2 };
    const s = scoreSignal(
      input({
        alert: undefined,
        local: {},
        model: { ...confidentLong, probabilities: p, gate: applyGate(p, 0.3), quality: 0.3 },
      }),
    );
    expect(s.components).toEqual([expect.objectContaining({ name: 'model', vote: expect.closeTo(0.2, 9) })]);
    expect(s.direction).toBe('long');
    expect(s.score).toBe(20);
    expect(s.reasons[1]).toMatch(/^model gate WAIT: quality 0.300 < 0.6; top probability 0.500 < 0.7/);
  });

  it('is neutral with nothing to go on', () => {
    const s = scoreSignal({
      symbol: 'XBTUSDTM',
      at,
      model: { enabled: false, reason: 'model disabled: off' },
    });
    expect(s).toMatchObject({ direction: 'neutral', score: 0 });
    expect(s.reasons).toContain('nothing to score: no model, alert side, indicators, timeframes or patterns');
  });

  it('notes when the alert asks for the opposite of the evidence', () => {
    const p = { long: 0.05, short: 0.85, neutral: 0.1 };
    const s = scoreSignal(
      input({
        local: { ...local, rsi: 75, macd_hist: -5 },
        timeframes: down,
        model: { ...confidentLong, probabilities: p, gate: applyGate(p, 0.9), quality: 0.9 },
      }),
    );
    expect(s.direction).toBe('short');
    expect(s.reasons).toContain('alert asks long but the evidence points short');
  });
});

describe('compareIndicators', () => {
  it('ignores fields one side lacks and NaN warm-up values', () => {
    expect(compareIndicators({ rsi: 10, macd: 5 }, { rsi: Number.NaN, close: 100 })).toEqual([]);
  });

  it('compares MACD relative to the close, so a near-zero MACD is not flagged for a tiny absolute gap', () => {
    expect(compareIndicators({ macd: 0.001 }, { macd: -0.001, close: 100_000 })).toEqual([]);
    expect(compareIndicators({ macd: 100 }, { macd: 0, close: 100_000 })).toHaveLength(1);
  });
});

describe('trendOf', () => {
  it('needs both the EMA order and the MACD histogram to agree', () => {
    expect(trendOf({ ema_fast: 2, ema_slow: 1, macd_hist: 0.1 })).toBe('up');
    expect(trendOf({ ema_fast: 1, ema_slow: 2, macd_hist: -0.1 })).toBe('down');
    expect(trendOf({ ema_fast: 2, ema_slow: 1, macd_hist: -0.1 })).toBe('flat');
    expect(trendOf({ ema_fast: Number.NaN, ema_slow: 1, macd_hist: 1 })).toBe('flat');
  });
});
