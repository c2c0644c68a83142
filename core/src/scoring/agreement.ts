/** Indicator fields the webhook and our own bundle both report (IndicatorSnapshot / alert names). */
export const COMPARED_FIELDS = [
  'close',
  'rsi',
  'macd',
  'macd_signal',
  'macd_hist',
  'bb_upper',
  'bb_middle',
  'bb_lower',
  'atr',
] as const;

/** One compared field. */
export type ComparedField = (typeof COMPARED_FIELDS)[number];

/** Indicator values by name (alert fields or IndicatorSnapshot fields); missing means not reported. */
export type IndicatorValues = Partial<Record<string, number>>;

/**
 * How far apart two values may be. `price` fields are compared relative to the value, `points`
 * (RSI) absolutely, `close` fields (MACD family, ATR) relative to the close: a MACD near zero has no
 * meaningful relative error, and TradingView's venue prices differ from ours by a few ticks.
 */
export const TOLERANCES: Readonly<
  Record<ComparedField, { kind: 'relative' | 'points' | 'ofClose'; tol: number }>
> = {
  close: { kind: 'relative', tol: 0.002 },
  rsi: { kind: 'points', tol: 3 },
  macd: { kind: 'ofClose', tol: 0.0005 },
  macd_signal: { kind: 'ofClose', tol: 0.0005 },
  macd_hist: { kind: 'ofClose', tol: 0.0005 },
  bb_upper: { kind: 'relative', tol: 0.003 },
  bb_middle: { kind: 'relative', tol: 0.003 },
  bb_lower: { kind: 'relative', tol: 0.003 },
  atr: { kind: 'ofClose', tol: 0.001 },
};

/** A field where the webhook and our computation disagree beyond tolerance. */
export interface Disagreement {
  field: ComparedField;
  alert: number;
  local: number;
  /** |alert − local| in the tolerance's unit (fraction, or RSI points) */
  difference: number;
  tolerance: number;
}

/**
 * Compares every field both sides report. Fields only one side has are not compared; NaN on our
 * side (warm-up) is not a disagreement either, it is simply unknown.
 */
export function compareIndicators(alert: IndicatorValues, local: IndicatorValues): Disagreement[] {
  const close = local['close'] ?? alert['close'];
  const out: Disagreement[] = [];
  for (const field of COMPARED_FIELDS) {
    const a = alert[field];
    const l = local[field];
    if (a === undefined || l === undefined || !Number.isFinite(a) || !Number.isFinite(l)) continue;
    const { kind, tol } = TOLERANCES[field];
    let difference: number;
    if (kind === 'points') difference = Math.abs(a - l);
    else if (kind === 'relative') difference = Math.abs(a - l) / Math.max(Math.abs(l), Number.MIN_VALUE);
    else if (close !== undefined && Number.isFinite(close) && close > 0) difference = Math.abs(a - l) / close;
    else continue;
    if (difference > tol) out.push({ field, alert: a, local: l, difference, tolerance: tol });
  }
  return out;
}
