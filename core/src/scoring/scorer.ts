import { compareIndicators, type Disagreement, type IndicatorValues } from './agreement.ts';
import type { GateVerdict, ModelProbabilities } from './gate.ts';

/** Trend of one timeframe. */
export type Trend = 'up' | 'down' | 'flat';

/** What the model said about this signal, or why it could not say anything. */
export type ModelVerdict =
  | { enabled: true; version: string; probabilities: ModelProbabilities; quality: number; gate: GateVerdict }
  | { enabled: false; reason: string };

/** Everything the scorer combines. Time is passed in (`at`, ms). */
export interface ScoreInput {
  symbol: string;
  at: number;
  /** The webhook's own view: its requested side (if any) and its indicator values. */
  alert?: { side?: 'long' | 'short'; indicators: IndicatorValues };
  /** Our own indicators for the same bar (IndicatorSnapshot fields). */
  local?: IndicatorValues;
  /** Trend per timeframe (see trendOf). */
  timeframes?: { timeframe: string; trend: Trend }[];
  /** Candlestick patterns completed at the bar. */
  patterns?: { pattern: string; direction: 'bullish' | 'bearish' | 'neutral' }[];
  model: ModelVerdict;
}

/** One contribution to the score: a vote in [-1, 1] (long positive) and its weight. */
export interface ScoreComponent {
  name: 'model' | 'alert' | 'indicators' | 'timeframes' | 'patterns';
  vote: number;
  weight: number;
  detail: string;
}

/** A scored signal: direction, 0-100 score, reasons, and the inputs it came from. */
export interface ScoredSignal {
  symbol: string;
  at: number;
  direction: 'long' | 'short' | 'neutral';
  score: number;
  reasons: string[];
  components: ScoreComponent[];
  disagreements: Disagreement[];
  /** `signal-model@…`, or null when the model was disabled */
  modelVersion: string | null;
  inputs: ScoreInput;
}

/** Weights and thresholds of the scorer. */
export const SCORER = {
  weights: { model: 35, alert: 20, indicators: 20, timeframes: 15, patterns: 10 },
  /** |combined vote| below this is neutral */
  neutralBand: 0.15,
  /** score points taken off per disagreeing field, at most `maxDisagreementPenalty` */
  disagreementPenalty: 10,
  maxDisagreementPenalty: 40,
} as const;

const clamp = (v: number) => Math.max(-1, Math.min(1, v));
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(2) : v.toPrecision(4));

/**
 * Trend of a timeframe from its indicators: up when the fast EMA is above the slow one and the MACD
 * histogram is positive, down for the mirror image, flat otherwise (or while warming up).
 */
export function trendOf(ind: IndicatorValues): Trend {
  const { ema_fast: f, ema_slow: s, macd_hist: h } = ind;
  if (f === undefined || s === undefined || h === undefined || ![f, s, h].every(Number.isFinite))
    return 'flat';
  if (f > s && h > 0) return 'up';
  if (f < s && h < 0) return 'down';
  return 'flat';
}

function indicatorVote(ind: IndicatorValues): { vote: number; detail: string } | null {
  const parts: string[] = [];
  let vote = 0;
  let n = 0;
  const { rsi, macd_hist: hist, close, bb_upper: up, bb_lower: lo } = ind;
  if (hist !== undefined && Number.isFinite(hist)) {
    vote += Math.sign(hist);
    n++;
    parts.push(`macd_hist ${fmt(hist)}`);
  }
  if (rsi !== undefined && Number.isFinite(rsi)) {
    // Mean reversion at the extremes, mild momentum in between.
    vote += rsi <= 30 ? 1 : rsi >= 70 ? -1 : (rsi - 50) / 40;
    n++;
    parts.push(`rsi ${fmt(rsi)}`);
  }
  if ([close, up, lo].every((v) => v !== undefined && Number.isFinite(v))) {
    vote += close! < lo! ? 1 : close! > up! ? -1 : 0;
    n++;
    parts.push(
      close! < lo!
        ? 'close below lower band'
        : close! > up!
          ? 'close above upper band'
          : 'close inside bands',
    );
  }
  return n === 0 ? null : { vote: clamp(vote / n), detail: parts.join(', ') };
}

/**
 * Combines the webhook's indicators, ours (flagging disagreements), multi-timeframe trend
 * alignment, patterns and the model's output into a direction, a 0-100 score and reasons.
 * Pure: the same input always gives the same result.
 *
 * @example
 * const s = scoreSignal({ symbol: 'XBTUSDTM', at, alert, local: snapshot, timeframes, patterns, model });
 * s.direction; s.score; s.reasons;
 */
export function scoreSignal(input: ScoreInput): ScoredSignal {
  const w = SCORER.weights;
  const reasons: string[] = [];
  const components: ScoreComponent[] = [];
  const alertInd = input.alert?.indicators ?? {};
  const local = input.local ?? {};
  const disagreements = input.alert && input.local ? compareIndicators(alertInd, local) : [];

  if (input.model.enabled) {
    const { probabilities: p, quality, gate } = input.model;
    const vote = gate.decision === 'LONG' ? 1 : gate.decision === 'SHORT' ? -1 : clamp(p.long - p.short);
    components.push({
      name: 'model',
      vote,
      weight: w.model,
      detail: `p(long) ${p.long.toFixed(3)}, p(short) ${p.short.toFixed(3)}, p(neutral) ${p.neutral.toFixed(3)}, quality ${quality.toFixed(3)}, gate ${gate.decision}`,
    });
    reasons.push(
      gate.decision === 'WAIT'
        ? `model gate WAIT: ${gate.reasons.join('; ')}`
        : `model gate ${gate.decision} (p ${gate.topProbability.toFixed(3)}, quality ${quality.toFixed(3)})`,
    );
  } else {
    reasons.push(input.model.reason);
  }

  if (input.alert?.side) {
    components.push({
      name: 'alert',
      vote: input.alert.side === 'long' ? 1 : -1,
      weight: w.alert,
      detail: `alert asks ${input.alert.side}`,
    });
  }

  // Our values win where we have them; the webhook fills in what we lack.
  const merged: IndicatorValues = { ...alertInd };
  for (const [k, v] of Object.entries(local)) if (v !== undefined && Number.isFinite(v)) merged[k] = v;
  const ind = indicatorVote(merged);
  if (ind) components.push({ name: 'indicators', vote: ind.vote, weight: w.indicators, detail: ind.detail });

  const tfs = input.timeframes ?? [];
  if (tfs.length > 0) {
    const up = tfs.filter((t) => t.trend === 'up').length;
    const down = tfs.filter((t) => t.trend === 'down').length;
    components.push({
      name: 'timeframes',
      vote: (up - down) / tfs.length,
      weight: w.timeframes,
      detail: tfs.map((t) => `${t.timeframe} ${t.trend}`).join(', '),
    });
    if (up === tfs.length || down === tfs.length)
      reasons.push(`all ${tfs.length} timeframes trend ${up ? 'up' : 'down'}`);
    else reasons.push(`timeframes mixed: ${up} up, ${down} down, ${tfs.length - up - down} flat`);
  }

  const pats = input.patterns ?? [];
  if (pats.length > 0) {
    const bull = pats.filter((p) => p.direction === 'bullish').length;
    const bear = pats.filter((p) => p.direction === 'bearish').length;
    components.push({
      name: 'patterns',
      vote: clamp(bull - bear),
      weight: w.patterns,
      detail: pats.map((p) => `${p.pattern} (${p.direction})`).join(', '),
    });
  }

  const totalWeight = components.reduce((s, c) => s + c.weight, 0);
  const combined =
    totalWeight === 0 ? 0 : components.reduce((s, c) => s + c.vote * c.weight, 0) / totalWeight;
  const direction =
    combined > SCORER.neutralBand ? 'long' : combined < -SCORER.neutralBand ? 'short' : 'neutral';
  let score = Math.round(100 * Math.abs(combined));
  if (totalWeight === 0)
    reasons.push('nothing to score: no model, alert side, indicators, timeframes or patterns');

  if (disagreements.length > 0) {
    const penalty = Math.min(
      SCORER.maxDisagreementPenalty,
      SCORER.disagreementPenalty * disagreements.length,
    );
    score = Math.max(0, score - penalty);
    reasons.push(
      `indicator disagreement (alert vs local, -${penalty}): ${disagreements
        .map((d) => `${d.field} ${fmt(d.alert)} vs ${fmt(d.local)}`)
        .join(', ')}`,
    );
  }
  if (input.alert?.side && direction !== 'neutral' && direction !== input.alert.side) {
    reasons.push(`alert asks ${input.alert.side} but the evidence points ${direction}`);
  }
  for (const c of components)
    if (c.name !== 'model') reasons.push(`${c.name}: ${c.detail} (vote ${c.vote.toFixed(2)})`);
  reasons.unshift(`${direction} ${score}/100 (combined vote ${combined.toFixed(3)})`);

  return {
    symbol: input.symbol,
    at: input.at,
    direction,
    score,
    reasons,
    components,
    disagreements,
    modelVersion: input.model.enabled ? input.model.version : null,
    inputs: input,
  };
}
