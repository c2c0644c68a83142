/** The timeframes the multi-timeframe view aggregates 1m candles into. */
export const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

const MINUTE = 60_000;

/** Bar length of each timeframe in ms. */
export const timeframeMs: Readonly<Record<Timeframe, number>> = Object.freeze({
  '1m': MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '1h': 60 * MINUTE,
  '4h': 240 * MINUTE,
});

/** Open time of the bar of length `ms` that contains `time` (UTC-aligned, as exchanges bucket). */
export function bucketStart(time: number, ms: number): number {
  return time - (((time % ms) + ms) % ms);
}

/** Throw a RangeError unless `value` names a known timeframe. */
export function parseTimeframe(value: string): Timeframe {
  if ((TIMEFRAMES as readonly string[]).includes(value)) return value as Timeframe;
  throw new RangeError(
    `unknown timeframe ${JSON.stringify(value)}; expected one of ${TIMEFRAMES.join(', ')}`,
  );
}
