import type { Candle } from '../candle.ts';
import { computeFeatures, sequenceAt } from '../features/compute.ts';
import { INFERENCE_HISTORY } from '../features/spec.ts';
import { IndicatorBundle, type IndicatorSnapshot } from '../indicators/bundle.ts';
import { MTF_TIMEFRAMES, multiTimeframeAt } from '../mtf/multi-timeframe.ts';
import { detectPatterns, type PatternMatch } from '../patterns/patterns.ts';
import { type Trend, trendOf } from './scorer.ts';

const MINUTE = 60_000;

/** What our own market data says at one instant: the scorer's local inputs and the model's input. */
export interface CandleContext {
  /** the last 1m bar that had closed by `now` */
  bar: Candle;
  local: IndicatorSnapshot;
  timeframes: { timeframe: string; trend: Trend }[];
  patterns: PatternMatch[];
  /** SEQUENCE_LENGTH × FEATURE_COUNT model input ending at `bar`, or null with the reason */
  sequence: Float32Array | null;
  sequenceError?: string;
}

/**
 * Builds the scorer's local inputs from closed 1m candles (oldest first) as of `now` (ms): the
 * indicator bundle at the last closed bar, the trend of every timeframe from its last closed bar
 * (no look-ahead), the patterns completed at that bar, and the model's input sequence.
 * Throws when no minute had closed by `now`.
 */
export function candleContext(minutes: readonly Candle[], now: number): CandleContext {
  let end = minutes.length;
  while (end > 0 && minutes[end - 1]!.time + MINUTE > now) end--;
  if (end === 0)
    throw new RangeError(`candleContext: no 1m candle had closed by ${new Date(now).toISOString()}`);
  const closed = minutes.slice(0, end);
  const bar = closed[end - 1]!;

  const bundle = new IndicatorBundle();
  let local: IndicatorSnapshot | undefined;
  for (const c of closed) local = bundle.update(c);
  const mtf = multiTimeframeAt(closed, now, { forming: false });
  const timeframes = MTF_TIMEFRAMES.map((tf) => {
    const ind = mtf.frames[tf]?.closed?.indicators;
    return {
      timeframe: tf,
      trend: ind ? trendOf(ind as unknown as Record<string, number>) : ('flat' as Trend),
    };
  });
  const patterns = detectPatterns(closed, end - 1);

  const recent = closed.slice(-INFERENCE_HISTORY);
  const features = computeFeatures({
    open: recent.map((c) => c.open),
    high: recent.map((c) => c.high),
    low: recent.map((c) => c.low),
    close: recent.map((c) => c.close),
    volume: recent.map((c) => c.volume),
  });
  let sequence: Float32Array | null = null;
  let sequenceError: string | undefined;
  try {
    sequence = sequenceAt(features, features.rows - 1);
  } catch (error) {
    sequenceError = `not enough history for the model (${recent.length} bars): ${(error as Error).message}`;
  }
  return {
    bar,
    local: { ...local! },
    timeframes,
    patterns,
    sequence,
    ...(sequenceError ? { sequenceError } : {}),
  };
}
