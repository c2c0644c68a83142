import type { Candle } from '@enigma/core/candle';
import { type CandleContext, candleContext } from '@enigma/core/scoring/context';
import {
  type ModelVerdict,
  type ScoredSignal,
  type ScoreInput,
  scoreSignal,
} from '@enigma/core/scoring/scorer';
import type { DisabledModel, SignalModel } from './signal-model.ts';

/** An alert as the scorer needs it (from a ParsedSignal: side from its action, its indicators). */
export interface AlertInput {
  side?: 'long' | 'short';
  indicators: Record<string, number>;
}

/** What `scoreWithModel` needs; `minutes` are closed-or-not 1m candles, oldest first. */
export interface ScoreRequest {
  symbol: string;
  /** the instant of the decision (ms); only minutes closed by then are used */
  now: number;
  alert?: AlertInput;
  minutes?: readonly Candle[];
  /** the context of `minutes` as of `now`, already built (the engine keeps one per contract per minute) */
  context?: CandleContext | null;
  model: SignalModel | DisabledModel;
}

/**
 * The engine's scoring step: local context from the candles, the model in its worker thread, then
 * the pure scorer. Works without candles (alert only) and without a model; the reasons say which.
 */
export async function scoreWithModel(req: ScoreRequest): Promise<ScoredSignal> {
  const ctx =
    req.context !== undefined
      ? req.context
      : req.minutes && req.minutes.length > 0
        ? candleContext(req.minutes, req.now)
        : null;
  let model: ModelVerdict;
  if (!req.model.enabled) model = { enabled: false, reason: req.model.reason };
  else if (!ctx) model = { enabled: false, reason: `model not run: no candles for ${req.symbol}` };
  else if (!ctx.sequence) model = { enabled: false, reason: `model not run: ${ctx.sequenceError}` };
  else {
    const out = await req.model.predict(ctx.sequence);
    model = {
      enabled: true,
      version: out.version,
      probabilities: out.probabilities,
      quality: out.quality,
      gate: out.gate,
    };
  }
  const input: ScoreInput = {
    symbol: req.symbol,
    at: req.now,
    model,
    ...(req.alert ? { alert: req.alert } : {}),
    ...(ctx
      ? {
          local: { ...ctx.local } as unknown as Record<string, number>,
          timeframes: ctx.timeframes,
          patterns: ctx.patterns.map((p) => ({ pattern: p.pattern, direction: p.direction })),
        }
      : {}),
  };
  return scoreSignal(input);
}
