import type { Candle } from '@enigma/core/candle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCandleCsv } from './candles-csv.ts';
import { scoreWithModel } from './score-signal.ts';
import { type SignalModel, startSignalModel } from './signal-model.ts';

const csv = new URL('../../../../shared/data/candles/binance-futures/BTCUSDT-1m.csv', import.meta.url)
  .pathname;
const c = readCandleCsv(csv);
// Ten days of minutes: enough for every timeframe's warm-up, small enough to stay quick.
const from = c.time.length - 14_400;
const minutes: Candle[] = Array.from({ length: 14_400 }, (_, k) => ({
  time: c.time[from + k]!,
  open: c.open[from + k]!,
  high: c.high[from + k]!,
  low: c.low[from + k]!,
  close: c.close[from + k]!,
  volume: c.volume[from + k]!,
}));
const now = minutes.at(-1)!.time + 60_000;

describe('scoreWithModel on real candles', () => {
  let model: SignalModel;
  beforeAll(async () => {
    model = await startSignalModel();
  });
  afterAll(() => model?.close());

  it('runs the model on the latest window and records its version and output', async () => {
    const s = await scoreWithModel({ symbol: 'BTCUSDT', now, minutes, model });
    expect(s.modelVersion).toBe(model.version);
    expect(s.inputs.model.enabled).toBe(true);
    const m = s.inputs.model as Extract<typeof s.inputs.model, { enabled: true }>;
    expect(m.probabilities.long + m.probabilities.short + m.probabilities.neutral).toBeCloseTo(1, 5);
    expect(s.reasons.some((r) => r.startsWith('model gate'))).toBe(true);
    expect(s.score).toBeGreaterThanOrEqual(0);
    expect(s.score).toBeLessThanOrEqual(100);
    expect(s.inputs.local?.['close']).toBe(minutes.at(-1)!.close);
  });

  it('flags an alert whose RSI and close disagree with ours', async () => {
    const last = minutes.at(-1)!;
    const s = await scoreWithModel({
      symbol: 'BTCUSDT',
      now,
      minutes,
      model,
      alert: { side: 'long', indicators: { close: last.close * 1.01, rsi: 99 } },
    });
    expect(s.disagreements.map((d) => d.field)).toEqual(['close', 'rsi']);
  });

  it('scores an alert alone, saying the model was not run', async () => {
    const s = await scoreWithModel({
      symbol: 'BTCUSDT',
      now,
      model,
      alert: { side: 'short', indicators: { rsi: 80 } },
    });
    expect(s.modelVersion).toBeNull();
    expect(s.reasons).toContain('model not run: no candles for BTCUSDT');
    expect(s.direction).toBe('short');
  });

  it('keeps scoring with a disabled model', async () => {
    const s = await scoreWithModel({
      symbol: 'BTCUSDT',
      now,
      minutes,
      model: { enabled: false, reason: 'model disabled: signal model: file not found: /x.onnx' },
    });
    expect(s.modelVersion).toBeNull();
    expect(s.reasons).toContain('model disabled: signal model: file not found: /x.onnx');
    expect(s.components.map((c) => c.name)).toContain('timeframes');
  });
});
