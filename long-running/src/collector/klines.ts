import { type Bar, TIMEFRAMES, type Timeframe, timeframeMs } from '@enigma/core/marketdata/index';
import { Money } from '@enigma/core/money';
import type Decimal from 'decimal.js';
import type { Candle } from '../exchange/types.ts';

/** KuCoin's documented maximum number of bars per `/api/v1/kline/query` response (docs-new). */
export const MAX_KLINES_PER_REQUEST = 500;

/** The public market-data REST calls the collector and `enigma data download` need. */
export interface MarketDataApi {
  /** GET /api/v1/kline/query: bars with open time in [from, to] (ms), granularity in minutes. */
  klines(symbol: string, granularity: number, from: number, to: number): Promise<Candle[]>;
  /** GET /api/v1/contract/funding-rates: settled funding rates in [from, to] (ms). */
  fundingRates(
    symbol: string,
    from: number,
    to: number,
  ): Promise<{ symbol: string; rate: Decimal; time: number }[]>;
}

/** One request window [from, to] (inclusive, as KuCoin reads it) covering at most `maxBars` bars. */
export interface KlineWindow {
  from: number;
  to: number;
}

/**
 * Split the bar open times [from, to) into request windows of at most `maxBars` bars each, so no request
 * can be truncated by the exchange's per-response cap.
 *
 * @example planKlineWindows(0, 1_000 * 60_000, '1m') // two windows: 500 bars each
 */
export function planKlineWindows(
  from: number,
  to: number,
  tf: Timeframe,
  maxBars = MAX_KLINES_PER_REQUEST,
): KlineWindow[] {
  const step = timeframeMs(tf);
  if (from % step !== 0 || to % step !== 0) throw new RangeError(`range must align to ${tf} bars`);
  if (!(maxBars >= 1)) throw new RangeError('maxBars must be positive');
  const out: KlineWindow[] = [];
  for (let start = from; start < to; start += maxBars * step) {
    const end = Math.min(to, start + maxBars * step);
    // `to` is inclusive at KuCoin: stop one ms before the next window's first bar
    out.push({ from: start, to: end - 1 });
  }
  return out;
}

/** A REST candle as a `Bar` of `tf` (REST gives no trade count or turnover: both 0). */
export function candleToBar(c: Candle, tf: Timeframe): Bar {
  return {
    symbol: c.symbol,
    timeframe: tf,
    openTime: c.openTime,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    turnover: new Money(0),
    trades: 0,
  };
}

/**
 * Fetch every bar with open time in [from, to), window by window, in time order. Bars outside the range
 * (e.g. the still-forming current bar) and duplicates are dropped. `onPage` sees each page as it lands
 * (for progress and for writing incrementally).
 */
export async function fetchBars(
  api: Pick<MarketDataApi, 'klines'>,
  symbol: string,
  tf: Timeframe,
  from: number,
  to: number,
  onPage?: (bars: Bar[], window: KlineWindow, index: number, total: number) => Promise<void> | void,
): Promise<Bar[]> {
  const windows = planKlineWindows(from, to, tf);
  const all: Bar[] = [];
  let last = from - 1;
  for (const [i, w] of windows.entries()) {
    const candles = await api.klines(symbol, TIMEFRAMES[tf].granularity, w.from, w.to);
    const page = candles
      .filter((c) => c.openTime >= w.from && c.openTime <= w.to && c.openTime < to)
      .sort((a, b) => a.openTime - b.openTime)
      .filter((c) => {
        if (c.openTime <= last) return false;
        last = c.openTime;
        return true;
      })
      .map((c) => candleToBar(c, tf));
    all.push(...page);
    await onPage?.(page, w, i, windows.length);
  }
  return all;
}
