/**
 * The one timeframe module: candle timeframes the system stores, with KuCoin's kline granularity
 * (minutes) and WS candle type. The multi-timeframe view (`mtf/`) uses a subset of these.
 */
export const TIMEFRAMES = {
  '1m': { ms: 60_000, granularity: 1, wsType: '1min' },
  '5m': { ms: 300_000, granularity: 5, wsType: '5min' },
  '15m': { ms: 900_000, granularity: 15, wsType: '15min' },
  '30m': { ms: 1_800_000, granularity: 30, wsType: '30min' },
  '1h': { ms: 3_600_000, granularity: 60, wsType: '1hour' },
  '2h': { ms: 7_200_000, granularity: 120, wsType: '2hour' },
  '4h': { ms: 14_400_000, granularity: 240, wsType: '4hour' },
  '8h': { ms: 28_800_000, granularity: 480, wsType: '8hour' },
  '12h': { ms: 43_200_000, granularity: 720, wsType: '12hour' },
  '1d': { ms: 86_400_000, granularity: 1440, wsType: '1day' },
} as const;

export type Timeframe = keyof typeof TIMEFRAMES;

/** The timeframes the collector rolls 1m candles into. */
export const ROLLUP_TIMEFRAMES: readonly Timeframe[] = ['5m', '15m', '1h', '4h', '1d'];

export function isTimeframe(value: string): value is Timeframe {
  return Object.hasOwn(TIMEFRAMES, value);
}

/** Throw a RangeError unless `value` names a known timeframe. */
export function parseTimeframe(value: string): Timeframe {
  if (isTimeframe(value)) return value;
  throw new RangeError(
    `unknown timeframe ${JSON.stringify(value)}; expected one of ${Object.keys(TIMEFRAMES).join(', ')}`,
  );
}

export function timeframeMs(tf: Timeframe): number {
  return TIMEFRAMES[tf].ms;
}

/**
 * Open time (ms, UTC) of the bar of `tf` (a timeframe, or a bar length in ms) that contains `ts`.
 * Bars align to the Unix epoch, as KuCoin's do.
 */
export function bucketStart(ts: number, tf: Timeframe | number): number {
  const ms = typeof tf === 'number' ? tf : TIMEFRAMES[tf].ms;
  return Math.floor(ts / ms) * ms;
}
