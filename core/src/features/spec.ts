/**
 * The feature specification of the signal model, defined once: the trainer consumes what
 * `computeFeatures` writes, and inference calls the same function.
 */

/** Bars in one model input sequence. */
export const SEQUENCE_LENGTH = 32;

/** Names of the 14 features, in column order. */
export const FEATURE_NAMES = [
  'ret_1',
  'ret_5',
  'ret_15',
  'rsi_14',
  'macd_n',
  'macd_signal_n',
  'macd_hist_n',
  'bb_pct_b',
  'bb_width',
  'atr_n',
  'stoch_rsi_k',
  'stoch_rsi_d',
  'ema50_gap',
  'volume_ratio',
] as const;

/** One feature name. */
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Number of features per bar. */
export const FEATURE_COUNT = FEATURE_NAMES.length;

/** Index of the first bar whose 14 features are all finite (EMA-50 is the longest warm-up). */
export const FEATURE_WARMUP = 49;

/**
 * Bars of history to pass to `computeFeatures` at inference time: EMA- and Wilder-smoothed
 * features depend on where the series starts, and converge to the training values (computed over
 * whole files) after a few hundred bars.
 */
export const INFERENCE_HISTORY = 500;

/** Label definition: forward horizon and costs, as fractions. */
export const LABEL_SPEC = {
  /** Bars ahead the return is measured over. */
  horizon: 15,
  /** KuCoin Futures taker fee per side. */
  takerFee: 0.0006,
  /** Extra net return required beyond the round-trip fee for a long/short label. */
  threshold: 0.0005,
  /** Quality 1 means a net move of this many ATRs (of the decision bar) or more. */
  qualityAtrs: 3,
} as const;

/** Direction classes in the model's output order. */
export const DIRECTIONS = ['long', 'short', 'neutral'] as const;

/** A direction class. */
export type Direction = (typeof DIRECTIONS)[number];
