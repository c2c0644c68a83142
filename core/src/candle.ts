/**
 * One OHLCV bar as the indicators see it. Floats on purpose: indicators are approximate maths,
 * money stays in decimal.js elsewhere.
 */
export interface Candle {
  /** bar open time, ms since the Unix epoch (UTC) */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** Which price of a candle a single-input indicator reads. */
export type PriceSource = 'open' | 'high' | 'low' | 'close' | 'hl2' | 'hlc3' | 'ohlc4';

/** Read `source` from a candle (hl2 = (high + low) / 2 etc., as TradingView defines them). */
export function priceOf(candle: Candle, source: PriceSource): number {
  switch (source) {
    case 'close':
      return candle.close;
    case 'open':
      return candle.open;
    case 'high':
      return candle.high;
    case 'low':
      return candle.low;
    case 'hl2':
      return (candle.high + candle.low) / 2;
    case 'hlc3':
      return (candle.high + candle.low + candle.close) / 3;
    case 'ohlc4':
      return (candle.open + candle.high + candle.low + candle.close) / 4;
  }
}

/**
 * Throw a RangeError unless every field of `candle` is a finite number, high is the highest,
 * low the lowest price and volume is not negative. Streams call it before touching their state,
 * so a bad candle changes nothing.
 */
export function assertCandle(candle: Candle): void {
  const { time, open, high, low, close, volume } = candle;
  if (
    !Number.isFinite(time) ||
    !Number.isFinite(open) ||
    !Number.isFinite(high) ||
    !Number.isFinite(low) ||
    !Number.isFinite(close) ||
    !Number.isFinite(volume)
  ) {
    throw new RangeError(`candle at ${time} has a non-finite field`);
  }
  if (high < low || high < open || high < close || low > open || low > close) {
    throw new RangeError(
      `candle at ${time} is inconsistent: high ${high}, low ${low}, open ${open}, close ${close}`,
    );
  }
  if (volume < 0) throw new RangeError(`candle at ${time} has negative volume ${volume}`);
}
