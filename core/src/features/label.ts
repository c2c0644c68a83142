import { LABEL_SPEC } from './spec.ts';

/** Training target of one bar: class index into DIRECTIONS (NaN when the horizon runs past the data). */
export interface Labels {
  /** 0 long, 1 short, 2 neutral, NaN unknown. */
  direction: Float64Array;
  /** 0..1: net move beyond fees in units of `qualityAtrs` ATRs. */
  quality: Float64Array;
  /** Simple forward return over the horizon (before fees). */
  forwardReturn: Float64Array;
}

/**
 * Labels from forward returns net of a taker round trip: long when the close `horizon` bars ahead is
 * more than 2×fee + threshold above this close, short when that far below, else neutral.
 * `atrN` is the ATR/close feature of the same bar (for the quality scale).
 */
export function computeLabels(close: ArrayLike<number>, atrN: ArrayLike<number>, spec = LABEL_SPEC): Labels {
  const n = close.length;
  const direction = new Float64Array(n).fill(Number.NaN);
  const quality = new Float64Array(n).fill(Number.NaN);
  const forwardReturn = new Float64Array(n).fill(Number.NaN);
  const cost = 2 * spec.takerFee;
  const bar = cost + spec.threshold;
  for (let i = 0; i + spec.horizon < n; i++) {
    const r = close[i + spec.horizon]! / close[i]! - 1;
    forwardReturn[i] = r;
    direction[i] = r > bar ? 0 : r < -bar ? 1 : 2;
    const scale = spec.qualityAtrs * atrN[i]!;
    const net = Math.abs(r) - cost;
    quality[i] = scale > 0 ? Math.min(1, Math.max(0, net / scale)) : Number.NaN;
  }
  return { direction, quality, forwardReturn };
}
